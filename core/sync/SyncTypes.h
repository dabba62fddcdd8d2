#pragma once

#include "retry/SyncError.h"
#include "util/Duration.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <optional>

namespace repodeck::core {

enum class Outcome { None, Cloned, Updated, UpToDate, FetchedOnly, Failed, Cancelled };

QString outcomeName(Outcome outcome);

// What a repository is doing now: one enum for the engine and the window.
// Scheduler::state() tells Idle, Queued, Running and Waiting (on a timer: for
// a retry, or to look at another process's lock again) apart. The window's
// SyncTracker follows the scheduler's signals and tells two more apart:
// WaitingLock (another process holds the repository) and Held (due, but its
// host is paused or the machine is offline).
enum class Activity { Idle, Queued, Running, Waiting, WaitingLock, Held };

// Why a working copy was fetched but not fast-forwarded.
namespace reason {
inline const char *const Dirty = "dirty";
inline const char *const Diverged = "diverged";
inline const char *const Ahead = "ahead";
inline const char *const Detached = "detached";
inline const char *const NoUpstream = "no_upstream";
// core.worktree points outside the repository's folder: fetched, no files updated.
inline const char *const ForeignWorktree = "foreign_worktree";
// The repository tracks files with Git LFS and git-lfs is not installed (or
// not on PATH): the commits are there, the LFS files are still pointers.
inline const char *const LfsUnavailable = "lfs_unavailable";
// The repository's own configuration would make git run a program or talk to
// another host during the LFS step (an imported repository): not run.
inline const char *const LfsUnsafeConfig = "lfs_unsafe_config";
} // namespace reason

// Lfs: git-lfs brings in the LFS files of the checked-out paths (or, for a
// mirror with lfs_fetch_all, every LFS object); receivedObjects/totalObjects
// count files, receivedBytes/totalBytes their bytes.
enum class Phase { Connecting, Receiving, Resolving, CheckingOut, Lfs };

struct TransferProgress
{
    Phase phase = Phase::Connecting;
    quint64 receivedObjects = 0;
    quint64 totalObjects = 0;
    quint64 indexedObjects = 0;
    quint64 indexedDeltas = 0;
    quint64 totalDeltas = 0;
    quint64 receivedBytes = 0;
    quint64 totalBytes = 0; // Lfs only: the bytes of the files being downloaded
    // Checkpointed fetches only: the step running, of how many, and what
    // earlier steps already keep on disk.
    int step = 0;
    int steps = 0;
    quint64 keptBytes = 0;
};

// What started an attempt: the first of a sync requested by a schedule, a
// front end or a script; a retry after a failure; or a person asking for it
// now (Sync Selected, Sync All, the context menu).
enum class Trigger { Scheduled, Retry, Manual };

QString triggerName(Trigger trigger); // "scheduled", "retry", "manual"
std::optional<Trigger> triggerFromName(const QString &name);

// What one attempt did, as the engine recorded it; the timeline is a list of these.
struct AttemptRecord
{
    int attempt = 0;
    int maxAttempts = 0;
    QDateTime started;
    Millis duration{0};
    qint64 bytes = 0;
    bool ok = false;
    SyncError error;     // category None when ok
    Millis retryIn{-1};  // the delay chosen before the next attempt; -1 = no retry
    QString httpVersion; // "HTTP/2", "HTTP/1.1"; empty if unknown (libgit2's client) or not HTTP
    Trigger trigger = Trigger::Scheduled;
    // No connection was made: the attempt fell due while its host was paused
    // (circuit breaker open) and was counted as failed with the host's last error.
    bool held = false;
};

// How a repository's sync ended.
struct RepoResult
{
    Outcome outcome = Outcome::None;
    int attempts = 0;
    QString reason;  // for FetchedOnly: dirty, diverged, ahead, detached, no_upstream
    QString detail;  // for people: what was left alone and what to do
    SyncError error; // for Failed
    QDateTime finished;
    Millis duration{0};
    qint64 bytes = 0;

    // How a sync ends; `finished` and `duration` are set when it is reported.
    // Ended by a failure not tied to one attempt (the deadline passed while
    // busy or offline, say).
    static RepoResult failed(SyncError error, int attempts, qint64 bytes = 0);
    // Cancelled while no attempt was running.
    static RepoResult cancelled(int attempts, qint64 bytes);
    // Held offline until the policy's deadline (a CLI run must end): no attempt spent on it.
    static RepoResult heldOffline(int attempts, Millis deadline, qint64 bytes);
    // Ended with its last attempt: that attempt's outcome when it succeeded,
    // otherwise Cancelled or Failed by its error.
    static RepoResult afterAttempt(const AttemptRecord &last, Outcome outcome,
                                   const QString &reason, const QString &detail, int attempts,
                                   qint64 bytes);
};

} // namespace repodeck::core

Q_DECLARE_METATYPE(repodeck::core::TransferProgress)
Q_DECLARE_METATYPE(repodeck::core::AttemptRecord)
Q_DECLARE_METATYPE(repodeck::core::RepoResult)
Q_DECLARE_METATYPE(repodeck::core::Trigger)
