#include "cli/SyncCommand.h"

#include "cli/CliApp.h"
#include "auth/CredentialBroker.h"
#include "net/http/CertificatePins.h"
#include "auth/TerminalPrompt.h"
#include "cli/Console.h"
#include "cli/SyncReporter.h"
#include "log/AttemptLog.h"
#include "log/Logging.h"
#include "metrics/Freshness.h"
#include "metrics/PrometheusMetrics.h"
#include "state/StateEditor.h"
#include "net/Reachability.h"
#include "platform/SignalWatcher.h"
#include "platform/WakeDetector.h"
#include "sync/Scheduler.h"
#include "util/RemoteUrl.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

namespace repodeck::core::cli {

int runSync(const Workspace &ws, const QString &wsPath, const CliArgs &a)
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
    int shardIndex = 0, shardCount = 1;
    if (QString problem; !a.shard(&shardIndex, &shardCount, &problem)) {
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(problem));
        return UsageError;
    }
    std::optional<Millis> metricsInterval;
    if (a.values.contains(QStringLiteral("metrics-interval"))) {
        metricsInterval = parseDuration(a.value(QStringLiteral("metrics-interval")));
        if (!metricsInterval || metricsInterval->count() < 1000) {
            printErr(QStringLiteral("repodeck-cli: --metrics-interval needs a duration of at least 1s\n"));
            return UsageError;
        }
    }
    const QString metricsPath = a.value(QStringLiteral("metrics-file"));
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
    if (shardCount > 1) {
        QList<RepoSpec> mine;
        for (const RepoSpec &r : std::as_const(selected)) {
            if (shardOf(r.name, shardCount) == shardIndex)
                mine << r;
        }
        selected = mine;
    }

    if (a.has(QStringLiteral("interactive"))) {
        if (!TerminalPrompt::available()) {
            printErr(QStringLiteral("repodeck-cli: --interactive needs a terminal; without one RepoDeck never asks "
                                    "(use git's credential helper instead)\n"));
            return UsageError;
        }
        addCredentialSource(std::make_shared<TerminalPrompt>());
    }
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

    // What this run learns, for the state file and the metrics.
    QHash<QString, QList<AttemptRecord>> timelines;
    QHash<QString, RepoResult> results;
    QHash<QString, int> failedAttempts;
    QObject::connect(&scheduler, &Scheduler::attemptFinished, &loop, [&](const QString &n, const AttemptRecord &r) {
        timelines[n].append(r);
        if (!r.ok)
            ++failedAttempts[categoryName(r.error.category)];
    });
    QObject::connect(&scheduler, &Scheduler::finished, &loop,
                     [&](const QString &n, const RepoResult &r) { results.insert(n, r); });
    const QString statePath = RepoStateStore::pathFor(wsPath);
    // Certificates a person pinned in the desktop app are trusted here too.
    if (const QString e = http::loadPinnedCertificates(http::pinnedCertificatesPath(wsPath)); !e.isEmpty())
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(e));
    QElapsedTimer clock;
    clock.start();
    auto snapshot = [&](bool finishedRun) {
        MetricsSnapshot m;
        m.now = QDateTime::currentDateTimeUtc();
        m.runDurationMs = clock.elapsed();
        m.runFinished = finishedRun;
        // Every repository of this shard, not only those synced now: a run
        // for a few names must not make the others vanish from monitoring.
        for (const RepoSpec &r : ws.repositories()) {
            if (shardOf(r.name, shardCount) == shardIndex)
                m.repositories << r;
        }
        for (auto it = ws.policies().cbegin(); it != ws.policies().cend(); ++it)
            m.policies.insert(it.key(), it.value());
        auto loadedStates = RepoStateStore::load(statePath);
        if (loadedStates)
            m.states = loadedStates.value();
        if (!finishedRun) {
            for (auto it = results.cbegin(); it != results.cend(); ++it) {
                RepoState st = m.states.state(it.key());
                recordResult(st, it.value(), timelines.value(it.key()));
                m.states.setState(it.key(), st);
            }
        }
        for (const RepoSpec &r : std::as_const(m.repositories)) {
            const QString host = Scheduler::hostKey(r.url);
            m.hosts.insert(host, scheduler.hosts().state(host));
            m.attemptsByRepo.insert(r.name, timelines.value(r.name).size());
        }
        m.attemptFailures = failedAttempts;
        return m;
    };
    QTimer metricsTimer;
    if (!metricsPath.isEmpty() && metricsInterval) {
        QObject::connect(&metricsTimer, &QTimer::timeout, &loop, [&] {
            writeMetricsFile(metricsPath, renderPrometheus(snapshot(false)));
        });
        metricsTimer.start(static_cast<int>(metricsInterval->count()));
    }
    QStringList order;
    for (const RepoSpec &r : selected) {
        order << r.name;
        scheduler.sync(r, ws.policy(r.policy));
    }
    if (!selected.isEmpty())
        loop.exec();
    metricsTimer.stop();

    QString stateNotice;
    const QString stateError = results.isEmpty() ? QString() : editStateStore(statePath, [&](RepoStateStore &store) {
        for (auto it = results.cbegin(); it != results.cend(); ++it) {
            RepoState st = store.state(it.key());
            recordResult(st, it.value(), timelines.value(it.key()));
            store.setState(it.key(), st);
        }
    }, &stateNotice);
    if (!stateError.isEmpty())
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(stateError));
    if (!stateNotice.isEmpty())
        printErr(QStringLiteral("repodeck-cli: note: %1\n").arg(stateNotice));
    if (!metricsPath.isEmpty()) {
        if (const QString e = writeMetricsFile(metricsPath, renderPrometheus(snapshot(true))); !e.isEmpty())
            printErr(QStringLiteral("repodeck-cli: %1\n").arg(e));
    }
    reporter.printSummary(order, clock.elapsed());
    if (interrupted)
        return Interrupted;
    return reporter.failedCount() > 0 ? SomeFailed : Ok;
}

} // namespace repodeck::core::cli
