#pragma once

#include "retry/RetryDecision.h"
#include "retry/RetryPolicy.h"
#include "sync/AttemptOutcome.h"
#include "sync/HostGate.h"
#include "sync/SyncTypes.h"
#include "workspace/RepoSpec.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QList>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <random>

namespace repodeck::core {

class CancelToken;
class Reachability;

// Runs syncs on its own thread pool with a global cap on concurrent
// operations, retries transient failures after backoff delays kept on timers
// (no thread sleeps), and joins a second request for a repository to the one
// already in flight. Hosts are treated as units (HostGate: per-host cap,
// circuit breaker, retry budget); nothing starts while the machine is
// offline; overdue retries run after the machine wakes. Lives on the thread
// that creates it (the GUI or CLI main thread); all signals are delivered there.
class Scheduler : public QObject
{
    Q_OBJECT

public:
    using State = Activity; // only Idle, Queued, Running and Waiting here

    explicit Scheduler(QObject *parent = nullptr);
    ~Scheduler() override;

    void setMaxConcurrent(int jobs);
    int maxConcurrent() const { return m_maxConcurrent; }
    void setHostConfig(const HostConfig &config)
    {
        m_gate.setConfig(config);
        pump();
    }
    const HostGate &hosts() const { return m_gate; }
    // Fixes the jitter randomness (tests, benchmarks).
    void setSeed(quint64 seed);
    // How soon a repository locked by another process is tried again.
    void setBusyRetryInterval(Millis interval) { m_busyInterval = interval; }
    // Spread of the restart after the network comes back or the machine wakes.
    void setResumeSpread(Millis spread) { m_resumeSpread = spread; }
    // Not owned. Without one the scheduler assumes it is online.
    void setReachability(Reachability *reachability);
    bool isOnline() const { return m_online; }
    // Whether time held offline counts toward a repository's deadline: yes
    // for a CLI run (it must end), no for the desktop app (it just waits).
    void setOfflineCountsTowardDeadline(bool counts) { m_offlineDeadline = counts; }
    // Loopback servers are reachable offline; tests that stand in for remote
    // hosts with loopback ones turn this off.
    void setLoopbackExemptFromOffline(bool exempt) { m_loopbackExempt = exempt; }

    // Starts a sync of `spec`. Returns false when the request joins one
    // already queued or running (its result is the same). A repository waiting
    // for its retry joins that wait unless the request is Manual: a person
    // asked for it now, so the next attempt starts at once (within the global
    // and per-host caps); on a paused host it is sent as the host's probe at
    // once, and the host's other repositories follow if it succeeds.
    bool sync(const RepoSpec &spec, const RetryPolicy &policy,
              Trigger trigger = Trigger::Scheduled);
    void cancel(const QString &name);
    void cancelAll();
    // Blocks until every worker is done (shutdown, after cancelAll()).
    void waitForWorkers() { m_pool.waitForDone(); }
    // While paused nothing new starts (running attempts finish, retry timers
    // keep counting and their repositories wait in the queue).
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // After a suspend: retries that fell due while asleep run now (jittered).
    void handleResumedFromSleep(const QDateTime &now = QDateTime::currentDateTimeUtc());

    State state(const QString &name) const;
    bool isIdle() const { return m_entries.isEmpty(); }

signals:
    void queued(const QString &name);
    // `connects` is false for an attempt counted without a connection because
    // its host is paused; its attemptFinished follows at once (record.held).
    void attemptStarted(const QString &name, int attempt, int maxAttempts,
                        repodeck::core::Trigger trigger = repodeck::core::Trigger::Scheduled,
                        bool connects = true);
    void progress(const QString &name, const repodeck::core::TransferProgress &progress);
    void attemptFinished(const QString &name, const repodeck::core::AttemptRecord &record);
    void waitingForLock(const QString &name, const QString &holder);
    // Once when a hold starts: an attempt fell due while the host is paused
    // (it is counted without a connection, see AttemptRecord::held), or the
    // machine is offline (it waits without spending attempts).
    void held(const QString &name, const QString &reason);
    void hostStateChanged(const QString &host, repodeck::core::BreakerState state,
                          qint64 reopenInMs, int consecutiveFailures);
    void onlineChanged(bool online);
    void finished(const QString &name, const repodeck::core::RepoResult &result);
    void allFinished();

private:
    struct Entry;

    void pump();
    void startAttempt(Entry &entry, bool probe);
    // An attempt ended; the rules it follows are in sync/AttemptRules.
    void onAttemptDone(const QString &name, const AttemptOutcome &outcome, qint64 elapsedMs,
                       const QDateTime &started);
    void noteTransfer(Entry &entry, const AttemptOutcome &outcome);
    void noteHostReport(Entry &entry, const AttemptOutcome &outcome, bool cancelled);
    void waitForLock(Entry &entry, const AttemptOutcome &outcome);
    AttemptRecord recordAttempt(const Entry &entry, const AttemptOutcome &outcome,
                                const QDateTime &started, Millis duration, bool cancelled) const;
    void waitForNetwork(Entry &entry, AttemptRecord record);
    void spendHeldAttempt(Entry &entry);
    retry::Decision decideRetry(Entry &entry, const SyncError &error, bool cancelled);
    void conclude(Entry &entry, AttemptRecord record, const AttemptOutcome &outcome,
                  bool cancelled);
    Millis nextBackoff(Entry &entry);
    void waitThenRun(Entry &entry, Millis delay);
    void releaseHeld(const QString &host);
    void hold(Entry &entry, const QString &reason);
    bool heldByOffline(const QString &hostKey) const;
    QString probingText(const QString &host) const;
    void failHeldPastDeadline();
    void armWakeTimer();
    void onOnlineChanged(bool online);
    void finish(const QString &name, RepoResult result);
    Millis randomSpread(Millis spread);

    QThreadPool m_pool;
    int m_maxConcurrent = 4;
    int m_running = 0;
    bool m_paused = false;
    bool m_online = true;
    bool m_offlineDeadline = false;
    bool m_loopbackExempt = true;
    quint64 m_seed = 0;
    bool m_seeded = false;
    std::mt19937_64 m_rng{std::random_device{}()};
    Millis m_busyInterval{250};
    Millis m_resumeSpread{2000};
    HostGate m_gate;
    QHash<QString, SyncError> m_hostLastError;
    QPointer<Reachability> m_reachability;
    QTimer m_wakeTimer;
    QHash<QString, std::shared_ptr<Entry>> m_entries;
    QList<QString> m_pending;
};

} // namespace repodeck::core
