#include "sync/CloneOperation.h"

#include "git/ParallelCheckout.h"
#include "git/ParallelIndexer.h"

#include "git/GitHandles.h"
#include "git/GitLibrary.h"
#include "net/http/ProxySettings.h"
#include "retry/FailureCapture.h"
#include "sync/CrashRecovery.h"
#include "util/RemoteUrl.h"

#include <QDir>
#include <QFileInfo>

#include <spdlog/spdlog.h>

namespace repodeck::core {

namespace {

int createMirrorRemote(git_remote **out, git_repository *repo, const char *name, const char *url,
                       void *)
{
    return git_remote_create_with_fetchspec(out, repo, name, url, "+refs/*:refs/*");
}

// `git clone --mirror` leaves no refs/remotes/origin/HEAD and marks the remote.
int finishMirror(git_repository *repo)
{
    git::Config config;
    git_config *raw = nullptr;
    int rc = git_repository_config(&raw, repo);
    config.reset(raw);
    if (rc < 0)
        return rc;
    rc = git_config_set_bool(config.get(), "remote.origin.mirror", 1);
    if (rc < 0)
        return rc;
    git_reference *ref = nullptr;
    if (git_reference_lookup(&ref, repo, "refs/remotes/origin/HEAD") == 0) {
        git::Reference owned(ref);
        // With the mirror refspec libgit2 leaves HEAD on an unborn "master";
        // the server's HEAD is what this symbolic ref names (refs/heads/X),
        // and what `git clone --mirror` makes HEAD.
        const char *target = git_reference_symbolic_target(owned.get());
        const QByteArray serverHead = target ? QByteArray(target) : QByteArray();
        rc = git_reference_delete(owned.get());
        git_reference *branch = nullptr;
        if (rc == 0 && serverHead.startsWith("refs/heads/") && git_repository_head_unborn(repo) == 1
            && git_reference_lookup(&branch, repo, serverHead.constData()) == 0) {
            git_reference_free(branch);
            rc = git_repository_set_head(repo, serverHead.constData());
        }
    }
    return rc < 0 ? rc : 0;
}

} // namespace

AttemptOutcome cloneRepository(const RepoSpec &spec, AttemptContext &attempt,
                               TransferCallbacks &callbacks)
{
    const QString host = RemoteUrl::parse(spec.url).host();
    const QString target = QDir::cleanPath(spec.path);
    const QString temp = partialClonePath(target);

    // Anything under our temporary name is a leftover of an interrupted clone.
    if (QFileInfo::exists(temp) && !removePartialClone(temp))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("Cannot remove the leftover partial clone %1.").arg(temp),
            QStringLiteral("Delete that folder by hand, then sync again.")));
    if (!QDir().mkpath(QFileInfo(target).absolutePath()))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("Cannot create the folder %1.").arg(QFileInfo(target).absolutePath()),
            QStringLiteral("Check the permissions of its parent folder.")));

    git_clone_options opts;
    git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
    callbacks.install(opts.fetch_opts.callbacks);
    callbacks.installCheckout(opts.checkout_opts);
    // Decided from the user's configuration and the system, never by libgit2 (OperationProxy).
    const http::OperationProxy proxy(nullptr, QByteArrayLiteral("origin"), spec.url);
    if (!proxy.error().isEmpty())
        return AttemptOutcome::failed(http::proxyFailure(proxy));
    proxy.apply(opts.fetch_opts.proxy_opts);
    // The clone's pack is indexed on every core (docs/benchmarks.md).
    opts.repository_cb = [](git_repository **out, const char *path, int bare, void *payload) {
        int rc = git::createRepositoryWithParallelIndexer(out, path, bare, payload);
        if (rc == 0 && (rc = git::allowLongPaths(*out)) < 0) {
            git_repository_free(*out);
            *out = nullptr;
        }
        return rc;
    };
    const QByteArray branch = spec.branch.toUtf8();
    if (spec.mode == RepoMode::Mirror) {
        opts.bare = 1;
        opts.remote_cb = createMirrorRemote;
        opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
    } else if (!branch.isEmpty()) {
        opts.checkout_branch = branch.constData();
    }
    // Working copies: the files are written by one checkout per core
    // afterwards (libgit2's single checkout spends most of its time
    // resolving each file's path; docs/benchmarks.md).
    const bool ownCheckout = spec.mode != RepoMode::Mirror && git::parallelCheckoutAvailable();
    if (ownCheckout)
        opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;

    git_repository *raw = nullptr;
    int rc = git_clone(&raw, spec.url.toUtf8().constData(), QFile::encodeName(temp).constData(),
                       &opts);
    git::Repository repo(raw);
    if (rc < 0) {
        SyncError error = captureFailure(rc, &attempt, host);
        repo.reset();
        removePartialClone(temp);
        return AttemptOutcome::failed(error);
    }
    if (ownCheckout && (rc = git::checkoutInParallel(repo.get(), [&] {
                            return callbacks.checkoutShouldStop();
                        })) < 0) {
        SyncError error = captureFailure(rc, &attempt, host);
        repo.reset();
        removePartialClone(temp);
        return AttemptOutcome::failed(error);
    }
    if (spec.mode == RepoMode::Mirror && (rc = finishMirror(repo.get())) < 0) {
        SyncError error = captureFailure(rc, &attempt, host);
        repo.reset();
        removePartialClone(temp);
        return AttemptOutcome::failed(error);
    }
    repo.reset();
    callbacks.finish();

    // An empty directory at the target is what "clone here" looks like in a
    // file manager; anything else was refused before we got here.
    if (QFileInfo(target).isDir())
        QDir().rmdir(target);
    if (!QDir().rename(temp, target)) {
        removePartialClone(temp);
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("The clone finished but could not be moved to %1.").arg(target),
            QStringLiteral(
                "Check that nothing else created that folder meanwhile, then sync again.")));
    }
    AttemptOutcome out;
    out.outcome = Outcome::Cloned;
    out.bytes = callbacks.receivedBytes();
    return out;
}

} // namespace repodeck::core
