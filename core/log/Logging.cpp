#include "log/Logging.h"

#include <QDir>
#include <QStandardPaths>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

namespace repodeck::core {

QString logDirectory()
{
    QString env = qEnvironmentVariable("REPODECK_LOG_DIR");
    if (!env.isEmpty())
        return env;
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
        .filePath(QStringLiteral("repodeck/logs"));
}

QString setupLogging(const QString &appName)
{
    const QString dir = logDirectory();
    QString path = QDir(dir).filePath(appName + QStringLiteral(".log"));
    try {
        QDir().mkpath(dir);
        auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path.toStdString(),
                                                                           5 * 1024 * 1024, 5);
        auto logger = std::make_shared<spdlog::logger>(appName.toStdString(), sink);
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%t] %v");
        logger->flush_on(spdlog::level::info);
        spdlog::set_default_logger(logger);
        return path;
    } catch (const spdlog::spdlog_ex &) {
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(
            appName.toStdString(), std::make_shared<spdlog::sinks::null_sink_mt>()));
        return {};
    }
}

} // namespace repodeck::core
