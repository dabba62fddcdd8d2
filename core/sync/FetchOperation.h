#pragma once

#include "sync/AttemptOutcome.h"
#include "sync/TransferCallbacks.h"
#include "workspace/RepoSpec.h"

#include <git2.h>

#include <QString>

#include <functional>

namespace repodeck::core {

// Fetches origin into an existing repository. Mirrors are pruned and kept
// identical to upstream; working copies are then fast-forwarded only when
// that is provably safe (see fastForwardIfSafe).
// `checkpointed`: fetch the missing history in steps (CheckpointedFetch).
AttemptOutcome fetchRepository(git_repository *repo, const RepoSpec &spec, AttemptContext &attempt,
                               TransferCallbacks &callbacks, bool checkpointed = false);

// How a fast-forward's checkout learns that the attempt must stop (its
// time, a cancel), and what a stop is reported as. Empty: never stops.
struct CheckoutStop
{
    std::function<bool()> shouldStop;
    const AttemptContext *attempt = nullptr;
    QString host;
};

// Moves the checked-out branch to its upstream when the work tree and index
// are clean and the branch is an ancestor of the upstream. Otherwise changes
// nothing and says why. Never resets, stashes, merges or forces. A checkout
// that `stop` ends part way is finished by the next call
// (git/InterruptibleCheckout.h).
AttemptOutcome fastForwardIfSafe(git_repository *repo, bool fetchChangedRefs,
                                 const CheckoutStop &stop = {});

} // namespace repodeck::core
