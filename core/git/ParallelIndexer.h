#pragma once

#include <git2.h>

namespace repodeck::core::git {

// A faster way in for the first pack of a clone. libgit2 1.5.1 indexes a
// received pack on one thread and spends two thirds of that time in its
// collision-detecting SHA-1 (docs/benchmarks.md); git resolves deltas on
// every core. This installs an object-database backend whose `writepack`
// takes the pack instead: it stores and parses the stream as it arrives
// (zlib, CRC-32, the pack checksum), then resolves deltas on all cores and
// writes a standard version-2 .idx beside the .pack. Object ids still come
// from libgit2's own hash (git_odb_hash), collision detection included.
//
// Only the first pack into a repository with no objects is taken (a clone:
// no "have"s, so no thin pack); a pack whose deltas refer to objects it
// does not carry is handed to libgit2's own indexer from the saved file.
// REPODECK_INDEXER=libgit2 switches it off.
int installParallelIndexer(git_repository *repo);

// Packs this process indexed itself, and packs it handed to libgit2's
// indexer (thin ones), for logs, tests and benchmarks.
int parallelIndexedPacks();
int handedToLibgit2Packs();

// git_clone's repository_cb: creates the repository as libgit2 does, then
// installs the indexer.
int createRepositoryWithParallelIndexer(git_repository **out, const char *path, int bare, void *payload);

} // namespace repodeck::core::git
