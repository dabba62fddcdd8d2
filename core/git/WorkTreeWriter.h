#pragma once

#include "git/CheckoutPlan.h"

#include <git2.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace repodeck::core::git {

#ifndef _WIN32
// What a written file's index entry needs from the file system, in the
// index's own 32-bit fields (one of these is kept for every file until the
// index is written).
struct WrittenStat
{
    uint32_t ctimeSeconds = 0;
    uint32_t ctimeNanos = 0;
    uint32_t mtimeSeconds = 0;
    uint32_t mtimeNanos = 0;
    uint32_t dev = 0;
    uint32_t ino = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t size = 0;
};

void fillStat(const struct stat &st, WrittenStat *out);

// Writes planned entries into the work tree of a fresh clone, one entry at
// a time, so a checkout can stop between any two files (and inside a large
// one) when its attempt is out of time, and holds nothing per entry but
// what the caller keeps. Nothing is written through a link: every folder on
// a path is opened below the work tree's root with O_NOFOLLOW (made when
// missing), and every file, link and submodule folder is created, never
// replaced (O_EXCL). Files go through libgit2's checkout filters for their
// path (eol, ident), as a libgit2 checkout writes them; modes are git's
// (0666 or 0777, less the umask). One writer per thread, each on its own
// repository handle.
class WorkTreeWriter
{
public:
    // `root`: the work tree's folder, open (not owned). `stop`: set by
    // another thread to end a file being written (not owned, may be null).
    WorkTreeWriter(git_repository *repo, int root, const std::atomic<bool> *stop);
    ~WorkTreeWriter();
    WorkTreeWriter(const WorkTreeWriter &) = delete;
    WorkTreeWriter &operator=(const WorkTreeWriter &) = delete;

    // Returns 0, or -1 with the libgit2 error set (GIT_ERROR_TREE when the
    // tree is at fault: a file whose blob is missing or not a blob).
    int writeFile(const CheckoutPlan::File &file, WrittenStat *stat);
    // Writes an already written file again, through a new name renamed
    // over it: for a .gitattributes, whose own rules (eol) apply to it once
    // it is on disk, as git applies them.
    int rewriteFile(const CheckoutPlan::File &file, WrittenStat *stat);
    // `symlinks` false: a file holding the target, as libgit2 writes it.
    int writeLink(const CheckoutPlan::Link &link, const std::string &target, bool symlinks);

private:
    int folderFor(const std::string &path, size_t *nameStart);
    int writeBlob(int folder, const std::string &name, const CheckoutPlan::File &file,
                  WrittenStat *stat);
    void closeFolders(size_t keep);

    git_repository *m_repo;
    const std::atomic<bool> *m_stop;
    // The folders of the last path, open: m_fds[0] is the root's, m_fds[i]
    // the folder m_names[0..i) names. Paths come in tree order, so most
    // files reuse them.
    std::vector<std::string> m_names;
    std::vector<int> m_fds;
};
#endif

} // namespace repodeck::core::git
