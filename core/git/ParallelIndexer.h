#pragma once

#include <git2.h>

namespace repodeck::core::git {

// RepoDeck's own way in for every received pack. libgit2 1.5.1 indexes a
// pack on one thread, spends two thirds of that time in its
// collision-detecting SHA-1 (docs/benchmarks.md), and loops forever on a
// pack whose delta rebuilds its own base (issue 14). This installs an
// object-database backend whose `writepack` takes the pack instead
// (core/git/pack/): it stores and parses the stream as it arrives (zlib,
// CRC-32, the pack checksum, a 2 GiB limit per object), resolves deltas on
// all cores within a memory budget, completes a thin pack with the bases
// the repository has (as `git index-pack --fix-thin` does), and writes a
// standard version-2 .idx beside the .pack. Object ids come from libgit2's
// own hash (git_odb_hash), collision detection included. Objects over
// 32 MiB are never held whole: they are built piece by piece into that
// same hash (a libgit2 write stream) and, while deltas need them, kept in
// an unlinked spill file in objects/pack, within a disk budget. The running
// attempt's cancel and time limits (AttemptContext) reach the resolution.
//
// `clone`: the repository is new, so a pack that needs objects it does not
// carry is refused (a clone's pack is never thin). Installing twice on one
// repository is a no-op. REPODECK_INDEXER=libgit2 leaves clones to libgit2
// (for benchmarks); fetches always use this indexer.
int installParallelIndexer(git_repository *repo, bool clone = false);

// Packs this process indexed itself, and thin packs among them completed
// from the repository's objects, for logs, tests and benchmarks.
int parallelIndexedPacks();
int completedThinPacks();

// The largest number of bytes of delta bases the last indexing held at
// once, for tests and benchmarks of the memory budget.
unsigned long long lastPeakHeldBaseBytes();
// Objects streamed (over the threshold) by this process's indexing so far.
unsigned long long streamedPackObjects();

// git_clone's repository_cb: creates the repository as libgit2 does, then
// installs the indexer in clone mode.
int createRepositoryWithParallelIndexer(git_repository **out, const char *path, int bare,
                                        void *payload);

} // namespace repodeck::core::git
