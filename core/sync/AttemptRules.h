#pragma once

#include "sync/AttemptOutcome.h"
#include "sync/HostGate.h"
#include "sync/SyncTypes.h"

#include <QString>

#include <optional>

namespace repodeck::core::attempt {

// What the scheduler decides once an attempt has ended, apart from whether
// and when to retry (retry::decide). Pure: the Scheduler passes in what it
// knows, so each rule is tested without one (tst_attemptrules).

// What the host gate learns from an attempt: whether a failure counts
// toward pausing the host. Busy and cancelled attempts say nothing about
// it; a permanent failure means the host answered; data before a dropped or
// stalled link means it is up (a 5xx or 429 still asks for a pause).
HostGate::Report hostReport(const AttemptOutcome &outcome, bool cancelled);

// What a failed transient attempt received and lost (0 otherwise): a
// checkpointed fetch sizes its steps by it.
qint64 lostBytes(const AttemptOutcome &outcome);

// Whether a repository on `hostKey` waits for the network instead of
// starting: offline, unless its host is loopback (or a path) and loopback
// hosts are exempt.
bool heldByOffline(bool online, bool loopbackExempt, const QString &hostKey);

// The record of an attempt that ran (numbering, times and trigger are the
// scheduler's to fill in). A failure of a cancelled attempt is recorded as
// cancelled and not transient, whatever the worker saw.
AttemptRecord recordOf(const AttemptOutcome &outcome, bool cancelled);

// Offline: a transient failure says nothing about the repository; the
// attempt is not counted and the repository waits for the network.
bool waitsForNetwork(const AttemptRecord &record, bool cancelled, bool heldOffline);

// Whether the backoff is asked for a delay: only when a retry is possible,
// since every draw moves the repository's jitter sequence.
bool drawsBackoff(const SyncError &error, bool cancelled, int attemptsMade, int maxAttempts);

// Another RepoDeck holds the repository: wait another `interval` only if
// that still ends before the deadline.
bool busyWaitFits(Millis elapsed, Millis interval, Millis deadline);

// A hold offline fails the sync once the deadline passes, only where held
// time counts toward it (a CLI run); `elapsed` is empty before the deadline
// clock started.
bool offlineHoldExpired(bool heldOffline, bool offlineCountsTowardDeadline,
                        std::optional<Millis> elapsed, Millis deadline);

// "a probe is checking it now" / "probing it in 3 s".
QString probingText(bool probeInFlight, Millis reopenIn);
// "h:9418 is paused after 5 failures in a row; probing it in 3 s".
QString pausedText(const QString &host, int consecutiveFailures, const QString &probing);

// The error of an attempt counted without a connection because its host is
// paused: the host's last transient error (network if none is known).
SyncError heldError(const QString &host, int consecutiveFailures, const SyncError &hostLastError,
                    const QString &probing);

// The hint of a sync given up on: retry::decide's reason, how many attempts
// made no connection because the host was paused, what to do.
QString gaveUpHint(const QString &gaveUp, ErrorCategory category, int heldAttempts, int attempts,
                   const QString &host, int consecutiveFailures);

} // namespace repodeck::core::attempt
