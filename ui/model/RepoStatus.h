#pragma once

#include "state/RepoState.h"
#include "sync/SyncTypes.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace repodeck::ui {

// One repository's status as an immutable value: the tracker builds a new one
// on every scheduler signal and hands a copy to the model, so the model never
// reaches into live engine state.
struct RepoStatus
{
    core::Activity activity = core::Activity::Idle; // as far as the scheduler's signals told
    int attempt = 0;                                // attempt running or last started in this run
    int maxAttempts = 0;
    QDateTime attemptStarted;         // start of the running attempt
    core::TransferProgress progress;  // of the running attempt
    double bytesPerSecond = 0.0;      // of the running attempt
    QDateTime retryAt;                // Waiting: when the next attempt may start
    core::SyncError lastAttemptError; // Waiting: why the previous attempt failed
    QString lockHolder;               // WaitingLock: who holds the repository
    QString heldReason;               // Held: the engine's sentence
    core::RepoState last;             // results so far, persisted between runs

    bool isActive() const { return activity != core::Activity::Idle; }
    // Failing: the last run failed, or an attempt of this run failed and a
    // retry is pending.
    bool isFailing() const
    {
        return last.lastOutcome == core::Outcome::Failed || activity == core::Activity::Waiting;
    }
    // Needs a person: the last run gave up, or it left local work alone.
    bool needsAttention() const
    {
        return activity == core::Activity::Idle
               && (last.lastOutcome == core::Outcome::Failed
                   || last.lastOutcome == core::Outcome::FetchedOnly);
    }
};

// Sums over all rows for the status bar and the tray.
struct SyncTotals
{
    int running = 0;
    int queued = 0;
    int waiting = 0; // for a retry, another process's lock, or a held host / the network
    int failed = 0;
    int attention = 0; // fetched only: local work kept
    double bytesPerSecond = 0.0;

    int active() const { return running + queued + waiting; }
    bool operator==(const SyncTotals &o) const
    {
        return running == o.running && queued == o.queued && waiting == o.waiting
               && failed == o.failed && attention == o.attention
               && qFuzzyCompare(bytesPerSecond + 1.0, o.bytesPerSecond + 1.0);
    }
    bool operator!=(const SyncTotals &o) const { return !(*this == o); }
};

} // namespace repodeck::ui

Q_DECLARE_METATYPE(repodeck::ui::RepoStatus)
