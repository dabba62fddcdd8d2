#include "cli/SyncCommand.h"

#include "cli/CliApp.h"
#include "cli/Console.h"
#include "cli/SyncReporter.h"
#include "log/AttemptLog.h"
#include "log/Logging.h"
#include "net/Reachability.h"
#include "platform/SignalWatcher.h"
#include "platform/WakeDetector.h"
#include "sync/Scheduler.h"
#include "util/RemoteUrl.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>

namespace repodeck::core::cli {

int runSync(const Workspace &ws, const CliArgs &a)
{
    int jobs = 4;
    if (a.values.contains(QStringLiteral("jobs"))) {
        bool ok = false;
        jobs = a.value(QStringLiteral("jobs")).toInt(&ok);
        if (!ok || jobs < 1 || jobs > 256) {
            printErr(QStringLiteral("repodeck-cli: --jobs needs a number from 1 to 256\n"));
            return UsageError;
        }
    }
    HostConfig hostConfig;
    if (a.values.contains(QStringLiteral("host-jobs"))) {
        bool ok = false;
        hostConfig.maxConcurrent = a.value(QStringLiteral("host-jobs")).toInt(&ok);
        if (!ok || hostConfig.maxConcurrent < 1 || hostConfig.maxConcurrent > 256) {
            printErr(QStringLiteral("repodeck-cli: --host-jobs needs a number from 1 to 256\n"));
            return UsageError;
        }
    }
    QList<RepoSpec> selected;
    const QStringList names = a.positional.mid(1);
    for (const QString &name : names) {
        const RepoSpec *r = ws.repository(name);
        if (!r) {
            printErr(QStringLiteral("repodeck-cli: there is no repository named \"%1\"; see `repodeck-cli list`\n").arg(name));
            return UsageError;
        }
        selected << *r;
    }
    if (names.isEmpty())
        selected = ws.repositories();

    setupLogging(QStringLiteral("repodeck-cli"));
    Scheduler scheduler;
    scheduler.setMaxConcurrent(jobs);
    scheduler.setHostConfig(hostConfig);
    SystemReachability reachability;
    scheduler.setReachability(&reachability);
    scheduler.setOfflineCountsTowardDeadline(true); // a CLI run must end
    WakeDetector wake;
    QObject::connect(&wake, &WakeDetector::resumed, &scheduler, [&scheduler] { scheduler.handleResumedFromSleep(); });
    if (const QByteArray seed = qgetenv("REPODECK_SEED"); !seed.isEmpty())
        scheduler.setSeed(seed.toULongLong());
    QHash<QString, QString> urls;
    for (const RepoSpec &r : selected)
        urls.insert(r.name, RemoteUrl::parse(r.url).redacted());
    AttemptLog log(&scheduler, [urls](const QString &n) { return urls.value(n); });

    const SyncReporter::Mode mode = a.has(QStringLiteral("json")) ? SyncReporter::Mode::Json
                                    : stdoutIsTerminal()          ? SyncReporter::Mode::Terminal
                                                                  : SyncReporter::Mode::Plain;
    SyncReporter reporter(&scheduler, mode);

    bool interrupted = false;
    SignalWatcher watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &SignalWatcher::interrupted, &loop, [&](int) {
        if (interrupted)
            return; // already stopping; every attempt notices within ~50 ms
        interrupted = true;
        if (mode != SyncReporter::Mode::Json)
            printErr(QStringLiteral("\nInterrupted: stopping every operation cleanly...\n"));
        scheduler.cancelAll();
    });
    QObject::connect(&scheduler, &Scheduler::allFinished, &loop, &QEventLoop::quit);

    QElapsedTimer clock;
    clock.start();
    QStringList order;
    for (const RepoSpec &r : selected) {
        order << r.name;
        scheduler.sync(r, ws.policy(r.policy));
    }
    if (!selected.isEmpty())
        loop.exec();
    reporter.printSummary(order, clock.elapsed());
    if (interrupted)
        return Interrupted;
    return reporter.failedCount() > 0 ? SomeFailed : Ok;
}

} // namespace repodeck::core::cli
