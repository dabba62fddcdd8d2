#include "git/ParallelCheckout.h"

#include "git/CheckoutPlan.h"

#include <QByteArray>
#include <QFile>
#include <QThread>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace repodeck::core::git {

namespace {

// Windows checks out with libgit2 alone (parallelCheckoutAvailable()).
#ifndef _WIN32
struct Chunk
{
    std::vector<std::string> paths;
    int rc = 0;
    std::string error;
};

// One checkout of some paths, on its own repository handle (libgit2
// objects are not shared between threads).
void checkoutChunk(const std::string &gitDir, const git_oid &treeId, Chunk *chunk)
{
    git_repository *repo = nullptr;
    git_tree *tree = nullptr;
    git_index *empty = nullptr;
    int rc = git_repository_open(&repo, gitDir.c_str());
    if (rc == 0)
        rc = git_tree_lookup(&tree, repo, &treeId);
    if (rc == 0)
        rc = git_index_new(&empty); // baseline: nothing is there yet
    if (rc == 0) {
        std::vector<char *> strings;
        strings.reserve(chunk->paths.size());
        for (std::string &p : chunk->paths)
            strings.push_back(p.data());
        git_checkout_options opts;
        git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
        opts.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH
                                 | GIT_CHECKOUT_DONT_UPDATE_INDEX | GIT_CHECKOUT_DONT_WRITE_INDEX;
        opts.paths.strings = strings.data();
        opts.paths.count = strings.size();
        opts.baseline_index = empty;
        rc = git_checkout_tree(repo, reinterpret_cast<const git_object *>(tree), &opts);
    }
    if (rc < 0) {
        const git_error *e = git_error_last();
        chunk->error = e ? e->message : "checkout failed";
    }
    chunk->rc = rc;
    git_index_free(empty);
    git_tree_free(tree);
    git_repository_free(repo);
}

int failLink(const std::string &path, const char *what, int error)
{
    const std::string text = "cannot create the symbolic link " + path + ": " + what + ": " + std::strerror(error);
    // A folder on its way that is not a folder is the tree's doing (ELOOP,
    // ENOTDIR: a link or a file where a folder was planned).
    git_error_set_str(error == ELOOP || error == ENOTDIR || error == EEXIST ? GIT_ERROR_TREE : GIT_ERROR_OS,
                      text.c_str());
    return -1;
}

// Writes the link `path` below the open folder `root` without following
// any link: each folder on its way is opened with O_NOFOLLOW (made when
// missing), and the link (or, without symlink support, a file holding its
// target, as libgit2 writes it) is created, never replaced.
int writeLink(int root, const std::string &path, const std::string &target, bool symlinks)
{
    int dir = ::dup(root);
    if (dir < 0)
        return failLink(path, "dup", errno);
    size_t start = 0;
    for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
        const std::string name = path.substr(start, slash - start);
        int next = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (::mkdirat(dir, name.c_str(), 0755) != 0 && errno != EEXIST) {
                const int e = errno;
                ::close(dir);
                return failLink(path, "mkdir", e);
            }
            next = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        const int e = errno;
        ::close(dir);
        if (next < 0)
            return failLink(path, "a folder on its way", e);
        dir = next;
    }
    const std::string name = path.substr(start);
    int rc = 0;
    if (symlinks) {
        rc = ::symlinkat(target.c_str(), dir, name.c_str());
    } else {
        const int fd = ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        rc = fd < 0 ? -1 : 0;
        for (size_t done = 0; rc == 0 && done < target.size();) {
            const ssize_t n = ::write(fd, target.data() + done, target.size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            rc = n < 0 ? -1 : 0;
            done += n < 0 ? 0 : size_t(n);
        }
        if (fd >= 0 && ::close(fd) != 0)
            rc = -1;
    }
    const int e = errno;
    ::close(dir);
    return rc == 0 ? 0 : failLink(path, symlinks ? "symlink" : "write", e);
}

// The links, after every file: no file is written while a link of this
// tree exists, and no link is created through another.
int writeLinks(git_repository *repo, const std::vector<CheckoutPlan::Link> &links)
{
    if (links.empty())
        return 0;
    int symlinks = 1;
    git_config *config = nullptr;
    if (git_repository_config_snapshot(&config, repo) == 0 && git_config_get_bool(&symlinks, config, "core.symlinks") < 0)
        symlinks = 1;
    git_config_free(config);
    git_error_clear();
    const int root = ::open(git_repository_workdir(repo), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0)
        return failLink(git_repository_workdir(repo), "open", errno);
    int rc = 0;
    std::string target;
    for (const CheckoutPlan::Link &link : links) {
        if ((rc = readLinkTarget(repo, link, &target)) < 0 || (rc = writeLink(root, link.path, target, symlinks != 0)) < 0)
            break;
    }
    ::close(root);
    return rc;
}
#endif

} // namespace

bool parallelCheckoutAvailable()
{
#ifdef _WIN32
    return false;
#else
    return qEnvironmentVariable("REPODECK_CHECKOUT") != QLatin1String("libgit2");
#endif
}

int checkoutInParallel(git_repository *repo, const std::function<void()> &tick)
{
    if (git_repository_head_unborn(repo) == 1)
        return 0; // an empty repository: nothing to check out
    git_object *treeObject = nullptr;
    if (int rc = git_revparse_single(&treeObject, repo, "HEAD^{tree}"); rc < 0)
        return rc;
    // Every path is checked against git's rules (and the limits) before
    // anything is written (docs/security.md, "Trees a server sends").
    CheckoutPlan plan;
    int rc = planCheckout(repo, reinterpret_cast<git_tree *>(treeObject), foldsNames(repo), &plan);
    if (rc < 0) {
        git_object_free(treeObject);
        return rc;
    }
#ifdef _WIN32
    Q_UNUSED(tick);
    git_object_free(treeObject);
    git_checkout_options opts;
    git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
    opts.checkout_strategy = GIT_CHECKOUT_SAFE;
    return git_checkout_head(repo, &opts);
#else
    const git_oid treeId = *git_object_id(treeObject);
    std::vector<std::string> paths = std::move(plan.files);

    const std::string gitDir = git_repository_path(repo);
    // First every .gitattributes, alone: each later checkout reads them from
    // the work tree (the index is still empty), and a worker that looked
    // before another had written them would skip eol conversion for good.
    Chunk attributes;
    std::vector<std::string> rest;
    rest.reserve(paths.size());
    for (std::string &p : paths) {
        const bool isAttributes = p == ".gitattributes"
                                  || (p.size() > 15 && p.compare(p.size() - 15, 15, "/.gitattributes") == 0);
        (isAttributes ? attributes.paths : rest).push_back(std::move(p));
    }
    if (!attributes.paths.empty()) {
        checkoutChunk(gitDir, treeId, &attributes);
        if (attributes.rc < 0) {
            git_object_free(treeObject);
            git_error_set_str(GIT_ERROR_CHECKOUT, attributes.error.c_str());
            return attributes.rc;
        }
    }
    paths = std::move(rest);

    // Contiguous runs of paths: a directory's files mostly go to one worker.
#if defined(__APPLE__)
    // Case-insensitive by default: names differing only in case must meet
    // in one checkout, which sorts that out as libgit2 always does.
    const size_t workers = 1;
#else
    const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(QThread::idealThreadCount()),
                                                                std::max<size_t>(1, paths.size() / 256)));
#endif
    std::vector<Chunk> chunks(paths.empty() ? 0 : workers);
    for (size_t i = 0; i < paths.size(); ++i)
        chunks[i * workers / paths.size()].paths.push_back(paths[i]);
    std::atomic<size_t> running{chunks.size()};
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::thread> threads;
    for (Chunk &c : chunks) {
        threads.emplace_back([&, chunk = &c] {
            checkoutChunk(gitDir, treeId, chunk);
            std::lock_guard lock(mutex);
            --running;
            done.notify_all();
        });
    }
    {
        std::unique_lock lock(mutex);
        while (running > 0) {
            done.wait_for(lock, std::chrono::milliseconds(100));
            lock.unlock();
            if (tick)
                tick();
            lock.lock();
        }
    }
    for (std::thread &t : threads)
        t.join();
    for (const Chunk &c : chunks) {
        if (c.rc < 0) {
            git_object_free(treeObject);
            git_error_set_str(GIT_ERROR_CHECKOUT, c.error.c_str());
            return c.rc;
        }
    }
    if ((rc = writeLinks(repo, plan.links)) < 0) {
        git_object_free(treeObject);
        return rc;
    }

    // The index: the tree's entries with the stat data of the files just
    // written, as a checkout records it (so `git status` need not rehash).
    git_index *index = nullptr;
    rc = git_repository_index(&index, repo);
    if (rc == 0)
        rc = git_index_read_tree(index, reinterpret_cast<git_tree *>(treeObject));
    const std::string workdir = git_repository_workdir(repo);
    for (size_t i = 0; rc == 0 && i < git_index_entrycount(index); ++i) {
        git_index_entry entry = *git_index_get_byindex(index, i);
        if (entry.mode == GIT_FILEMODE_COMMIT)
            continue; // a submodule: an empty folder, no stat data
        const std::string path = entry.path;
        struct stat st{};
        if (::lstat((workdir + path).c_str(), &st) != 0) {
            git_error_set_str(GIT_ERROR_CHECKOUT, ("checked-out file missing: " + path).c_str());
            rc = -1;
            break;
        }
        entry.path = path.c_str();
        entry.ctime.seconds = static_cast<int32_t>(st.st_ctime);
        entry.mtime.seconds = static_cast<int32_t>(st.st_mtime);
#if defined(__APPLE__)
        entry.ctime.nanoseconds = static_cast<uint32_t>(st.st_ctimespec.tv_nsec);
        entry.mtime.nanoseconds = static_cast<uint32_t>(st.st_mtimespec.tv_nsec);
#else
        entry.ctime.nanoseconds = static_cast<uint32_t>(st.st_ctim.tv_nsec);
        entry.mtime.nanoseconds = static_cast<uint32_t>(st.st_mtim.tv_nsec);
#endif
        entry.dev = static_cast<uint32_t>(st.st_dev);
        entry.ino = static_cast<uint32_t>(st.st_ino);
        entry.uid = static_cast<uint32_t>(st.st_uid);
        entry.gid = static_cast<uint32_t>(st.st_gid);
        entry.file_size = static_cast<uint32_t>(st.st_size);
        rc = git_index_add(index, &entry);
    }
    if (rc == 0)
        rc = git_index_write(index);
    git_index_free(index);
    git_object_free(treeObject);
    if (tick)
        tick();
    return rc;
#endif
}

} // namespace repodeck::core::git
