#pragma once

#include <QString>

namespace repodeck::core {

// Sets up the process's spdlog default logger: a rotating file under the
// platform's data directory ($REPODECK_LOG_DIR overrides it), 5 x 5 MiB.
// Nothing is written to the terminal: the CLI's output is a contract.
// Returns the log file's path, or empty if it could not be opened (then logs
// are dropped rather than breaking the sync).
QString setupLogging(const QString &appName);

QString logDirectory();

} // namespace repodeck::core
