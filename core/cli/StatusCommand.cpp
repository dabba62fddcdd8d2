#include "cli/CliApp.h"
#include "cli/Console.h"
#include "cli/SyncCommand.h"
#include "metrics/Freshness.h"
#include "state/RepoStateStore.h"
#include "workspace/Shard.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace repodeck::core::cli {

namespace {
QJsonValue timeOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODate)) : QJsonValue(QJsonValue::Null);
}
} // namespace

int runStatus(const Workspace &ws, const QString &wsPath, const CliArgs &a)
{
    int shardIndex = 0, shardCount = 1;
    if (QString problem; !a.shard(&shardIndex, &shardCount, &problem)) {
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(problem));
        return UsageError;
    }
    const QString statePath = RepoStateStore::pathFor(wsPath);
    auto loaded = RepoStateStore::load(statePath);
    if (!loaded) {
        printErr(QStringLiteral("repodeck-cli: %1: %2\n").arg(statePath, loaded.error()));
        return UsageError;
    }
    const RepoStateStore &store = loaded.value();
    const QStringList names = a.positional.mid(1);
    for (const QString &n : names) {
        if (!ws.repository(n)) {
            printErr(
                QStringLiteral(
                    "repodeck-cli: there is no repository named \"%1\"; see `repodeck-cli list`\n")
                    .arg(n));
            return UsageError;
        }
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    int stale = 0;
    QJsonArray rows;
    QStringList lines;
    for (const RepoSpec &r : ws.repositories()) {
        if ((!names.isEmpty() && !names.contains(r.name))
            || shardOf(r.name, shardCount) != shardIndex)
            continue;
        const RepoState st = store.state(r.name);
        const RetryPolicy policy = ws.policy(r.policy);
        const bool isStaleNow = isStale(st, policy, now);
        stale += isStaleNow ? 1 : 0;
        const bool failed = st.lastOutcome == Outcome::Failed;
        rows.append(QJsonObject{
            {QStringLiteral("repo"), r.name},
            {QStringLiteral("last_success"), timeOrNull(st.lastSuccess)},
            {QStringLiteral("last_attempt"), timeOrNull(st.lastAttempt)},
            {QStringLiteral("outcome"), st.lastOutcome == Outcome::None
                                            ? QJsonValue(QJsonValue::Null)
                                            : QJsonValue(outcomeName(st.lastOutcome))},
            {QStringLiteral("category"),
             failed ? QJsonValue(categoryName(st.error.category)) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("consecutive_failures"), st.consecutiveFailures},
            {QStringLiteral("stale"), isStaleNow},
            {QStringLiteral("stale_after_ms"), static_cast<qint64>(policy.staleAfter.count())},
            // The last run's after_sync command (exit code, last lines), or null.
            {QStringLiteral("after_sync"), st.afterSync.isValid()
                                               ? QJsonValue(afterSyncRecordToJson(st.afterSync))
                                               : QJsonValue(QJsonValue::Null)},
        });
        lines << QStringLiteral("%1%2%3%4%5")
                     .arg(r.name.leftJustified(24),
                          (st.lastOutcome == Outcome::None ? QStringLiteral("never synced")
                                                           : outcomeName(st.lastOutcome))
                              .leftJustified(16),
                          (st.lastSuccess.isValid() ? st.lastSuccess.toLocalTime().toString(
                               QStringLiteral("yyyy-MM-dd hh:mm"))
                                                    : QStringLiteral("-"))
                              .leftJustified(20),
                          QString::number(st.consecutiveFailures).leftJustified(10),
                          isStaleNow ? QStringLiteral("STALE") : QString());
    }
    if (a.has(QStringLiteral("json"))) {
        printOut(QString::fromUtf8(QJsonDocument(rows).toJson(QJsonDocument::Compact))
                 + QLatin1Char('\n'));
    } else {
        printOut(QStringLiteral("%1%2%3%4%5\n")
                     .arg(QStringLiteral("REPOSITORY").leftJustified(24),
                          QStringLiteral("LAST OUTCOME").leftJustified(16),
                          QStringLiteral("LAST SUCCESS").leftJustified(20),
                          QStringLiteral("FAILURES").leftJustified(10),
                          QStringLiteral("FRESHNESS")));
        for (const QString &l : std::as_const(lines))
            printOut(l + QLatin1Char('\n'));
        if (stale)
            printOut(QStringLiteral(
                         "\n%1 repositories are stale (older than their policy's stale_after).\n")
                         .arg(stale));
    }
    return a.has(QStringLiteral("fail-on-stale")) && stale > 0 ? SomeFailed : Ok;
}

} // namespace repodeck::core::cli
