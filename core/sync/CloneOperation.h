#pragma once

#include "sync/AttemptOutcome.h"
#include "sync/TransferCallbacks.h"
#include "workspace/RepoSpec.h"

namespace repodeck::core {

// Clones `spec` into a temporary directory beside its path and renames it
// into place only when complete, so an interrupted clone never leaves a half
// repository where the user expects one. The caller holds the clone lock.
AttemptOutcome cloneRepository(const RepoSpec &spec, AttemptContext &attempt,
                               TransferCallbacks &callbacks);

} // namespace repodeck::core
