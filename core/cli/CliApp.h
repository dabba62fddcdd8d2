#pragma once

#include <QStringList>

namespace repodeck::core::cli {

// Exit statuses are a contract that scripts and cron jobs depend on.
enum ExitCode { Ok = 0, SomeFailed = 1, UsageError = 2, Interrupted = 130 };

// Runs one repodeck-cli command. Needs a QCoreApplication; `sync` runs its
// event loop. `args` excludes the program name.
int runCli(const QStringList &args);

QString usageText();

} // namespace repodeck::core::cli
