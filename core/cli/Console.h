#pragma once

#include <QString>

namespace repodeck::core::cli {

// stdout/stderr writers that flush every line (scripts read --json output
// line by line while the run goes on).
void printOut(const QString &text);
void printErr(const QString &text);
bool stdoutIsTerminal();

} // namespace repodeck::core::cli
