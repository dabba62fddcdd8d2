#pragma once

#include "retry/RetryPolicy.h"
#include "sync/AttemptOutcome.h"
#include "sync/SyncTypes.h"
#include "workspace/RepoSpec.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QQueue>
#include <QThreadPool>

#include <memory>
#include <random>

class QTimer;

namespace repodeck::core {

class CancelToken;

// Runs syncs on its own thread pool with a global cap on concurrent
// operations, retries transient failures after backoff delays kept on timers
// (no thread sleeps), and joins a second request for a repository to the one
// already in flight. Lives on the thread that creates it (the GUI or CLI main
// thread); all signals are delivered there.
class Scheduler : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Queued, Running, Waiting };

    explicit Scheduler(QObject *parent = nullptr);
    ~Scheduler() override;

    void setMaxConcurrent(int jobs);
    int maxConcurrent() const { return m_maxConcurrent; }
    // Fixes the jitter randomness (tests, benchmarks).
    void setSeed(quint64 seed) { m_seed = seed; m_seeded = true; }
    // How soon a repository locked by another process is tried again.
    void setBusyRetryInterval(Millis interval) { m_busyInterval = interval; }

    // Returns false when the repository is already queued, running or
    // waiting: the request joins that one and its result is the same.
    bool sync(const RepoSpec &spec, const RetryPolicy &policy);
    // While paused nothing new starts (running attempts finish, retry timers
    // keep counting and their repositories wait in the queue).
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void cancel(const QString &name);
    void cancelAll();

    State state(const QString &name) const;
    int activeCount() const { return m_entries.size(); }
    int runningCount() const { return m_running; }
    bool isIdle() const { return m_entries.isEmpty(); }

signals:
    void queued(const QString &name);
    void attemptStarted(const QString &name, int attempt, int maxAttempts);
    void progress(const QString &name, const repodeck::core::TransferProgress &progress);
    void attemptFinished(const QString &name, const repodeck::core::AttemptRecord &record);
    void waitingForLock(const QString &name, const QString &holder);
    void finished(const QString &name, const repodeck::core::RepoResult &result);
    void allFinished();

private:
    struct Entry;

    void pump();
    void startAttempt(Entry &entry);
    void onAttemptDone(const QString &name, const AttemptOutcome &outcome, qint64 elapsedMs, QDateTime started);
    void waitThenRun(Entry &entry, Millis delay);
    void finish(const QString &name, RepoResult result);

    QThreadPool m_pool;
    int m_maxConcurrent = 4;
    int m_running = 0;
    bool m_paused = false;
    quint64 m_seed = 0;
    bool m_seeded = false;
    Millis m_busyInterval{250};
    QHash<QString, std::shared_ptr<Entry>> m_entries;
    QQueue<QString> m_pending;
};

} // namespace repodeck::core
