#pragma once

#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace repodeck::core::git {

// Bounds on what one checkout may ask for (git has none but its tree depth;
// these are far above real repositories: Chromium has about 480,000 files).
struct CheckoutLimits
{
    size_t maxEntries = 1'000'000; // files, links, folders, submodules, counted each time met
    size_t maxPathBytes = size_t(64)
                          << 20; // all paths together (Chromium: about 34 MB); held about 4 times
    size_t maxTreeBytes = size_t(512) << 20; // tree objects read, each time met
    size_t maxDepth = 2048;                  // git's core.maxTreeDepth
    size_t maxPath = 4096;                   // bytes in one path (PATH_MAX)
    size_t maxLinkTarget = 4095;             // bytes a symbolic link may hold
};

// What a checkout of a tree writes, in the tree's order. Every path passed
// the rules of git/TreeRules.h, no name occurs twice in a folder (nor, when
// `foldNames`, twice once folded), so no path's folder is anything but a
// folder of this tree: nothing written for one path can go through another.
struct CheckoutPlan
{
    struct File
    {
        std::string path;
        git_oid id;    // the blob, or the submodule's commit
        uint32_t mode; // GIT_FILEMODE_BLOB, _BLOB_EXECUTABLE or _COMMIT
    };
    std::vector<File> files; // blobs and submodules (an empty folder)
    struct Link
    {
        std::string path;
        git_oid blob;
    };
    std::vector<Link> links;
    size_t entries = 0;
};

// Walks `tree` without recursion, within `limits`. Returns 0, or -1 with a
// GIT_ERROR_TREE error naming the path and the reason ("refused the
// server's tree: 'a/b' appears twice in one folder"). `foldNames`: refuse
// names that are one file on a case-insensitive or normalising file system.
int planCheckout(git_repository *repo, const git_tree *tree, bool foldNames, CheckoutPlan *plan,
                 const CheckoutLimits &limits = {});

// planCheckout on the tree of `treeish` (a commit or a tree), the plan
// thrown away: for checkouts libgit2 does itself (a checkpointed clone's,
// a fast-forward's), so a tree they would write is held to the same rules
// and limits first.
int checkTreeBeforeCheckout(git_repository *repo, const git_object *treeish);

// Refuses to write `blobs` (each counted each time it occurs) into the work
// tree of `repo` when their size is more than the file system there has
// free, less a reserve of a tenth of that (at most 1 GiB) for everything
// else on it: a tree repeating one large blob can ask for terabytes from a
// pack of kilobytes. -1 with a GIT_ERROR_OS error saying how much is
// needed and free ("No space left on device", so it is a local failure,
// not retried); `interrupted` is asked every 4096 blobs (-1 when it says
// stop). Sizes are the blobs' own: filters (CRLF) may add to them.
int checkRoomFor(git_repository *repo, const std::vector<const git_oid *> &blobs,
                 const std::function<bool()> &interrupted = {});

// The blobs (files and links) `plan` writes, for checkRoomFor.
std::vector<const git_oid *> blobsOf(const CheckoutPlan &plan);

// True where names differing in case or normalisation are one file: always
// on Windows and macOS, elsewhere when libgit2 found the folder
// case-insensitive (core.ignorecase, probed when the clone was created).
bool foldsNames(git_repository *repo);

// A link's target as checked out: the blob's bytes, within the limits (no
// NUL, not empty). Returns 0, or -1 with a GIT_ERROR_TREE error.
int readLinkTarget(git_repository *repo, const CheckoutPlan::Link &link, std::string *target,
                   const CheckoutLimits &limits = {});

} // namespace repodeck::core::git
