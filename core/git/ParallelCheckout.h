#pragma once

#include <git2.h>

#include <functional>

namespace repodeck::core::git {

// Checks out HEAD into the work tree of a fresh clone (no index, no files
// yet): the tree is planned and checked first (CheckoutPlan), then written
// by one WorkTreeWriter per core, each taking the next run of files, and the
// index is written from the tree and the written files' stat data.
// libgit2 1.5.1's checkout holds about 1 KB for every entry and cannot be
// stopped once it writes; here memory per entry is the plan's and the
// writers stop between files, or inside a large one, when `interrupted`
// (asked on the calling thread about every 100 ms, and between index
// entries) says the attempt is out of time or cancelled. Filters (eol,
// crlf, ident) are libgit2's own, per file, as in a plain checkout. Never
// overwrites: every file is created, and the target holds nothing but .git.
// Returns 0 or a libgit2 error code with the error set.
int checkoutInParallel(git_repository *repo, const std::function<bool()> &interrupted);

// False on platforms where the index stat data is not filled here
// (Windows), or when REPODECK_CHECKOUT=libgit2.
bool parallelCheckoutAvailable();

} // namespace repodeck::core::git
