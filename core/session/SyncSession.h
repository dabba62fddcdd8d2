#pragma once

#include "metrics/PrometheusMetrics.h"
#include "retry/RetryPolicy.h"
#include "sync/AfterSyncHook.h"
#include "state/RepoStateStore.h"
#include "sync/HostGate.h"
#include "sync/SyncTypes.h"
#include "workspace/Workspace.h"

#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

namespace repodeck::core {

class AttemptLog;
class Reachability;
class Scheduler;
class SyncPlanner;
class WakeDetector;

// How a session runs. Applied in place by SyncSession::configure(): nothing
// is rebuilt, so queued syncs, timers and the plan carry on.
struct SessionSettings
{
    int jobs = 4;     // attempts at once, all hosts
    HostConfig hosts; // per-host cap, breaker, retry budget
    // Offline time counts toward a sync's deadline: yes for a CLI run (it
    // must end), no for the desktop app (it waits for the network).
    bool offlineCountsTowardDeadline = false;
    // Debounce before results are written to the state file; < 0: only
    // when saveNow() is called (a CLI run writes once, at its end).
    int saveDelayMs = 1000;
    // Overrides every policy's on_metered (the CLI's --on-metered); unset:
    // each repository's policy decides.
    std::optional<OnMetered> onMetered;
};

// One running engine, the same for repodeck-cli and the desktop app: the
// scheduler, reachability, wake detection, the plan of scheduled syncs, the
// pinned certificates, and the record of results (state file beside the
// workspace, attempt log, metrics). Front ends only configure it, ask it to
// sync and show what it reports. QtCore only.
//
// The state file is shared with other processes: reads happen off the
// calling thread (or at once, for the CLI), writes are locked
// read-modify-writes that fold this session's finished runs into what the
// file says at that moment, so neither side loses the other's results.
class SyncSession : public QObject
{
    Q_OBJECT

public:
    explicit SyncSession(QObject *parent = nullptr);
    ~SyncSession() override;

    Scheduler *scheduler() const { return m_scheduler.get(); }

    // In place; callable at any time (Preferences' OK).
    void configure(const SessionSettings &settings);
    const SessionSettings &settings() const { return m_settings; }

    // Not owned; replace the system's (tests, platforms). Callable at any time.
    void setReachability(Reachability *reachability);
    void setWakeDetector(WakeDetector *wake);
    // The wall clock wake handling compares against (a test simulates a sleep).
    void setClock(std::function<QDateTime()> now) { m_now = std::move(now); }

    // The workspace file: pins its trusted certificates and reads the state
    // file beside it (in the background and then watched, or at once).
    // Returns why the pinned certificates could not be read, or empty.
    enum class Loading { Background, Now };
    QString open(const QString &workspacePath, Loading loading = Loading::Background);
    QString pinsError() const { return m_pinsError; }

    // The workspace as it is now: repositories no longer in it are cancelled
    // and forgotten; the plan follows the policies.
    void setWorkspace(const Workspace &workspace);
    const Workspace &workspace() const { return m_workspace; }

    // Returns false when the request joins a sync already in flight (see
    // Scheduler::sync), waits for an unmetered connection, or the name is unknown.
    //
    // Metered connections: while the reachability says metered, a request
    // that is not Manual for a repository whose on_metered is `wait` (and
    // that is not already in flight) is not sent to the scheduler: it waits
    // here (held, reason "metered") and is sent, as scheduled, once the
    // connection is not metered or the setting becomes `run`. A Manual
    // request always runs (and takes the repository off the wait). A sync
    // already started when the connection became metered finishes, retries
    // included.
    bool sync(const QString &name, Trigger trigger = Trigger::Scheduled);
    void sync(const QStringList &names, Trigger trigger = Trigger::Scheduled);
    bool isMetered() const;
    // The repositories waiting for an unmetered connection, in request order.
    QStringList meteredWaiting() const { return m_meteredWaiting; }

    // Nothing queued, running, waiting in the scheduler, nor an after_sync command running.
    bool isIdle() const;
    // Stops the sync and the after_sync command of `name` / of every repository.
    void cancel(const QString &name);
    void cancelAll();
    AfterSyncHooks *hooks() const { return m_hooks.get(); }

    // Scheduled syncs (policy interval, sync on start) run from now on; the
    // plan starts once the workspace and the state file are known.
    void startPlan();
    QDateTime nextSync(const QString &name) const;

    // What the session remembers of a repository: the file's record plus
    // this session's runs (the run in progress has its timeline so far).
    RepoState state(const QString &name) const { return m_states.value(name); }
    bool isStateLoaded() const { return m_loaded; }
    void setReloadDelay(int ms) { m_reloadTimer.setInterval(ms); }
    // Writes what is pending now, synchronously (after any write still running).
    QString saveNow(); // returns the write's error, or empty

    // Metrics (node_exporter textfile): every `interval` while running, and
    // once at finishRun(). `covers` picks this run's repositories (a shard).
    void setMetricsFile(const QString &path, Millis interval,
                        std::function<bool(const QString &)> covers = {});
    MetricsSnapshot metrics(bool runFinished) const;
    qint64 runElapsedMs() const { return m_runClock.elapsed(); }

    // End of a CLI run: the state file and the metrics file. Returns error
    // texts (empty when both were written).
    QStringList finishRun(QString *notice = nullptr);
    // End of the desktop app: no new starts, cancel, wait for the workers, save.
    void shutdown();

signals:
    void stateLoaded();
    // The remembered results of `name` changed (a sync here, or another
    // process wrote the state file).
    void stateChanged(const QString &name);
    void stateSaved();
    void stateError(const QString &message);
    // A sync of `name` started at `when` (here or, seen in the state file, elsewhere).
    void synced(const QString &name, const QDateTime &when);
    // When `name` is next due by its policy (invalid: not scheduled).
    void planChanged(const QString &name, const QDateTime &due);
    // Once when a request starts to wait here (reason "metered").
    void held(const QString &name, const QString &reason);
    // The connection became (un)metered, or the number waiting for it changed.
    void meteredChanged(bool metered, int waiting);
    // A repository's after_sync command ended (the sync's result is unchanged by it).
    void afterSyncFinished(const QString &name, const repodeck::core::HookResult &result);
    // isIdle() became true: the last sync or after_sync command ended.
    void idle();

private:
    struct Run
    {
        RepoResult result;
        QList<AttemptRecord> timeline;
    };
    struct Pending
    {
        QHash<QString, QList<Run>> finished;   // runs to fold into the file
        QHash<QString, RepoState> running;     // runs in progress (timeline so far)
        QHash<QString, AfterSyncRecord> hooks; // after_sync commands ended since (applied last)
        QSet<QString> removed;
    };
    struct Loaded
    {
        RepoStateStore store;
        QString error;
        bool exists = false;
    };
    struct Written
    {
        RepoStateStore store; // the file as this write left it
        QString error;
        QString notice;
    };

    void onQueued(const QString &name);
    void onAttemptStarted(const QString &name, int attempt, Trigger trigger);
    void onAttemptFinished(const QString &name, const AttemptRecord &record);
    void onFinished(const QString &name, const RepoResult &result);
    void onResumed();
    void readState();
    void adoptFile(const Loaded &loaded);
    void adoptStore(const RepoStateStore &store);
    void watchState(bool exists);
    void markDirty(const QString &name);
    void startSave();
    Pending takePending();
    static Written write(const QString &path, const Pending &pending);
    void adoptWritten(const Written &written);
    void updatePlan();
    void emitPlan();
    bool holdsForMetered(const RetryPolicy &policy) const;
    void releaseMetered();
    void runAfterSync(const QString &name, const RepoResult &result);
    void onHookFinished(const QString &name, const HookResult &result);

    SessionSettings m_settings;
    std::unique_ptr<Scheduler> m_scheduler;
    std::unique_ptr<SyncPlanner> m_planner;
    std::unique_ptr<AttemptLog> m_log;
    std::unique_ptr<Reachability> m_ownReachability;
    QPointer<Reachability> m_reachability;
    QStringList m_meteredWaiting;
    std::unique_ptr<AfterSyncHooks> m_hooks;
    QHash<QString, QString> m_oldHeads; // HEAD when the run began (for after_sync)
    QHash<QString, Trigger> m_runTriggers;
    std::unique_ptr<WakeDetector> m_ownWake;
    WakeDetector *m_wake = nullptr;
    std::function<QDateTime()> m_now;

    QString m_workspacePath;
    QString m_statePath;
    QString m_pinsError;
    Workspace m_workspace;
    bool m_workspaceKnown = false;
    bool m_planWanted = false;
    bool m_planStarted = false;

    QHash<QString, RepoState> m_states;
    QSet<QString> m_active; // queued, running or waiting here
    RepoStateStore m_file;  // the file as last read or written
    bool m_loaded = false;
    bool m_watch = false; // watch the file for other processes' writes
    QString m_lastWriteError;
    QString m_lastNotice;
    bool m_stopped = false;
    QHash<QString, QList<Run>> m_unsaved;           // finished here, not yet in the file
    QHash<QString, AfterSyncRecord> m_unsavedHooks; // after_sync results not yet in the file
    QSet<QString> m_dirty;
    QSet<QString> m_removed;
    bool m_savePending = false;
    QTimer m_saveTimer;
    QTimer m_reloadTimer;
    QFileSystemWatcher m_watcher;
    QFutureWatcher<Loaded> m_loadWatcher;
    QFutureWatcher<Written> m_saveWatcher;

    QElapsedTimer m_runClock;
    QHash<QString, int> m_attemptsThisRun;
    QHash<QString, int> m_failuresByCategory;
    QString m_metricsPath;
    std::function<bool(const QString &)> m_metricsCovers;
    QTimer m_metricsTimer;
};

} // namespace repodeck::core
