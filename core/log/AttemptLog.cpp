#include "log/AttemptLog.h"

#include "sync/Scheduler.h"
#include "util/RemoteUrl.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <spdlog/spdlog.h>

namespace repodeck::core {

namespace {
std::string compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}
} // namespace

AttemptLog::AttemptLog(Scheduler *scheduler, std::function<QString(const QString &)> urlOf,
                       QObject *parent)
    : QObject(parent)
    , m_urlOf(std::move(urlOf))
{
    connect(scheduler, &Scheduler::attemptFinished, this,
            [this](const QString &name, const AttemptRecord &r) {
        QJsonObject o{
            {QStringLiteral("record"), QStringLiteral("attempt")},
            {QStringLiteral("repo"), name},
            {QStringLiteral("url"), redactUrlsInText(m_urlOf(name))},
            {QStringLiteral("attempt"), r.attempt},
            {QStringLiteral("max_attempts"), r.maxAttempts},
            {QStringLiteral("ok"), r.ok},
            {QStringLiteral("category"), categoryName(r.error.category)},
            {QStringLiteral("transient"), r.error.transient},
            {QStringLiteral("message"), redactUrlsInText(r.error.text())},
            {QStringLiteral("bytes"), r.bytes},
            {QStringLiteral("duration_ms"), static_cast<qint64>(r.duration.count())},
            {QStringLiteral("retry_in_ms"), static_cast<qint64>(r.retryIn.count())},
        };
        o.insert(QStringLiteral("trigger"), triggerName(r.trigger));
        if (r.held)
            o.insert(QStringLiteral("held"),
                     true); // counted without a connection: the host was paused
        if (!r.httpVersion.isEmpty())
            o.insert(QStringLiteral("http_version"), r.httpVersion);
        if (r.ok)
            spdlog::info("{}", compact(o));
        else
            spdlog::warn("{}", compact(o));
    });
    connect(scheduler, &Scheduler::finished, this,
            [this](const QString &name, const RepoResult &r) {
        QJsonObject o{
            {QStringLiteral("record"), QStringLiteral("repo_done")},
            {QStringLiteral("repo"), name},
            {QStringLiteral("url"), redactUrlsInText(m_urlOf(name))},
            {QStringLiteral("outcome"), outcomeName(r.outcome)},
            {QStringLiteral("attempts"), r.attempts},
            {QStringLiteral("reason"), r.reason},
            {QStringLiteral("category"), categoryName(r.error.category)},
            {QStringLiteral("message"),
             redactUrlsInText(r.outcome == Outcome::Failed ? r.error.text() : r.detail)},
            {QStringLiteral("bytes"), r.bytes},
            {QStringLiteral("duration_ms"), static_cast<qint64>(r.duration.count())},
        };
        spdlog::info("{}", compact(o));
    });
}

} // namespace repodeck::core
