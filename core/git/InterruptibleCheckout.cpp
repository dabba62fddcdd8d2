#include "git/InterruptibleCheckout.h"

#include "git/CheckoutPlan.h"
#include "git/GitHandles.h"

#include <git2/sys/odb_backend.h>

#include <QDateTime>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>

#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace repodeck::core::git {

namespace {

const char *kStopped = "checkout stopped: the attempt ran out of time (or was cancelled)";

// What the backend below asks about each read: only the blobs this
// checkout writes (never a .gitattributes, which libgit2 may read after it
// opened the file it is about to write).
struct StopState
{
    const std::function<bool()> *shouldStop = nullptr;
    QSet<QByteArray> blobs;
    bool stopped = false;
    // The id of the blob libgit2 read last, which is the file it is writing
    // (see writingPath): what a kill can leave cut short.
    std::unique_ptr<QFile> writing;
};

// Consulted before the repository's own backends; passes every read on
// unless the checkout must stop. Owned by the repository's object database
// once added (libgit2 calls free).
struct StopBackend
{
    git_odb_backend parent; // first: libgit2 hands back this pointer
    StopState *state;
};

int stopRead(void **, size_t *, git_object_t *, git_odb_backend *backend, const git_oid *id)
{
    StopState *state = reinterpret_cast<StopBackend *>(backend)->state;
    const QByteArray raw = QByteArray::fromRawData(reinterpret_cast<const char *>(id->id),
                                                   GIT_OID_RAWSZ);
    if (!state->blobs.contains(raw))
        return GIT_PASSTHROUGH;
    if (state->shouldStop && (*state->shouldStop)()) {
        state->stopped = true;
        git_error_set_str(GIT_ERROR_CHECKOUT, kStopped);
        return GIT_EUSER;
    }
    // Overwritten in place, unbuffered: in the page cache (so it survives a
    // kill) before libgit2 opens the file.
    if (state->writing && state->writing->seek(0))
        state->writing->write(raw);
    return GIT_PASSTHROUGH;
}

void stopFree(git_odb_backend *backend)
{
    auto *self = reinterpret_cast<StopBackend *>(backend);
    delete self->state;
    delete self;
}

bool isWrittenBlob(const git_diff_file &f)
{
    return f.mode == GIT_FILEMODE_BLOB || f.mode == GIT_FILEMODE_BLOB_EXECUTABLE
           || f.mode == GIT_FILEMODE_LINK;
}

bool isAttributes(const char *path)
{
    const QByteArray p(path);
    return p == ".gitattributes" || p.endsWith("/.gitattributes");
}

int headTree(git_repository *repo, git::Object *out)
{
    git_object *raw = nullptr;
    const int rc = git_revparse_single(&raw, repo, "HEAD^{tree}");
    out->reset(raw);
    return rc;
}

QString recordPath(git_repository *repo)
{
    return QFile::decodeName(git_repository_path(repo)) + QStringLiteral("repodeck-fast-forward");
}

// .git/repodeck-fast-forward-writing: the raw id of the blob the checkout
// is writing (the last one libgit2 read of those it writes).
// How often a running checkout refreshes its note's time, and how much
// later than that a cut file may have been written to still be the
// checkout's (a kill comes at most one interval after the last refresh).
constexpr int kAliveIntervalMs = 100;
constexpr int kAliveSlackMs = 500;

QString writingPath(git_repository *repo)
{
    return recordPath(repo) + QStringLiteral("-writing");
}

// The blob being written, and when the checkout was last known alive (the
// note's modification time: kept fresh while the checkout runs).
bool readWriting(git_repository *repo, git_oid *id, QDateTime *alive)
{
    const QFileInfo info(writingPath(repo));
    if (info.isSymLink() || !info.isFile() || info.size() != GIT_OID_RAWSZ)
        return false;
    *alive = info.lastModified();
    QFile f(info.filePath());
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray raw = f.read(GIT_OID_RAWSZ);
    return raw.size() == GIT_OID_RAWSZ
           && git_oid_fromraw(id, reinterpret_cast<const unsigned char *>(raw.constData())) == 0;
}

// Whether a folder on the way to `path` in the work tree is a link: then
// nothing below it is looked at or removed.
bool throughLink(const QString &workdir, const QString &path)
{
    for (qsizetype slash = path.indexOf(QLatin1Char('/')); slash > 0;
         slash = path.indexOf(QLatin1Char('/'), slash + 1)) {
        const QFileInfo folder(workdir + path.left(slash));
        if (folder.isSymLink() || folder.isJunction())
            return true;
    }
    return false;
}

// Whether the work tree's `path` is what `to` has there (or both have
// nothing there as a file).
bool matchesTarget(git_repository *repo, git_tree *to, const char *path)
{
    const QString workdir = QFile::decodeName(git_repository_workdir(repo));
    if (throughLink(workdir, QString::fromUtf8(path)))
        return false;
    const QString full = workdir + QString::fromUtf8(path);
    const QFileInfo info(full);
    const bool present = info.isSymLink() || info.exists();
    git_tree_entry *raw = nullptr;
    const int rc = git_tree_entry_bypath(&raw, to, path);
    std::unique_ptr<git_tree_entry, void (*)(git_tree_entry *)> entry(raw, git_tree_entry_free);
    git_error_clear();
    if (!present)
        return rc == GIT_ENOTFOUND
               || (rc == 0 && git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB);
    if (rc < 0)
        return false;
    const git_filemode_t mode = git_tree_entry_filemode(entry.get());
    git_oid actual;
    if (mode == GIT_FILEMODE_LINK && info.isSymLink()) {
#ifndef _WIN32
        QByteArray target(4096, Qt::Uninitialized);
        const ssize_t n = ::readlink(QFile::encodeName(full).constData(), target.data(),
                                     size_t(target.size()));
        if (n < 0 || n >= target.size())
            return false;
        if (git_odb_hash(&actual, target.constData(), size_t(n), GIT_OBJECT_BLOB) < 0)
            return false;
        return git_oid_equal(&actual, git_tree_entry_id(entry.get()));
#else
        return false;
#endif
    }
    if (info.isSymLink() || !info.isFile())
        return false;
    if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE
        && mode != GIT_FILEMODE_LINK)
        return false;
    if (git_repository_hashfile(&actual, repo, QFile::encodeName(full).constData(), GIT_OBJECT_BLOB,
                                path)
        < 0) {
        git_error_clear();
        return false;
    }
    if (!git_oid_equal(&actual, git_tree_entry_id(entry.get())))
        return false;
#ifndef _WIN32
    if (mode != GIT_FILEMODE_LINK) {
        const bool executable = info.permissions() & QFileDevice::ExeOwner;
        if (executable != (mode == GIT_FILEMODE_BLOB_EXECUTABLE))
            return false;
    }
#endif
    return true;
}

// Whether the work tree's `path` is the start of what `to` has there, cut
// short, of the blob a killed checkout was writing (`writing`), and last
// changed while that checkout was alive: then it is written whole (the
// file's own permissions kept). A file changed later is the user's (cut
// shorter or emptied, it would also be a start of the blob). Files up to
// 256 MiB.
bool repairCut(git_repository *repo, git_tree *to, const char *path, const git_oid &writing,
               const QDateTime &alive)
{
    constexpr qint64 kMaxRepaired = qint64(256) << 20;
    const QString workdir = QFile::decodeName(git_repository_workdir(repo));
    if (throughLink(workdir, QString::fromUtf8(path)))
        return false;
    const QString full = workdir + QString::fromUtf8(path);
    const QFileInfo info(full);
    if (info.isSymLink() || !info.isFile() || info.lastModified() > alive.addMSecs(kAliveSlackMs))
        return false;
    git_tree_entry *rawEntry = nullptr;
    if (git_tree_entry_bypath(&rawEntry, to, path) < 0) {
        git_error_clear();
        return false;
    }
    std::unique_ptr<git_tree_entry, void (*)(git_tree_entry *)> entry(rawEntry,
                                                                      git_tree_entry_free);
    const git_filemode_t mode = git_tree_entry_filemode(entry.get());
    if ((mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
        || !git_oid_equal(git_tree_entry_id(entry.get()), &writing))
        return false;
    git_blob *rawBlob = nullptr;
    if (git_blob_lookup(&rawBlob, repo, &writing) < 0) {
        git_error_clear();
        return false;
    }
    std::unique_ptr<git_blob, void (*)(git_blob *)> blob(rawBlob, git_blob_free);
    if (qint64(git_blob_rawsize(blob.get())) > kMaxRepaired)
        return false;
    git_buf content = GIT_BUF_INIT;
    git_blob_filter_options options = GIT_BLOB_FILTER_OPTIONS_INIT;
    // As checkout filters: the default skips binary blobs with an empty
    // result, leaving the binary check to the filters themselves.
    options.flags &= ~uint32_t(GIT_BLOB_FILTER_CHECK_FOR_BINARY);
    bool repaired = false;
    if (git_blob_filter(&content, blob.get(), path, &options) == 0
        && info.size() < qint64(content.size)) {
        QFile current(full);
        if (current.open(QIODevice::ReadOnly)) {
            const QByteArray have = current.read(info.size());
            current.close();
            if (have.size() == info.size()
                && std::memcmp(have.constData(), content.ptr, size_t(have.size())) == 0) {
                const QFileDevice::Permissions permissions = QFile::permissions(full);
                QSaveFile whole(full);
                repaired = whole.open(QIODevice::WriteOnly)
                           && whole.write(content.ptr, qint64(content.size)) == qint64(content.size)
                           && whole.commit();
                if (repaired)
                    QFile::setPermissions(full, permissions);
            }
        }
    }
    git_error_clear();
    git_buf_dispose(&content);
    return repaired;
}

} // namespace

int checkoutUnlessStopped(git_repository *repo, const git_object *target,
                          const std::function<bool()> &shouldStop, bool *stopped)
{
    *stopped = false;
    git_object *rawTree = nullptr;
    int rc = git_object_peel(&rawTree, target, GIT_OBJECT_TREE);
    if (rc < 0)
        return rc;
    git::Object newTree(rawTree);
    git::Object oldTree;
    if (headTree(repo, &oldTree) < 0)
        git_error_clear(); // unborn: everything is new

    auto state = std::make_unique<StopState>();
    git_diff *rawDiff = nullptr;
    if ((rc = git_diff_tree_to_tree(&rawDiff, repo, reinterpret_cast<git_tree *>(oldTree.get()),
                                    reinterpret_cast<git_tree *>(newTree.get()), nullptr))
        < 0)
        return rc;
    std::unique_ptr<git_diff, void (*)(git_diff *)> diff(rawDiff, git_diff_free);
    std::vector<const git_oid *> written;
    for (size_t i = 0, n = git_diff_num_deltas(diff.get()); i < n; ++i) {
        const git_diff_delta *d = git_diff_get_delta(diff.get(), i);
        if (d->status == GIT_DELTA_DELETED || !isWrittenBlob(d->new_file))
            continue;
        written.push_back(&d->new_file.id);
        if (!isAttributes(d->new_file.path))
            state->blobs.insert(
                QByteArray(reinterpret_cast<const char *>(d->new_file.id.id), GIT_OID_RAWSZ));
    }
    // What the changed files need against the free disk, as for a clone.
    if ((rc = checkRoomFor(repo, written, shouldStop)) < 0) {
        *stopped = shouldStop && shouldStop();
        return rc;
    }

    git_odb *rawOdb = nullptr;
    if ((rc = git_repository_odb(&rawOdb, repo)) < 0)
        return rc;
    std::unique_ptr<git_odb, void (*)(git_odb *)> odb(rawOdb, git_odb_free);
    auto *backend = new StopBackend{};
    git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION);
    backend->parent.read = stopRead;
    backend->parent.free = stopFree;
    StopState *live = state.release();
    backend->state = live;
    if ((rc = git_odb_add_backend(odb.get(), &backend->parent, 1000)) < 0) {
        stopFree(&backend->parent);
        return rc;
    }
    if (shouldStop)
        live->shouldStop = &shouldStop;
    const QString writing = writingPath(repo);
    if (!QFileInfo(writing).isSymLink()) {
        live->writing = std::make_unique<QFile>(writing);
        if (!live->writing->open(QIODevice::WriteOnly | QIODevice::Truncate
                                 | QIODevice::Unbuffered))
            live->writing.reset();
    }
    git_checkout_options opts;
    git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
    opts.checkout_strategy = GIT_CHECKOUT_SAFE;
    // While libgit2 writes, the note's time is kept fresh: after a kill it
    // says when the checkout was last alive (repairCut).
    std::mutex aliveMutex;
    std::condition_variable aliveChanged;
    bool checkoutDone = false;
    std::thread heartbeat;
    if (live->writing) {
        heartbeat = std::thread([&] {
            QFile note(writing);
            if (!note.open(QIODevice::ReadWrite))
                return;
            std::unique_lock lock(aliveMutex);
            while (!checkoutDone) {
                note.setFileTime(QDateTime::currentDateTimeUtc(),
                                 QFileDevice::FileModificationTime);
                aliveChanged.wait_for(lock, std::chrono::milliseconds(kAliveIntervalMs));
            }
        });
    }
    rc = git_checkout_tree(repo, target, &opts);
    if (heartbeat.joinable()) {
        {
            std::lock_guard lock(aliveMutex);
            checkoutDone = true;
        }
        aliveChanged.notify_all();
        heartbeat.join();
    }
    live->shouldStop = nullptr;
    live->blobs.clear();
    live->writing.reset();
    if (rc == 0)
        QFile::remove(writing);
    *stopped = live->stopped;
    if (*stopped) {
        git_error_set_str(GIT_ERROR_CHECKOUT, kStopped);
        return -1;
    }
    return rc;
}

bool recordFastForward(git_repository *repo, const git_oid &from, const git_oid &to)
{
    char a[GIT_OID_HEXSZ + 1] = {};
    char b[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(a, sizeof a, &from);
    git_oid_tostr(b, sizeof b, &to);
    QSaveFile f(recordPath(repo));
    if (!f.open(QIODevice::WriteOnly))
        return false;
    const QByteArray line = QByteArray(a) + ' ' + QByteArray(b) + '\n';
    return f.write(line) == line.size() && f.commit();
}

void forgetFastForward(git_repository *repo)
{
    QFile::remove(recordPath(repo));
    QFile::remove(writingPath(repo));
}

bool readFastForward(git_repository *repo, git_oid *from, git_oid *to)
{
    const QString path = recordPath(repo);
    const QFileInfo info(path);
    if (info.isSymLink() || !info.isFile() || info.size() != 2 * GIT_OID_HEXSZ + 2)
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = f.read(2 * GIT_OID_HEXSZ + 2);
    if (line.size() != 2 * GIT_OID_HEXSZ + 2 || line[GIT_OID_HEXSZ] != ' ' || line.back() != '\n')
        return false;
    return git_oid_fromstrn(from, line.constData(), GIT_OID_HEXSZ) == 0
           && git_oid_fromstrn(to, line.constData() + GIT_OID_HEXSZ + 1, GIT_OID_HEXSZ) == 0;
}

QStringList untrackedInTheWay(git_repository *repo, const git_object *to, int max)
{
    QStringList found;
    git::Object oldTree;
    git_object *rawNew = nullptr;
    if (headTree(repo, &oldTree) < 0 || git_object_peel(&rawNew, to, GIT_OBJECT_TREE) < 0) {
        git_error_clear();
        return found;
    }
    git::Object newTree(rawNew);
    git_diff *rawDiff = nullptr;
    if (git_diff_tree_to_tree(&rawDiff, repo, reinterpret_cast<git_tree *>(oldTree.get()),
                              reinterpret_cast<git_tree *>(newTree.get()), nullptr)
        < 0) {
        git_error_clear();
        return found;
    }
    std::unique_ptr<git_diff, void (*)(git_diff *)> diff(rawDiff, git_diff_free);
    const QString workdir = QFile::decodeName(git_repository_workdir(repo));
    for (size_t i = 0, n = git_diff_num_deltas(diff.get()); i < n && found.size() < max; ++i) {
        const git_diff_delta *d = git_diff_get_delta(diff.get(), i);
        if (d->status != GIT_DELTA_ADDED || !isWrittenBlob(d->new_file))
            continue;
        const QString rel = QString::fromUtf8(d->new_file.path);
        if (throughLink(workdir, rel))
            continue;
        const QFileInfo folder(workdir + rel);
        if (folder.isSymLink() || !folder.isDir())
            continue;
        // A folder where a file goes: everything in it must be tracked.
        QDirIterator it(folder.filePath(),
                        QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                        QDirIterator::Subdirectories);
        while (it.hasNext() && found.size() < max) {
            it.next();
            const QFileInfo entry = it.fileInfo();
            if (entry.isDir() && !entry.isSymLink())
                continue;
            const QString path = rel + it.filePath().mid(folder.filePath().size());
            git_tree_entry *raw = nullptr;
            if (git_tree_entry_bypath(&raw, reinterpret_cast<git_tree *>(oldTree.get()),
                                      path.toUtf8().constData())
                == 0)
                git_tree_entry_free(raw);
            else
                found << path;
            git_error_clear();
        }
    }
    return found;
}

int settleStoppedFastForward(git_repository *repo, const git_oid &from, const git_oid &to,
                             bool *explained, QStringList *unexplained, int *unexplainedCount)
{
    *explained = false;
    *unexplainedCount = 0;
    git_commit *rawTo = nullptr;
    int rc = git_commit_lookup(&rawTo, repo, &to);
    if (rc < 0)
        return rc;
    git::Commit toCommit(rawTo);
    git_tree *rawToTree = nullptr;
    if ((rc = git_commit_tree(&rawToTree, toCommit.get())) < 0)
        return rc;
    std::unique_ptr<git_tree, void (*)(git_tree *)> toTree(rawToTree, git_tree_free);

    git_status_options opts;
    git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list *rawStatus = nullptr;
    if ((rc = git_status_list_new(&rawStatus, repo, &opts)) < 0)
        return rc;
    git::StatusList status(rawStatus);
    git_oid writing;
    QDateTime alive;
    const bool killedWhileWriting = readWriting(repo, &writing, &alive);
    for (size_t i = 0, n = git_status_list_entrycount(status.get()); i < n; ++i) {
        const git_status_entry *e = git_status_byindex(status.get(), i);
        if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
            continue;
        // A staged change is never the stopped checkout's (it left the
        // index alone).
        const git_diff_delta *d = e->index_to_workdir;
        // A file cut short by a kill while it was being written: written
        // whole now, if it is the start of the blob that was being written.
        if (!e->head_to_index && d && !matchesTarget(repo, toTree.get(), d->old_file.path)
            && killedWhileWriting
            && repairCut(repo, toTree.get(), d->old_file.path, writing, alive))
            continue;
        if (e->head_to_index || !d || !matchesTarget(repo, toTree.get(), d->old_file.path)) {
            const git_diff_delta *named = e->head_to_index ? e->head_to_index : d;
            if (++*unexplainedCount <= 3 && named)
                *unexplained << QString::fromUtf8(named->new_file.path);
        }
    }
    if (*unexplainedCount > 0)
        return 0;

    // The files `to` adds that are already there as `to` has them: the
    // stopped checkout's own; removed (links as links) so the SAFE
    // checkout, which refuses untracked files in the way, writes them again.
    git_commit *rawFrom = nullptr;
    if ((rc = git_commit_lookup(&rawFrom, repo, &from)) < 0)
        return rc;
    git::Commit fromCommit(rawFrom);
    git_tree *rawFromTree = nullptr;
    if ((rc = git_commit_tree(&rawFromTree, fromCommit.get())) < 0)
        return rc;
    std::unique_ptr<git_tree, void (*)(git_tree *)> fromTree(rawFromTree, git_tree_free);
    git_diff *rawDiff = nullptr;
    if ((rc = git_diff_tree_to_tree(&rawDiff, repo, fromTree.get(), toTree.get(), nullptr)) < 0)
        return rc;
    std::unique_ptr<git_diff, void (*)(git_diff *)> diff(rawDiff, git_diff_free);
    const QString workdir = QFile::decodeName(git_repository_workdir(repo));
    for (size_t i = 0, n = git_diff_num_deltas(diff.get()); i < n; ++i) {
        const git_diff_delta *d = git_diff_get_delta(diff.get(), i);
        if (d->status != GIT_DELTA_ADDED || !isWrittenBlob(d->new_file))
            continue;
        const QString full = workdir + QString::fromUtf8(d->new_file.path);
        const QFileInfo info(full);
        // A new file cut short by a kill is written whole first (untracked,
        // it is not in the status above).
        if ((info.isSymLink() || info.isFile())
            && (matchesTarget(repo, toTree.get(), d->new_file.path)
                || (killedWhileWriting
                    && repairCut(repo, toTree.get(), d->new_file.path, writing, alive))))
            QFile::remove(full);
    }
    *explained = true;
    return 0;
}

} // namespace repodeck::core::git
