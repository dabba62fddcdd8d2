#pragma once

#include "retry/RetryPolicy.h"
#include "state/RepoState.h"

#include <QDateTime>

namespace repodeck::core {

// A repository is stale when its policy has a freshness target and its last
// successful sync (or, never synced, nothing at all) is older than that.
bool isStale(const RepoState &state, const RetryPolicy &policy, const QDateTime &now);

} // namespace repodeck::core
