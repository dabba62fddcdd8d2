#include "sync/AttemptRules.h"

#include "retry/ErrorClassifier.h"
#include "util/RemoteUrl.h"

namespace repodeck::core::attempt {

HostGate::Report hostReport(const AttemptOutcome &outcome, bool cancelled)
{
    if (outcome.busy || cancelled || outcome.outcome == Outcome::Cancelled)
        return HostGate::Report::Cancelled;
    if (outcome.outcome != Outcome::Failed)
        return HostGate::Report::Success;
    if (!outcome.error.transient)
        return HostGate::Report::PermanentFailure;
    const bool linkFault = outcome.error.category == ErrorCategory::Network
                           || outcome.error.category == ErrorCategory::Timeout;
    return linkFault && outcome.bytes > 0 ? HostGate::Report::LinkDropped
                                          : HostGate::Report::TransientFailure;
}

qint64 lostBytes(const AttemptOutcome &outcome)
{
    return outcome.outcome == Outcome::Failed && outcome.error.transient ? outcome.bytes : 0;
}

bool heldByOffline(bool online, bool loopbackExempt, const QString &hostKey)
{
    return !online && !(loopbackExempt && isLoopbackHostKey(hostKey));
}

AttemptRecord recordOf(const AttemptOutcome &outcome, bool cancelled)
{
    AttemptRecord record;
    record.bytes = outcome.bytes;
    record.httpVersion = outcome.httpVersion;
    record.ok = outcome.outcome != Outcome::Failed && outcome.outcome != Outcome::Cancelled;
    record.error = outcome.error;
    if (cancelled && !record.ok) {
        record.error.category = ErrorCategory::Cancelled;
        record.error.transient = false;
    }
    return record;
}

bool waitsForNetwork(const AttemptRecord &record, bool cancelled, bool heldOffline)
{
    return !record.ok && record.error.transient && !cancelled && heldOffline;
}

bool drawsBackoff(const SyncError &error, bool cancelled, int attemptsMade, int maxAttempts)
{
    return error.transient && !cancelled && attemptsMade < maxAttempts;
}

bool busyWaitFits(Millis elapsed, Millis interval, Millis deadline)
{
    return elapsed + interval < deadline;
}

bool offlineHoldExpired(bool heldOffline, bool offlineCountsTowardDeadline,
                        std::optional<Millis> elapsed, Millis deadline)
{
    return heldOffline && offlineCountsTowardDeadline && elapsed && *elapsed >= deadline;
}

QString probingText(bool probeInFlight, Millis reopenIn)
{
    return probeInFlight ? QStringLiteral("a probe is checking it now")
                         : QStringLiteral("probing it in %1")
                               .arg(humanDuration(std::max(Millis(0), reopenIn)));
}

QString pausedText(const QString &host, int consecutiveFailures, const QString &probing)
{
    return QStringLiteral("%1 is paused after %2 failures in a row; %3")
        .arg(host)
        .arg(consecutiveFailures)
        .arg(probing);
}

SyncError heldError(const QString &host, int consecutiveFailures, const SyncError &hostLastError,
                    const QString &probing)
{
    SyncError e;
    e.category = hostLastError.isError() ? hostLastError.category : ErrorCategory::Network;
    e.transient = true;
    e.httpStatus = hostLastError.httpStatus;
    e.message = QStringLiteral("No connection made: %1 is paused after %2 failures in a row.")
                    .arg(host)
                    .arg(consecutiveFailures);
    if (hostLastError.isError())
        e.message += QStringLiteral(" Its last error: %1").arg(hostLastError.message);
    e.hint = QStringLiteral(
                 "This attempt counts; RepoDeck retries on the policy's schedule and %1.")
                 .arg(probing);
    return e;
}

QString gaveUpHint(const QString &gaveUp, ErrorCategory category, int heldAttempts, int attempts,
                   const QString &host, int consecutiveFailures)
{
    QString why = gaveUp;
    if (heldAttempts > 0)
        why += QStringLiteral(
                   " %1 of the %2 made no connection because %3 was paused: it failed %4 times in a "
                   "row.")
                   .arg(heldAttempts)
                   .arg(attempts)
                   .arg(host)
                   .arg(consecutiveFailures);
    return why + QLatin1Char(' ') + hintAfterGivingUp(category);
}

} // namespace repodeck::core::attempt
