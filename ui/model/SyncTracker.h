#pragma once

#include "model/RepoStatus.h"
#include "model/ThroughputMeter.h"
#include "state/RepoStateStore.h"

#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace repodeck::core {
class Scheduler;
}

namespace repodeck::ui {

class RepoTableModel;

// Listens to the scheduler and keeps one RepoStatus per repository: the
// activity of the run in progress plus the remembered results (last success,
// last attempt, outcome, attempt timeline). Every change is handed to the
// model as a new snapshot.
//
// The results live in the state file next to the workspace, which
// repodeck-cli writes too. Reads happen off the GUI thread; writes go
// through core::editStateStore (locked read-modify-write) and carry only the
// repositories this window changed, so neither side overwrites the other's
// results. Results the CLI records are picked up while the window is open.
class SyncTracker : public QObject
{
    Q_OBJECT

public:
    SyncTracker(core::Scheduler *scheduler, RepoTableModel *model, QObject *parent = nullptr);
    ~SyncTracker() override;

    // Reads the state file off the GUI thread and watches it; results appear
    // when it arrives. Nothing is written before it has been read.
    void loadState(const QString &path);
    bool isStateLoaded() const { return m_loaded; }
    // The repositories of the workspace; statuses of others are dropped.
    void setRepositories(const QStringList &names);

    RepoStatus status(const QString &name) const { return m_statuses.value(name); }
    bool contains(const QString &name) const { return m_statuses.contains(name); }

    // Debounce before a write (default 1 s) and before re-reading the file
    // after it changed on disk (default 300 ms).
    void setSaveDelay(int ms) { m_saveTimer.setInterval(ms); }
    void setReloadDelay(int ms) { m_reloadTimer.setInterval(ms); }
    // Shutdown: stop timers and watching, then write what is pending
    // synchronously (after any write still running).
    void stop();
    void saveNow();

signals:
    // The attempt list or the result of a repository changed.
    void timelineChanged(const QString &name);
    // A sync of `name` started at `when` (here or, read from the state file, by the CLI).
    void synced(const QString &name, const QDateTime &when);
    // A run ended failed after the previous one had not (not on every retry).
    void failedPermanently(const QString &name, const QString &message);
    // A run succeeded after `failedRuns` failed runs in a row.
    void recovered(const QString &name, int failedRuns);
    void stateLoaded();
    void stateSaved();
    void stateError(const QString &message);

private:
    struct Loaded
    {
        core::RepoStateStore store;
        QString error;
        bool exists = false;
    };
    // What this window changed since the last write.
    struct Pending
    {
        QHash<QString, core::RepoState> changes;
        QSet<QString> removed;
    };

    void onQueued(const QString &name);
    void onHeld(const QString &name, const QString &reason);
    void onAttemptStarted(const QString &name, int attempt, int maxAttempts);
    void onProgress(const QString &name, const core::TransferProgress &progress);
    void onAttemptFinished(const QString &name, const core::AttemptRecord &record);
    void onWaitingForLock(const QString &name, const QString &holder);
    void onFinished(const QString &name, const core::RepoResult &result);
    void zeroStalledRates();

    void readState();
    void onStateRead();
    void watchState(bool fileExists);
    void publish(const QString &name, const RepoStatus &status);
    void changed(const QString &name);
    void startSave();
    Pending takePending();
    static QString write(const QString &path, const Pending &pending);

    RepoTableModel *m_model;
    QHash<QString, RepoStatus> m_statuses;
    QHash<QString, ThroughputMeter> m_meters; // running repositories only
    QElapsedTimer m_monotonic;
    QTimer m_rateTimer;

    QString m_statePath;
    bool m_loaded = false;
    bool m_stopped = false;
    core::RepoStateStore m_file;  // the file as last read, for repositories added later
    QSet<QString> m_dirty;        // changed here, not yet written
    QSet<QString> m_removed;      // dropped from the workspace, not yet forgotten in the file
    bool m_savePending = false;
    QTimer m_saveTimer;
    QTimer m_reloadTimer;
    QFileSystemWatcher m_watcher;
    QFutureWatcher<Loaded> m_loadWatcher;
    QFutureWatcher<QString> m_saveWatcher;
};

} // namespace repodeck::ui
