#pragma once

#include "model/RepoStatus.h"
#include "model/ThroughputMeter.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

namespace repodeck::core {
class SyncSession;
}

namespace repodeck::ui {

class RepoTableModel;

// Listens to the engine session and keeps one RepoStatus per repository: the
// activity of the run in progress (from the scheduler's signals) plus the
// remembered results (last success, last attempt, outcome, attempt
// timeline), which the session records and keeps in the state file shared
// with repodeck-cli. Every change is handed to the model as a new snapshot.
class SyncTracker : public QObject
{
    Q_OBJECT

public:
    SyncTracker(core::SyncSession *session, RepoTableModel *model, QObject *parent = nullptr);
    ~SyncTracker() override;

    bool isStateLoaded() const;
    // The repositories of the workspace; statuses of others are dropped.
    void setRepositories(const QStringList &names);

    RepoStatus status(const QString &name) const { return m_statuses.value(name); }
    bool contains(const QString &name) const { return m_statuses.contains(name); }

    // Shutdown: no more updates.
    void stop();

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
    void onQueued(const QString &name);
    void onHeld(const QString &name, const QString &reason);
    void onAttemptStarted(const QString &name, int attempt, int maxAttempts);
    void onProgress(const QString &name, const core::TransferProgress &progress);
    void onAttemptFinished(const QString &name, const core::AttemptRecord &record);
    void onWaitingForLock(const QString &name, const QString &holder);
    void onFinished(const QString &name, const core::RepoResult &result);
    void onStateChanged(const QString &name);
    void zeroStalledRates();
    void publish(const QString &name, const RepoStatus &status);

    core::SyncSession *m_session;
    RepoTableModel *m_model;
    QHash<QString, RepoStatus> m_statuses;
    QHash<QString, ThroughputMeter> m_meters; // running repositories only
    QElapsedTimer m_monotonic;
    QTimer m_rateTimer;
    bool m_stopped = false;
};

} // namespace repodeck::ui
