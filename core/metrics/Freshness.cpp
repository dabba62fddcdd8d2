#include "metrics/Freshness.h"

namespace repodeck::core {

bool isStale(const RepoState &state, const RetryPolicy &policy, const QDateTime &now)
{
    if (policy.staleAfter.count() <= 0)
        return false;
    if (!state.lastSuccess.isValid())
        return true;
    return state.lastSuccess.msecsTo(now) > policy.staleAfter.count();
}

} // namespace repodeck::core
