#include "sync/SyncTypes.h"

namespace repodeck::core {

QString outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::None: return {};
    case Outcome::Cloned: return QStringLiteral("cloned");
    case Outcome::Updated: return QStringLiteral("updated");
    case Outcome::UpToDate: return QStringLiteral("up_to_date");
    case Outcome::FetchedOnly: return QStringLiteral("fetched_only");
    case Outcome::Failed: return QStringLiteral("failed");
    case Outcome::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

QString triggerName(Trigger trigger)
{
    switch (trigger) {
    case Trigger::Scheduled: return QStringLiteral("scheduled");
    case Trigger::Retry: return QStringLiteral("retry");
    case Trigger::Manual: return QStringLiteral("manual");
    }
    return {};
}

RepoResult RepoResult::failed(SyncError error, int attempts, qint64 bytes)
{
    RepoResult r;
    r.outcome = Outcome::Failed;
    r.attempts = attempts;
    r.error = std::move(error);
    r.bytes = bytes;
    return r;
}

RepoResult RepoResult::cancelled(int attempts, qint64 bytes)
{
    RepoResult r;
    r.outcome = Outcome::Cancelled;
    r.attempts = attempts;
    r.error.category = ErrorCategory::Cancelled;
    r.error.message = QStringLiteral("Cancelled.");
    r.bytes = bytes;
    return r;
}

RepoResult RepoResult::heldOffline(int attempts, Millis deadline, qint64 bytes)
{
    SyncError e;
    e.category = ErrorCategory::Network;
    e.transient = true;
    e.message = QStringLiteral("The machine stayed offline.");
    e.hint = QStringLiteral(
                 "Gave up at the policy's %1 deadline without spending an attempt; "
                 "sync again once the network is back.")
                 .arg(humanDuration(deadline));
    return failed(std::move(e), attempts, bytes);
}

RepoResult RepoResult::afterAttempt(const AttemptRecord &last, Outcome outcome,
                                    const QString &reason, const QString &detail, int attempts,
                                    qint64 bytes)
{
    RepoResult r;
    r.outcome = last.ok ? outcome
                        : (last.error.category == ErrorCategory::Cancelled ? Outcome::Cancelled
                                                                           : Outcome::Failed);
    r.attempts = attempts;
    r.reason = reason;
    r.detail = detail;
    r.error = last.error;
    r.bytes = bytes;
    return r;
}

std::optional<Trigger> triggerFromName(const QString &name)
{
    for (Trigger t : {Trigger::Scheduled, Trigger::Retry, Trigger::Manual}) {
        if (triggerName(t) == name)
            return t;
    }
    return std::nullopt;
}

} // namespace repodeck::core
