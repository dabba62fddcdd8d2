#pragma once

#include "sync/AttemptOutcome.h"
#include "sync/TransferCallbacks.h"
#include "workspace/RepoSpec.h"

namespace repodeck::core {

// A clone whose history arrives in checkpointed steps (CheckpointedFetch)
// into the partial directory beside the target. Unlike a plain clone, a
// failed attempt keeps that directory: it is the checkpoint the next attempt
// (or the next run of RepoDeck) continues from. When complete, the result is
// set up as git_clone would (branch, upstream, origin/HEAD, checkout; or a
// mirror) and renamed into place.
// `linkBytesHint`: what the link carried before it last dropped (0 = unknown);
// the first steps are sized below it.
AttemptOutcome checkpointedClone(const RepoSpec &spec, AttemptContext &attempt,
                                 TransferCallbacks &callbacks, qint64 linkBytesHint = 0);

// True if `partialDir` holds RepoDeck's own checkpointed clone in progress
// (of `expectedUrl`, when given): a plain folder of this user's, not a link,
// whose configuration holds only what RepoDeck writes. Anything else found
// there is a leftover to remove, never a clone to resume.
bool isCheckpointInProgress(const QString &partialDir, const QString &expectedUrl = QString());
// Marks `partialDir` (a repository RepoDeck has just created) as its own
// checkpoint for `url`: the marker and a token only this user's RepoDeck can
// make for that folder and URL (isCheckpointInProgress checks it).
int markCheckpoint(const QString &partialDir, const QString &url);

} // namespace repodeck::core
