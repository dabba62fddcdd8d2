#pragma once

#include "retry/RetryPolicy.h"
#include "state/RepoState.h"

#include <QDateTime>

namespace repodeck::core {

// A repository is stale when its policy has a freshness target and its last
// successful sync (or, never synced, nothing at all) is older than that.
bool isStale(const RepoState &state, const RetryPolicy &policy, const QDateTime &now);

// Deterministic shard of a repository name (FNV-1a over UTF-8), 0-based:
// the same on every machine and every RepoDeck version.
int shardOf(const QString &name, int shardCount);

// "2/5" -> {index 1 (0-based), count 5}; empty error on success.
bool parseShard(const QString &text, int *index, int *count, QString *error);

} // namespace repodeck::core
