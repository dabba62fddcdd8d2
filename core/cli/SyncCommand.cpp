#include "cli/SyncCommand.h"

#include "auth/CredentialBroker.h"
#include "auth/TerminalPrompt.h"
#include "cli/CliApp.h"
#include "cli/Console.h"
#include "cli/SyncReporter.h"
#include "log/Logging.h"
#include "platform/SignalWatcher.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "workspace/Shard.h"

#include <QEventLoop>

namespace repodeck::core::cli {

namespace {

struct SyncOptions
{
    SessionSettings session;
    int shardIndex = 0;
    int shardCount = 1;
    QString metricsPath;
    std::optional<Millis> metricsInterval;
    QList<RepoSpec> selected;
};

bool numberOption(const CliArgs &a, const char *name, int *value)
{
    const QString key = QLatin1String(name);
    if (!a.values.contains(key))
        return true;
    bool ok = false;
    *value = a.value(key).toInt(&ok);
    if (ok && *value >= 1 && *value <= 256)
        return true;
    printErr(QStringLiteral("repodeck-cli: --%1 needs a number from 1 to 256\n").arg(key));
    return false;
}

// Returns Ok or the exit code for a usage error (already reported).
int parseOptions(const Workspace &ws, const CliArgs &a, SyncOptions &o)
{
    o.session.offlineCountsTowardDeadline = true; // a CLI run must end
    o.session.saveDelayMs = -1;                   // one locked write, at the end
    if (!numberOption(a, "jobs", &o.session.jobs)
        || !numberOption(a, "host-jobs", &o.session.hosts.maxConcurrent))
        return UsageError;
    if (QString problem; !a.shard(&o.shardIndex, &o.shardCount, &problem)) {
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(problem));
        return UsageError;
    }
    if (a.values.contains(QStringLiteral("metrics-interval"))) {
        o.metricsInterval = parseDuration(a.value(QStringLiteral("metrics-interval")));
        if (!o.metricsInterval || o.metricsInterval->count() < 1000) {
            printErr(QStringLiteral(
                "repodeck-cli: --metrics-interval needs a duration of at least 1s\n"));
            return UsageError;
        }
    }
    o.metricsPath = a.value(QStringLiteral("metrics-file"));
    if (a.values.contains(QStringLiteral("on-metered"))) {
        o.session.onMetered = onMeteredFromName(a.value(QStringLiteral("on-metered")));
        if (!o.session.onMetered) {
            printErr(QStringLiteral("repodeck-cli: --on-metered needs wait or run\n"));
            return UsageError;
        }
    }
    const QStringList names = a.positional.mid(1);
    for (const QString &name : names) {
        const RepoSpec *r = ws.repository(name);
        if (!r) {
            printErr(
                QStringLiteral(
                    "repodeck-cli: there is no repository named \"%1\"; see `repodeck-cli list`\n")
                    .arg(name));
            return UsageError;
        }
        o.selected << *r;
    }
    if (names.isEmpty())
        o.selected = ws.repositories();
    if (o.shardCount > 1) {
        QList<RepoSpec> mine;
        for (const RepoSpec &r : std::as_const(o.selected)) {
            if (shardOf(r.name, o.shardCount) == o.shardIndex)
                mine << r;
        }
        o.selected = mine;
    }
    if (a.has(QStringLiteral("interactive"))) {
        if (!TerminalPrompt::available()) {
            printErr(QStringLiteral(
                "repodeck-cli: --interactive needs a terminal; without one RepoDeck never asks "
                "(use git's credential helper instead)\n"));
            return UsageError;
        }
        addCredentialSource(std::make_shared<TerminalPrompt>());
    }
    return Ok;
}

} // namespace

int runSync(const Workspace &ws, const QString &wsPath, const CliArgs &a)
{
    SyncOptions o;
    if (const int rc = parseOptions(ws, a, o); rc != Ok)
        return rc;
    setupLogging(QStringLiteral("repodeck-cli"));

    // The same engine session as the desktop app's; this run syncs once.
    SyncSession session;
    session.configure(o.session);
    if (const QString e = session.open(wsPath, SyncSession::Loading::Now); !e.isEmpty())
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(e));
    session.setWorkspace(ws);
    if (!o.metricsPath.isEmpty()) {
        session.setMetricsFile(o.metricsPath, o.metricsInterval.value_or(Millis(0)),
                               [&o](const QString &name) {
            return shardOf(name, o.shardCount) == o.shardIndex;
        });
    }
    const SyncReporter::Mode mode = a.has(QStringLiteral("json")) ? SyncReporter::Mode::Json
                                    : stdoutIsTerminal()          ? SyncReporter::Mode::Terminal
                                                                  : SyncReporter::Mode::Plain;
    SyncReporter reporter(session.scheduler(), mode);
    // Held for a metered connection: reported, not synced (see usageText()).
    QObject::connect(&session, &SyncSession::held, &reporter, &SyncReporter::noteHeld);
    QObject::connect(&session, &SyncSession::afterSyncFinished, &reporter,
                     &SyncReporter::noteAfterSync);

    bool interrupted = false;
    SignalWatcher watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &SignalWatcher::interrupted, &loop, [&](int) {
        if (interrupted)
            return; // already stopping; every attempt notices within ~50 ms
        interrupted = true;
        if (mode != SyncReporter::Mode::Json)
            printErr(QStringLiteral("\nInterrupted: stopping every operation cleanly...\n"));
        session.cancelAll();
    });
    // Done when every sync and every after_sync command has ended.
    QObject::connect(&session, &SyncSession::idle, &loop, &QEventLoop::quit);

    QStringList order;
    for (const RepoSpec &r : std::as_const(o.selected)) {
        order << r.name;
        session.sync(r.name);
    }
    // A run whose repositories all wait for an unmetered connection ends at once.
    if (!order.isEmpty() && !session.isIdle())
        loop.exec();

    QString notice;
    for (const QString &e : session.finishRun(&notice))
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(e));
    if (!notice.isEmpty())
        printErr(QStringLiteral("repodeck-cli: note: %1\n").arg(notice));
    reporter.printSummary(order, session.runElapsedMs());
    if (interrupted)
        return Interrupted;
    return reporter.failedCount() > 0 ? SomeFailed : Ok;
}

} // namespace repodeck::core::cli
