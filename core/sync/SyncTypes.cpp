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

} // namespace repodeck::core
