#include "sync/CheckpointedClone.h"

#include "git/CheckoutPlan.h"

#include "git/GitHandles.h"
#include "git/GitLibrary.h"
#include "git/ParallelCheckout.h"
#include "git/ParallelIndexer.h"
#include "git/RemoteConfig.h"
#include "retry/FailureCapture.h"
#include "sync/CheckpointedFetch.h"
#include "sync/CrashRecovery.h"
#include "util/RemoteUrl.h"
#include "util/RemoveTree.h"

#include <QDir>
#include <spdlog/spdlog.h>
#include <memory>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QMessageAuthenticationCode>
#include <QMutex>
#include <QRandomGenerator>
#include <QStandardPaths>

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace repodeck::core {

namespace {

const char *kMarker = "repodeck.checkpointClone";
const char *kToken = "repodeck.checkpointToken";
// Set once every object is in: the server's default branch ("-" when it
// named none). A later attempt finds it and only checks out again.
const char *kFetched = "repodeck.checkpointFetched";

// A key of this user's RepoDeck, kept in its own data folder (0600): a
// partial folder carries a token made with it, so a folder that RepoDeck
// did not create (an unpacked archive, a synced folder, a planted one) is
// never resumed as its own. Empty when it cannot be read or made: then
// nothing is resumed.
QByteArray checkpointKey()
{
    static QMutex mutex;
    static QByteArray key;
    QMutexLocker lock(&mutex);
    if (!key.isEmpty())
        return key;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
                        + QStringLiteral("/repodeck");
    const QString path = dir + QStringLiteral("/checkpoint.key");
    auto readKey = [&]() -> QByteArray {
        const QFileInfo info(path);
        if (!info.exists() || info.isSymLink() || !info.isFile() || info.size() != 64)
            return {};
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        const QByteArray hex = f.read(64);
        return QByteArray::fromHex(hex).size() == 32 ? hex : QByteArray();
    };
    key = readKey();
    if (!key.isEmpty() || QFileInfo::exists(path) || QFileInfo(path).isSymLink())
        return key;
    QDir().mkpath(dir);
    QByteArray raw(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(raw.data()), 8);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return key = readKey(); // made meanwhile by another RepoDeck
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QByteArray hex = raw.toHex();
    if (f.write(hex) != hex.size() || !f.flush()) {
        f.remove();
        return {};
    }
    f.close();
    return key = hex;
}

QByteArray tokenFor(const QString &partialDir, const QString &url)
{
    const QByteArray key = checkpointKey();
    if (key.isEmpty())
        return {};
    const QString where = QDir::cleanPath(QFileInfo(partialDir).absoluteFilePath());
    return QMessageAuthenticationCode::hash((where + QLatin1Char('\n') + url).toUtf8(), key,
                                            QCryptographicHash::Sha256)
        .toHex();
}

// Hooks git would run in the finished clone: a folder RepoDeck made has
// only git's samples.
bool hasHooks(const QString &gitDir)
{
    QDirIterator it(gitDir + QStringLiteral("/hooks"),
                    QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    while (it.hasNext()) {
        it.next();
        if (!it.fileName().endsWith(QLatin1String(".sample")) || it.fileInfo().isSymLink()
            || it.fileInfo().isDir())
            return true;
    }
    return false;
}

AttemptOutcome gitFailure(int rc, AttemptContext *attempt, const QString &host, const QString &what)
{
    SyncError e = captureFailure(rc, attempt, host);
    e.message = what + QStringLiteral(": ") + e.message;
    return AttemptOutcome::failed(e);
}

int openOrCreate(const QString &dir, const RepoSpec &spec, qint64 linkBytesHint,
                 git::Repository *out)
{
    git_repository *raw = nullptr;
    if (isCheckpointInProgress(dir, spec.url)
        && git_repository_open_ext(&raw, QFile::encodeName(dir).constData(),
                                   GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr)
               == 0) {
        out->reset(raw);
        return 0;
    }
    // Not ours (or not resumable): removed, and if it cannot be, nothing is
    // created inside it.
    if (!removePartialClone(dir)) {
        git_error_set_str(GIT_ERROR_OS,
                          QStringLiteral("cannot remove the leftover folder %1; delete it by hand, "
                                         "then sync again")
                              .arg(dir)
                              .toUtf8()
                              .constData());
        return -1;
    }
    git_repository_init_options opts;
    git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    opts.flags = GIT_REPOSITORY_INIT_MKPATH
                 | (spec.mode == RepoMode::Mirror ? GIT_REPOSITORY_INIT_BARE : 0);
    int rc = git_repository_init_ext(&raw, QFile::encodeName(dir).constData(), &opts);
    if (rc < 0)
        return rc;
    out->reset(raw);
    if ((rc = git::allowLongPaths(raw)) < 0)
        return rc;
    git_remote *remote = nullptr;
    const QByteArray url = spec.url.toUtf8();
    rc = spec.mode == RepoMode::Mirror
             ? git_remote_create_with_fetchspec(&remote, raw, "origin", url.constData(),
                                                "+refs/*:refs/*")
             : git_remote_create(&remote, raw, "origin", url.constData());
    git_remote_free(remote);
    if (rc < 0)
        return rc;
    git_config *rawConfig = nullptr;
    if ((rc = git_repository_config(&rawConfig, raw)) < 0)
        return rc;
    git::Config config(rawConfig);
    if (linkBytesHint > 0) {
        CheckpointState state;
        state.linkBytes = linkBytesHint;
        if ((rc = state.save(raw)) < 0)
            return rc;
    }
    return markCheckpoint(dir, spec.url);
}

// What git_clone does after its fetch: local branch with upstream,
// origin/HEAD, HEAD and a checkout (working copy); HEAD and the mirror flag
// (mirror).
// The checkout of the new clone's HEAD, into RepoDeck's own temporary
// folder: RepoDeck's writers where they run (they stop with the attempt's
// time), else libgit2's checkout of the checked tree.
int checkoutNewClone(git_repository *repo, TransferCallbacks &callbacks)
{
    // An earlier attempt's checkout may have stopped part way (out of time,
    // cancelled, killed): its files go, without following any link, and the
    // checkout starts again on an empty work tree. The folder is RepoDeck's
    // own partial one (its token says so), never the user's.
    const QDir workdir(QFile::decodeName(git_repository_workdir(repo)));
    for (const QString &name :
         workdir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
        if (name == QLatin1String(".git"))
            continue;
        const QString left = removeTreeNoFollow(workdir.filePath(name));
        if (!left.isEmpty()) {
            git_error_set_str(GIT_ERROR_OS, left.toUtf8().constData());
            return -1;
        }
    }
    if (git::parallelCheckoutAvailable())
        return git::checkoutInParallel(repo, [&] { return callbacks.checkoutShouldStop(); });
    git_object *rawHead = nullptr;
    int rc = git_revparse_single(&rawHead, repo, "HEAD^{commit}");
    if (rc < 0)
        return rc;
    rc = git::checkTreeBeforeCheckout(repo, rawHead);
    git_object_free(rawHead);
    if (rc < 0)
        return rc;
    git_checkout_options checkout;
    git_checkout_options_init(&checkout, GIT_CHECKOUT_OPTIONS_VERSION);
    checkout.checkout_strategy = GIT_CHECKOUT_FORCE;
    return git_checkout_head(repo, &checkout);
}

int finishClone(git_repository *repo, const RepoSpec &spec, const QByteArray &remoteDefault,
                TransferCallbacks &callbacks)
{
    git_config *rawConfig = nullptr;
    int rc = git_repository_config(&rawConfig, repo);
    if (rc < 0)
        return rc;
    git::Config config(rawConfig);
    const QByteArray defaultRef = remoteDefault.isEmpty() ? QByteArrayLiteral("refs/heads/main")
                                                          : remoteDefault;
    if (spec.mode == RepoMode::Mirror) {
        if ((rc = git_config_set_bool(config.get(), "remote.origin.mirror", 1)) < 0)
            return rc;
        return git_repository_set_head(repo, defaultRef.constData());
    }

    if (spec.branch.isEmpty() && !defaultRef.startsWith("refs/heads/")) {
        // The server's HEAD names a tag (or another ref): as git clone
        // does, the clone checks out its commit with a detached HEAD.
        git_object *rawTarget = nullptr;
        if ((rc = git_revparse_single(&rawTarget, repo, (defaultRef + "^{commit}").constData()))
            < 0)
            return rc;
        std::unique_ptr<git_object, void (*)(git_object *)> target(rawTarget, git_object_free);
        if ((rc = git::checkTreeBeforeCheckout(repo, target.get())) < 0
            || (rc = git_repository_set_head_detached(repo, git_object_id(target.get()))) < 0)
            return rc;
        return checkoutNewClone(repo, callbacks);
    }
    const QByteArray branch = spec.branch.isEmpty() ? defaultRef.mid(int(qstrlen("refs/heads/")))
                                                    : spec.branch.toUtf8();
    const QByteArray tracking = "refs/remotes/origin/" + branch;
    git_reference *rawTracking = nullptr;
    if ((rc = git_reference_lookup(&rawTracking, repo, tracking.constData())) < 0)
        return rc;
    git::Reference trackingRef(rawTracking);
    git_commit *rawCommit = nullptr;
    if ((rc = git_commit_lookup(&rawCommit, repo, git_reference_target(trackingRef.get()))) < 0)
        return rc;
    git::Commit commit(rawCommit);
    // The server's tree, held to the rules and limits of every clone's
    // checkout before libgit2 writes it (docs/security.md §10).
    if ((rc = git::checkTreeBeforeCheckout(repo,
                                           reinterpret_cast<const git_object *>(commit.get())))
        < 0)
        return rc;
    git_reference *rawLocal = nullptr;
    // Forced: a resumed checkout made it already, as HEAD, in RepoDeck's own
    // folder (git_branch_create refuses to move the current branch).
    if ((rc = git_reference_create(&rawLocal, repo, ("refs/heads/" + branch).constData(),
                                   git_commit_id(commit.get()), 1, "repodeck: clone"))
        < 0)
        return rc;
    git::Reference local(rawLocal);
    if ((rc = git_branch_set_upstream(local.get(), ("origin/" + branch).constData())) < 0)
        return rc;
    if (!remoteDefault.isEmpty()) {
        git_reference *head = nullptr;
        const QByteArray target = "refs/remotes/origin/"
                                  + remoteDefault.mid(int(qstrlen("refs/heads/")));
        if (git_reference_symbolic_create(&head, repo, "refs/remotes/origin/HEAD",
                                          target.constData(), 1, "repodeck: clone")
            == 0)
            git_reference_free(head);
    }
    if ((rc = git_repository_set_head(repo, ("refs/heads/" + branch).constData())) < 0)
        return rc;
    // The directory is RepoDeck's own temporary one: nothing of the user's
    // can be overwritten here.
    return checkoutNewClone(repo, callbacks);
}

// After the checkout: every marker goes, or the finished clone would still
// look like a partial one. Until then an attempt that stops in the checkout
// leaves a checkpoint that needs no more fetching.
int unmarkClone(git_repository *repo)
{
    git_config *rawConfig = nullptr;
    int rc = git_repository_config(&rawConfig, repo);
    if (rc < 0)
        return rc;
    git::Config config(rawConfig);
    if ((rc = checkpoint::removeAll(config.get(), kMarker)) < 0
        || (rc = checkpoint::removeAll(config.get(), kToken)) < 0
        || (rc = checkpoint::removeAll(config.get(), kFetched)) < 0)
        return rc;
    return CheckpointedFetch::clearState(repo);
}

// The default branch an earlier attempt fetched everything for, or false
// when it did not (a folder that passed isCheckpointInProgress: RepoDeck's).
bool fetchedBefore(git_repository *repo, QByteArray *defaultBranch)
{
    git_config *rawConfig = nullptr;
    if (git_repository_config(&rawConfig, repo) < 0) {
        git_error_clear();
        return false;
    }
    git::Config config(rawConfig);
    git_buf value = GIT_BUF_INIT;
    const bool found = git_config_get_string_buf(&value, config.get(), kFetched) == 0;
    const QByteArray name = found ? QByteArray(value.ptr, int(value.size)) : QByteArray();
    git_buf_dispose(&value);
    git_error_clear();
    if (!found)
        return false;
    int valid = 0;
    if (name == "-")
        defaultBranch->clear();
    else if (name.startsWith("refs/") && git_reference_name_is_valid(&valid, name.constData()) == 0
             && valid)
        *defaultBranch = name;
    else
        return false;
    return true;
}

int markFetched(git_repository *repo, const QByteArray &defaultBranch)
{
    git_config *rawConfig = nullptr;
    int rc = git_repository_config(&rawConfig, repo);
    if (rc < 0)
        return rc;
    git::Config config(rawConfig);
    return checkpoint::replaceAll(config.get(), kFetched,
                                  defaultBranch.isEmpty() ? QByteArrayLiteral("-") : defaultBranch);
}

} // namespace

namespace {

// What RepoDeck itself writes into a checkpoint's configuration. A folder
// beside the target may have been planted by anyone who can write the
// parent (found in review: core.worktree pointing at the user's home, a
// url.*.insteadOf to another server, core.fsmonitor running a command): only
// a configuration with nothing but these keys is resumed.
bool isOwnConfigKey(const QString &key)
{
    static const QStringList exact{
        QStringLiteral("core.repositoryformatversion"),
        QStringLiteral("core.filemode"),
        QStringLiteral("core.bare"),
        QStringLiteral("core.logallrefupdates"),
        QStringLiteral("core.ignorecase"),
        QStringLiteral("core.precomposeunicode"),
        QStringLiteral("core.symlinks"),
        QStringLiteral("remote.origin.url"),
        QStringLiteral("remote.origin.fetch"),
        QStringLiteral("remote.origin.mirror"),
    };
    return exact.contains(key) || key.startsWith(QLatin1String("repodeck."))
           || (key.startsWith(QLatin1String("branch."))
               && (key.endsWith(QLatin1String(".remote"))
                   || key.endsWith(QLatin1String(".merge"))));
}

bool isPlainDirectory(const QString &path)
{
    const QFileInfo info(path);
    if (info.isSymLink() || info.isJunction() || !info.isDir())
        return false;
#ifndef _WIN32
    struct stat st
    {};
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0 || st.st_uid != ::geteuid())
        return false;
#endif
    return true;
}

} // namespace

int markCheckpoint(const QString &partialDir, const QString &url)
{
    const QString gitDir = QFileInfo::exists(partialDir + QStringLiteral("/config"))
                               ? partialDir
                               : partialDir + QStringLiteral("/.git");
    git_config *raw = nullptr;
    int rc = git_config_open_ondisk(
        &raw, QFile::encodeName(gitDir + QStringLiteral("/config")).constData());
    if (rc < 0)
        return rc;
    git::Config config(raw);
    const QByteArray token = tokenFor(partialDir, url);
    if (!token.isEmpty() && (rc = checkpoint::replaceAll(config.get(), kToken, token)) < 0)
        return rc;
    return checkpoint::replaceAll(config.get(), kMarker, QByteArrayLiteral("true"));
}

bool isCheckpointInProgress(const QString &partialDir, const QString &expectedUrl)
{
    if (!isPlainDirectory(partialDir))
        return false;
    // A working copy's git folder, or a bare repository's folder itself;
    // never a "gitdir:" file or a link pointing elsewhere.
    const QString gitDir = QFileInfo::exists(partialDir + QStringLiteral("/config"))
                               ? partialDir
                               : partialDir + QStringLiteral("/.git");
    if (!isPlainDirectory(gitDir)
        || QFileInfo::exists(gitDir + QStringLiteral("/objects/info/alternates"))
        || QFileInfo::exists(gitDir + QStringLiteral("/commondir")))
        return false;
    const QString configPath = gitDir + QStringLiteral("/config");
    if (QFileInfo(configPath).isSymLink())
        return false;
    git_config *raw = nullptr;
    if (git_config_open_ondisk(&raw, QFile::encodeName(configPath).constData()) < 0) {
        git_error_clear();
        return false;
    }
    git::Config config(raw);
    git_config_iterator *it = nullptr;
    if (git_config_iterator_new(&it, config.get()) < 0) {
        git_error_clear();
        return false;
    }
    if (hasHooks(gitDir))
        return false;
    bool marked = false;
    bool foreign = false;
    QString url;
    QByteArray token;
    git_config_entry *entry = nullptr;
    while (git_config_next(&entry, it) == 0) {
        const QString key = QString::fromUtf8(entry->name).toLower();
        const QString value = QString::fromUtf8(entry->value ? entry->value : "");
        if (!isOwnConfigKey(key))
            foreign = true;
        else if (key == QLatin1String("repodeck.checkpointclone"))
            marked = value == QLatin1String("true") || value == QLatin1String("1");
        else if (key == QLatin1String("remote.origin.url"))
            url = value;
        else if (key == QLatin1String("repodeck.checkpointtoken"))
            token = value.toLatin1();
    }
    git_config_iterator_free(it);
    git_error_clear();
    if (!marked || foreign)
        return false;
    // Made by this user's RepoDeck for this folder and this URL.
    const QByteArray expected = tokenFor(partialDir, url);
    if (expected.isEmpty() || token.size() != expected.size()
        || !std::equal(token.begin(), token.end(), expected.begin()))
        return false;
    return expectedUrl.isEmpty() || url == expectedUrl;
}

AttemptOutcome checkpointedClone(const RepoSpec &spec, AttemptContext &attempt,
                                 TransferCallbacks &callbacks, qint64 linkBytesHint)
{
    const QString host = RemoteUrl::parse(spec.url).host();
    const QString target = QDir::cleanPath(spec.path);
    const QString temp = partialClonePath(target);

    git::Repository repo;
    int rc = openOrCreate(temp, spec, linkBytesHint, &repo);
    if (rc < 0)
        return gitFailure(rc, nullptr, host, QStringLiteral("Cannot prepare %1").arg(temp));
    git::RemoteConfig origin = git::RemoteConfig::read(repo.get(), QStringLiteral("origin"));
    if (origin.url != spec.url) {
        git_remote_set_url(repo.get(), "origin", spec.url.toUtf8().constData());
        origin.url = spec.url;
    }
    // Each step's pack goes to our indexer (later steps are thin against earlier ones).
    if ((rc = git::installParallelIndexer(repo.get())) < 0)
        return gitFailure(rc, nullptr, host,
                          QStringLiteral("Cannot prepare the pack indexer in %1").arg(temp));
    git::Remote remote;
    if ((rc = origin.createRemote(repo.get(), &remote)) < 0)
        return gitFailure(rc, nullptr, host, QStringLiteral("Cannot read origin in %1").arg(temp));

    CheckpointedFetch fetch(repo.get(), remote.get(), attempt, callbacks, host);
    QByteArray defaultBranch;
    const bool resumedCheckout = fetchedBefore(repo.get(), &defaultBranch);
    if (!resumedCheckout) {
        fetch.setFinalRefspecs(origin.fetchSpecs);
        if (!spec.branch.isEmpty())
            fetch.setRequiredRef("refs/heads/" + spec.branch.toUtf8());
        AttemptOutcome out = fetch.run(spec.mode == RepoMode::Mirror,
                                       spec.mode == RepoMode::Mirror);
        if (out.outcome == Outcome::Failed || out.outcome == Outcome::Cancelled)
            return out; // the partial directory stays: it is the checkpoint
        defaultBranch = fetch.defaultBranch();
        if ((rc = markFetched(repo.get(), defaultBranch)) < 0)
            return gitFailure(rc, nullptr, host,
                              QStringLiteral("Cannot record the finished fetch in %1").arg(temp));
    } else {
        spdlog::info("checkpoint: every object is already in {}; checking out again",
                     temp.toStdString());
    }

    if ((rc = finishClone(repo.get(), spec, defaultBranch, callbacks)) < 0
        || (rc = unmarkClone(repo.get())) < 0)
        return gitFailure(rc, &attempt, host,
                          QStringLiteral("Cannot finish the clone in %1").arg(temp));
    callbacks.finish();
    remote.reset();
    repo.reset();
    if (QFileInfo(target).isDir())
        QDir().rmdir(target);
    if (!QDir().rename(temp, target))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("The clone finished but could not be moved to %1.").arg(target),
            QStringLiteral(
                "Check that nothing else created that folder meanwhile, then sync again.")));
    AttemptOutcome cloned;
    cloned.outcome = Outcome::Cloned;
    cloned.detail
        = resumedCheckout
              ? QStringLiteral(
                  "Cloned: an earlier attempt had fetched everything; the checkout was done again.")
              : QStringLiteral("Cloned in %1 checkpointed steps.").arg(fetch.stepsCompleted());
    if (!resumedCheckout && !fetch.leftOut().isEmpty())
        cloned.detail += QLatin1Char(' ') + fetch.leftOut();
    return cloned;
}

} // namespace repodeck::core
