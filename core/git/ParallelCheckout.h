#pragma once

#include <git2.h>

#include <functional>

namespace repodeck::core::git {

// Checks out HEAD into the work tree of a fresh clone (no index, no files
// yet) with one libgit2 checkout per core over disjoint sets of paths, then
// writes the index itself from the tree and the written files' stat data.
// libgit2 1.5.1 resolves attributes for every file with a realpath(3) of
// its full path, one readlink per path component: on 15,000 files that is
// most of a clone's checkout (docs/benchmarks.md). Filters (eol, crlf) are
// libgit2's own, per file, as in a plain checkout. Never overwrites: the
// checkouts are SAFE and the target holds nothing but .git.
// `tick` runs on the calling thread about every 100 ms (progress).
// Returns 0 or a libgit2 error code with the error set.
int checkoutInParallel(git_repository *repo, const std::function<void()> &tick);

// False on platforms where the index stat data is not filled here
// (Windows), or when REPODECK_CHECKOUT=libgit2.
bool parallelCheckoutAvailable();

} // namespace repodeck::core::git
