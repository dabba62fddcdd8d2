#pragma once

#include "state/RepoStateStore.h"

#include <functional>

namespace repodeck::core {

// Locked read-modify-write of the state file, so the desktop app and several
// repodeck-cli runs (shards, overlapping cron jobs) never lose each other's
// results. Returns an error text, or empty on success.
// `notice` (optional) says when an unreadable state file was set aside.
QString editStateStore(const QString &path, const std::function<void(RepoStateStore &)> &edit,
                       QString *notice = nullptr);

// Folds one finished sync into a repository's remembered state.
void recordResult(RepoState &state, const RepoResult &result, const QList<AttemptRecord> &timeline);

} // namespace repodeck::core
