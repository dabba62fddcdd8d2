#include "git/ParallelCheckout.h"

#include "git/CheckoutPlan.h"
#include "git/WorkTreeWriter.h"

#include <QByteArray>
#include <QFile>
#include <QThread>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <system_error>
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

#ifndef _WIN32
bool isAttributesFile(const std::string &p)
{
    return p == ".gitattributes"
           || (p.size() > 15 && p.compare(p.size() - 15, 15, "/.gitattributes") == 0);
}

// The files of a plan, written by one thread per core: each takes the next
// run of files (a folder's files mostly go to one writer) until none are
// left, an error happens or `stop` is set.
class Writers
{
public:
    Writers(const std::string &gitDir, int root, const CheckoutPlan &plan,
            std::vector<WrittenStat> *stats)
        : m_gitDir(gitDir)
        , m_root(root)
        , m_plan(plan)
        , m_stats(*stats)
    {
    }

    // Runs `workers` threads; `interrupted` is asked about every 100 ms on
    // the calling thread. Returns 0 or -1 with the libgit2 error set.
    int run(size_t workers, const std::function<bool()> &interrupted)
    {
        std::vector<std::thread> threads;
        for (size_t i = 0; i < workers; ++i)
            threads.emplace_back([this] { work(); });
        bool outOfTime = false;
        {
            std::unique_lock lock(m_mutex);
            while (m_finished < workers) {
                m_done.wait_for(lock, std::chrono::milliseconds(100));
                lock.unlock();
                if (!outOfTime && interrupted && interrupted()) {
                    outOfTime = true;
                    m_stop = true;
                }
                lock.lock();
            }
        }
        for (std::thread &t : threads)
            t.join();
        if (!m_error.empty()) {
            git_error_set_str(m_errorClass, m_error.c_str());
            return -1;
        }
        if (outOfTime) {
            git_error_set_str(GIT_ERROR_CHECKOUT,
                              "checkout stopped: the attempt ran out of time (or was cancelled)");
            return -1;
        }
        return 0;
    }

private:
    static constexpr size_t kRun = 32;

    void work()
    {
        git_repository *repo = nullptr;
        if (git_repository_open(&repo, m_gitDir.c_str()) < 0) {
            fail();
        } else {
            WorkTreeWriter writer(repo, m_root, &m_stop);
            const size_t count = m_plan.files.size();
            for (size_t first; !m_stop && (first = m_next.fetch_add(kRun)) < count;) {
                for (size_t i = first; i < std::min(count, first + kRun) && !m_stop; ++i) {
                    const CheckoutPlan::File &file = m_plan.files[i];
                    if (isAttributesFile(file.path))
                        continue; // written before the writers start
                    if (writer.writeFile(file, &m_stats[i]) < 0) {
                        fail();
                        break;
                    }
                }
            }
        }
        git_repository_free(repo);
        std::lock_guard lock(m_mutex);
        ++m_finished;
        m_done.notify_all();
    }

    // The first error stops every writer; a stop it caused is not an error.
    void fail()
    {
        const git_error *e = git_error_last();
        std::lock_guard lock(m_mutex);
        if (m_error.empty() && !(m_stop && e && e->klass == GIT_ERROR_CHECKOUT)) {
            m_error = e ? e->message : "checkout failed";
            m_errorClass = e ? e->klass : GIT_ERROR_CHECKOUT;
        }
        m_stop = true;
    }

    const std::string m_gitDir;
    const int m_root;
    const CheckoutPlan &m_plan;
    std::vector<WrittenStat> &m_stats;
    std::atomic<size_t> m_next{0};
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_done;
    size_t m_finished = 0;
    std::string m_error;
    int m_errorClass = GIT_ERROR_CHECKOUT;
};

bool symlinksSupported(git_repository *repo)
{
    int symlinks = 1;
    git_config *config = nullptr;
    if (git_repository_config_snapshot(&config, repo) == 0
        && git_config_get_bool(&symlinks, config, "core.symlinks") < 0)
        symlinks = 1;
    git_config_free(config);
    git_error_clear();
    return symlinks != 0;
}

void setStat(git_index_entry *entry, const WrittenStat &st)
{
    entry->ctime.seconds = static_cast<int32_t>(st.ctimeSeconds);
    entry->ctime.nanoseconds = st.ctimeNanos;
    entry->mtime.seconds = static_cast<int32_t>(st.mtimeSeconds);
    entry->mtime.nanoseconds = st.mtimeNanos;
    entry->dev = st.dev;
    entry->ino = st.ino;
    entry->uid = st.uid;
    entry->gid = st.gid;
    entry->file_size = st.size;
}

// The index: the tree's entries with the stat data of the files just
// written, as a checkout records it (so `git status` need not rehash).
int writeIndex(git_repository *repo, git_tree *tree, int root, const CheckoutPlan &plan,
               const std::vector<WrittenStat> &stats, const std::function<bool()> &interrupted)
{
    git_index *index = nullptr;
    int rc = git_repository_index(&index, repo);
    if (rc == 0)
        rc = git_index_read_tree(index, tree);
    const auto update = [&](const std::string &path, const WrittenStat &st) {
        const git_index_entry *found = git_index_get_bypath(index, path.c_str(), 0);
        if (!found) {
            git_error_set_str(GIT_ERROR_CHECKOUT,
                              ("checked-out entry missing from the index: " + path).c_str());
            return -1;
        }
        git_index_entry entry = *found;
        const std::string keep = entry.path; // the add replaces the entry `found` points to
        entry.path = keep.c_str();
        setStat(&entry, st);
        return git_index_add(index, &entry);
    };
    for (size_t i = 0; rc == 0 && i < plan.files.size(); ++i) {
        if (plan.files[i].mode == GIT_FILEMODE_COMMIT)
            continue; // a submodule: an empty folder, no stat data
        if (i % 4096 == 4095 && interrupted && interrupted()) {
            git_error_set_str(GIT_ERROR_CHECKOUT,
                              "checkout stopped: the attempt ran out of time (or was cancelled)");
            rc = -1;
            break;
        }
        rc = update(plan.files[i].path, stats[i]);
    }
    for (size_t i = 0; rc == 0 && i < plan.links.size(); ++i) {
        struct stat st
        {};
        if (::fstatat(root, plan.links[i].path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            git_error_set_str(GIT_ERROR_CHECKOUT,
                              ("checked-out link missing: " + plan.links[i].path).c_str());
            rc = -1;
            break;
        }
        WrittenStat written;
        fillStat(st, &written);
        rc = update(plan.links[i].path, written);
    }
    if (rc == 0)
        rc = git_index_write(index);
    git_index_free(index);
    return rc;
}

int writeTree(git_repository *repo, git_tree *tree, const CheckoutPlan &plan,
              const std::function<bool()> &interrupted)
{
    const int root = ::open(git_repository_workdir(repo),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0) {
        git_error_set_str(GIT_ERROR_OS, (std::string("cannot open the work tree: ")
                                         + std::generic_category().message(errno))
                                            .c_str());
        return -1;
    }
    std::vector<WrittenStat> stats(plan.files.size());
    int rc = 0;
    {
        // First every .gitattributes, alone: the writers read them from the
        // work tree (the index is still empty) for each file's filters, and
        // one that looked before another had written them would skip eol
        // conversion for good.
        WorkTreeWriter writer(repo, root, nullptr);
        for (size_t i = 0; rc == 0 && i < plan.files.size(); ++i) {
            if (isAttributesFile(plan.files[i].path))
                rc = writer.writeFile(plan.files[i], &stats[i]);
        }
        // Then each again, now that their rules are on disk: git applies a
        // .gitattributes' own eol rules to it (found in review: written
        // with LF where git writes CRLF, it showed as modified once touched).
        for (size_t i = 0; rc == 0 && i < plan.files.size(); ++i) {
            if (isAttributesFile(plan.files[i].path))
                rc = writer.rewriteFile(plan.files[i], &stats[i]);
        }
    }
    if (rc == 0) {
#if defined(__APPLE__)
        // Case-insensitive by default: the plan refused names that fold to
        // one, but one writer keeps macOS's name handling out of races.
        const size_t workers = 1;
#else
        const size_t workers = std::max<size_t>(
            1, std::min<size_t>(static_cast<size_t>(QThread::idealThreadCount()),
                                std::max<size_t>(1, plan.files.size() / 256)));
#endif
        Writers writers(git_repository_path(repo), root, plan, &stats);
        rc = writers.run(workers, interrupted);
    }
    // The links, after every file: no file is written while a link of this
    // tree exists, and no link is created through another.
    if (rc == 0 && !plan.links.empty()) {
        const bool symlinks = symlinksSupported(repo);
        WorkTreeWriter writer(repo, root, nullptr);
        std::string target;
        for (const CheckoutPlan::Link &link : plan.links) {
            if ((rc = readLinkTarget(repo, link, &target)) < 0
                || (rc = writer.writeLink(link, target, symlinks)) < 0)
                break;
        }
    }
    if (rc == 0)
        rc = writeIndex(repo, tree, root, plan, stats, interrupted);
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

int checkoutInParallel(git_repository *repo, const std::function<bool()> &interrupted)
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
    // ... and its size against the free disk (docs/security.md, "Disk").
    if (rc == 0)
        rc = checkRoomFor(repo, blobsOf(plan), interrupted);
#ifdef _WIN32
    git_object_free(treeObject);
    if (rc < 0)
        return rc;
    git_checkout_options opts;
    git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
    opts.checkout_strategy = GIT_CHECKOUT_SAFE;
    return git_checkout_head(repo, &opts);
#else
    if (rc == 0)
        rc = writeTree(repo, reinterpret_cast<git_tree *>(treeObject), plan, interrupted);
    git_object_free(treeObject);
    return rc;
#endif
}

} // namespace repodeck::core::git
