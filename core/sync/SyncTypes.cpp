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

std::optional<Trigger> triggerFromName(const QString &name)
{
    for (Trigger t : {Trigger::Scheduled, Trigger::Retry, Trigger::Manual}) {
        if (triggerName(t) == name)
            return t;
    }
    return std::nullopt;
}

} // namespace repodeck::core
