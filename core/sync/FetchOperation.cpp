#include "sync/FetchOperation.h"

#include "git/CheckoutPlan.h"

#include "git/GitHandles.h"
#include "git/InterruptibleCheckout.h"
#include "git/ParallelIndexer.h"
#include "git/RemoteConfig.h"
#include "net/http/ProxySettings.h"
#include "retry/FailureCapture.h"
#include "sync/CheckpointedFetch.h"
#include "util/RemoteUrl.h"

#include <QFile>
#include <QStringList>

namespace repodeck::core {

namespace {

AttemptOutcome leftAlone(const char *reason, const QString &detail)
{
    AttemptOutcome o;
    o.outcome = Outcome::FetchedOnly;
    o.reason = QLatin1String(reason);
    o.detail = detail;
    return o;
}

AttemptOutcome localFailure(int rc, const QString &what)
{
    SyncError e = captureFailure(rc, nullptr, {});
    e.message = what + QStringLiteral(": ") + e.message;
    return AttemptOutcome::failed(e);
}

QString shortName(git_reference *ref)
{
    return QString::fromUtf8(git_reference_shorthand(ref));
}

// Tracked changes in the index or the work tree, at most a few names.
QStringList dirtyPaths(git_repository *repo, int *total)
{
    git_status_options opts;
    git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list *raw = nullptr;
    *total = 0;
    QStringList names;
    if (git_status_list_new(&raw, repo, &opts) < 0) {
        *total = -1;
        return names;
    }
    git::StatusList list(raw);
    const size_t count = git_status_list_entrycount(list.get());
    for (size_t i = 0; i < count; ++i) {
        const git_status_entry *e = git_status_byindex(list.get(), i);
        if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
            continue;
        ++*total;
        if (names.size() < 3) {
            const git_diff_delta *d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
            if (d)
                names << QString::fromUtf8(d->new_file.path);
        }
    }
    return names;
}

QString describeDirty(int total, const QStringList &names)
{
    QString list = names.join(QStringLiteral(", "));
    if (total > names.size())
        list += QStringLiteral(" and %1 more").arg(total - names.size());
    return QStringLiteral(
               "Local changes in %1 file(s) (%2) were kept; the branch was not updated. "
               "Commit or stash your changes, then sync again.")
        .arg(total)
        .arg(list);
}

QString configuredWorktree(git_repository *repo)
{
    git_config *raw = nullptr;
    if (git_repository_config_snapshot(&raw, repo) < 0) {
        git_error_clear();
        return {};
    }
    git::Config config(raw);
    git_buf buf = GIT_BUF_INIT;
    QString value;
    if (git_config_get_string_buf(&buf, config.get(), "core.worktree") == 0)
        value = QString::fromUtf8(buf.ptr, static_cast<qsizetype>(buf.size));
    git_buf_dispose(&buf);
    git_error_clear();
    return value;
}

// Checks out `to` (SAFE, stoppable) and moves `head` there, with a record
// of the update in the git folder until the branch has moved.
AttemptOutcome checkoutAndMove(git_repository *repo, git_reference *head, const git_oid &to,
                               const QString &up, const CheckoutStop &stop)
{
    git_object *rawTarget = nullptr;
    int rc = git_object_lookup(&rawTarget, repo, &to, GIT_OBJECT_COMMIT);
    if (rc < 0)
        return localFailure(rc, QStringLiteral("Cannot read %1").arg(up));
    git::Object target(rawTarget);
    // The server's new tree is held to the rules and limits of a clone's
    // checkout before anything in the work tree changes.
    if ((rc = git::checkTreeBeforeCheckout(repo, target.get())) < 0)
        return localFailure(rc, QStringLiteral("Not updating the work tree to %1").arg(up));
    if (const QStringList inTheWay = git::untrackedInTheWay(repo, target.get());
        !inTheWay.isEmpty())
        return leftAlone(
            reason::Dirty,
            QStringLiteral(
                "%1 would replace a folder with a file, but the folder holds files git does "
                "not track (%2); nothing was changed. Move them, then sync again.")
                .arg(up, inTheWay.join(QStringLiteral(", "))));
    const git_oid *from = git_reference_target(head);
    if (!from || !git::recordFastForward(repo, *from, to))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("Cannot write %1repodeck-fast-forward; the work tree was not updated.")
                .arg(QFile::decodeName(git_repository_path(repo))),
            QStringLiteral(
                "Check that the repository's .git folder is writable and the disk is not full.")));

    // SAFE checkout refuses to overwrite anything it did not write itself
    // (untracked files in the way, changes made since the status check).
    bool stopped = false;
    rc = git::checkoutUnlessStopped(repo, target.get(), stop.shouldStop, &stopped);
    if (stopped)
        return AttemptOutcome::failed(captureFailure(rc, stop.attempt, stop.host));
    if (rc == GIT_ECONFLICT || rc == GIT_EMERGECONFLICT) {
        const git_error *e = git_error_last();
        const QString what = e ? QString::fromUtf8(e->message) : QStringLiteral("conflict");
        git::forgetFastForward(repo); // nothing was written
        return leftAlone(
            reason::Dirty,
            QStringLiteral("Files in the work tree would be overwritten (%1); nothing was changed. "
                           "Move or commit them, then sync again.")
                .arg(what));
    }
    if (rc < 0)
        return localFailure(rc, QStringLiteral("Cannot update the work tree"));

    git_reference *rawMoved = nullptr;
    const QByteArray message = QStringLiteral("repodeck: fast-forward to %1").arg(up).toUtf8();
    rc = git_reference_set_target(&rawMoved, head, &to, message.constData());
    git::Reference moved(rawMoved);
    if (rc < 0)
        return localFailure(rc, QStringLiteral("Cannot move %1").arg(shortName(head)));
    git::forgetFastForward(repo);
    AttemptOutcome updated;
    updated.outcome = Outcome::Updated;
    return updated;
}

} // namespace

AttemptOutcome fastForwardIfSafe(git_repository *repo, bool fetchChangedRefs,
                                 const CheckoutStop &stop)
{
    AttemptOutcome upToDate;
    upToDate.outcome = fetchChangedRefs ? Outcome::Updated : Outcome::UpToDate;

    if (git_repository_is_bare(repo))
        return upToDate;
    // core.worktree makes checkouts write somewhere else than the
    // repository's folder (found in review: an imported repository whose
    // config pointed at the user's home got new files written there).
    // RepoDeck only ever updates the files in the folder it was given.
    if (const QString elsewhere = configuredWorktree(repo); !elsewhere.isEmpty())
        return leftAlone(
            reason::ForeignWorktree,
            QStringLiteral(
                "The repository's core.worktree points at %1, outside its own folder, so no "
                "files were updated. Remove core.worktree from its configuration (git config "
                "--unset core.worktree) to let RepoDeck update it.")
                .arg(elsewhere));
    if (git_repository_head_detached(repo) == 1)
        return leftAlone(
            reason::Detached,
            QStringLiteral(
                "HEAD is detached, so no branch was updated. Check out a branch to follow its upstream."));

    git_reference *rawHead = nullptr;
    int rc = git_repository_head(&rawHead, repo);
    if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND)
        return leftAlone(reason::NoUpstream,
                         QStringLiteral(
                             "The current branch has no commits yet; nothing was checked out."));
    if (rc < 0)
        return localFailure(rc, QStringLiteral("Cannot read HEAD"));
    git::Reference head(rawHead);

    // Not git_branch_upstream: see git/RemoteConfig.h (a libgit2 1.5.1 leak).
    const QByteArray upstreamName = git::upstreamRefOf(repo,
                                                       QByteArray(git_reference_name(head.get())));
    git_reference *rawUp = nullptr;
    rc = upstreamName.isEmpty() ? GIT_ENOTFOUND
                                : git_reference_lookup(&rawUp, repo, upstreamName.constData());
    if (rc == GIT_ENOTFOUND)
        return leftAlone(reason::NoUpstream,
                         QStringLiteral("%1 has no upstream branch; fetched only. Set one with "
                                        "`git branch --set-upstream-to`.")
                             .arg(shortName(head.get())));
    if (rc < 0)
        return localFailure(
            rc, QStringLiteral("Cannot read the upstream of %1").arg(shortName(head.get())));
    git::Reference upstream(rawUp);

    // A fast-forward an earlier attempt stopped in its checkout: finished
    // first, when the work tree differs from HEAD only by what it wrote.
    git_oid from, to;
    if (git::readFastForward(repo, &from, &to)) {
        const git_oid *at = git_reference_target(head.get());
        if (!at || !git_oid_equal(at, &from) || git_graph_descendant_of(repo, &to, &from) != 1) {
            git_error_clear();
            git::forgetFastForward(repo); // the branch moved since: not an update to finish
        } else if (git_repository_state(repo) == GIT_REPOSITORY_STATE_NONE) {
            bool explained = false;
            QStringList names;
            int total = 0;
            if ((rc = git::settleStoppedFastForward(repo, from, to, &explained, &names, &total))
                < 0)
                return localFailure(rc, QStringLiteral("Cannot read the work tree"));
            if (!explained)
                return leftAlone(
                    reason::Dirty,
                    describeDirty(total, names)
                        + QStringLiteral(
                              " An earlier sync stopped while updating the files of %1; the "
                              "files it had already updated were kept as they are.")
                              .arg(shortName(head.get())));
            AttemptOutcome finished = checkoutAndMove(repo, head.get(), to,
                                                      shortName(upstream.get()), stop);
            if (finished.outcome != Outcome::Updated)
                return finished;
            AttemptOutcome next = fastForwardIfSafe(repo, true,
                                                    stop); // on to the upstream, if it moved again
            if (next.outcome == Outcome::Updated && next.detail.isEmpty())
                next.detail = QStringLiteral(
                                  "Finished updating %1, which an earlier sync had stopped part way.")
                                  .arg(shortName(head.get()));
            return next;
        }
    }

    const git_oid *local = git_reference_target(head.get());
    const git_oid *remote = git_reference_target(upstream.get());
    if (!local || !remote || git_oid_equal(local, remote))
        return upToDate;

    size_t ahead = 0, behind = 0;
    if ((rc = git_graph_ahead_behind(&ahead, &behind, repo, local, remote)) < 0)
        return localFailure(
            rc, QStringLiteral("Cannot compare %1 with its upstream").arg(shortName(head.get())));
    const QString branch = shortName(head.get());
    const QString up = shortName(upstream.get());
    if (behind == 0) {
        AttemptOutcome o = leftAlone(
            reason::Ahead,
            QStringLiteral("%1 has %2 commit(s) that are not on %3; push them when ready.")
                .arg(branch)
                .arg(ahead)
                .arg(up));
        return o;
    }
    if (ahead > 0)
        return leftAlone(
            reason::Diverged,
            QStringLiteral(
                "%1 and %2 have diverged (%3 local, %4 new upstream commits); nothing was "
                "merged. Merge or rebase when you are ready.")
                .arg(branch, up)
                .arg(ahead)
                .arg(behind));

    if (git_repository_state(repo) != GIT_REPOSITORY_STATE_NONE)
        return leftAlone(
            reason::Dirty,
            QStringLiteral(
                "A merge, rebase or similar operation is in progress; nothing was touched. "
                "Finish or abort it, then sync again."));
    int total = 0;
    const QStringList names = dirtyPaths(repo, &total);
    if (total < 0)
        return localFailure(-1, QStringLiteral("Cannot read the status of the work tree"));
    if (total > 0)
        return leftAlone(reason::Dirty, describeDirty(total, names));

    AttemptOutcome updated = checkoutAndMove(repo, head.get(), *remote, up, stop);
    if (updated.outcome != Outcome::Updated)
        return updated;
    updated.detail = QStringLiteral("%1 fast-forwarded by %2 commit(s).").arg(branch).arg(behind);
    return updated;
}

AttemptOutcome fetchRepository(git_repository *repo, const RepoSpec &spec, AttemptContext &attempt,
                               TransferCallbacks &callbacks, bool checkpointed)
{
    const RemoteUrl wanted = RemoteUrl::parse(spec.url);
    // Read origin from the config and fetch through an in-memory remote
    // built from it (not git_remote_lookup: see git/RemoteConfig.h).
    const git::RemoteConfig origin = git::RemoteConfig::read(repo, QStringLiteral("origin"));
    if (!origin.found)
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("%1 has no remote named \"origin\".").arg(spec.path),
            QStringLiteral("Add it with `git remote add origin %1`.").arg(wanted.redacted())));
    const RemoteUrl actual = RemoteUrl::parse(origin.url);
    if (actual.redacted() != wanted.redacted())
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("origin of %1 points at %2, but the workspace says %3.")
                .arg(spec.path, actual.redacted(), wanted.redacted()),
            QStringLiteral(
                "Change one of them so they agree (`git remote set-url origin ...` or edit the repository in RepoDeck).")));
    // Every received pack goes to our indexer, never libgit2's (which loops
    // forever on a hostile thin pack, within no limit: issue 14).
    int rc = git::installParallelIndexer(repo);
    if (rc < 0)
        return localFailure(rc, QStringLiteral("Cannot prepare the pack indexer"));
    git::Remote remote;
    rc = origin.createRemote(repo, &remote);
    if (rc < 0)
        return localFailure(rc, QStringLiteral("Cannot read the remote \"origin\""));

    const bool mirror = spec.mode == RepoMode::Mirror;
    QList<QByteArray> specs = origin.fetchSpecs;
    if (specs.isEmpty())
        specs << (mirror ? QByteArrayLiteral("+refs/*:refs/*")
                         : QByteArrayLiteral("+refs/heads/*:refs/remotes/origin/*"));
    if (checkpointed) {
        CheckpointedFetch stepwise(repo, remote.get(), attempt, callbacks, wanted.host());
        stepwise.setFinalRefspecs(specs);
        AttemptOutcome fetched = stepwise.run(mirror || origin.prune == 1,
                                              mirror || origin.tagOpt == QLatin1String("--tags"));
        if (fetched.outcome == Outcome::Failed || fetched.outcome == Outcome::Cancelled)
            return fetched;
    } else {
        git_fetch_options opts;
        git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
        callbacks.install(opts.callbacks);
        // The repository's own configuration may not choose a proxy (OperationProxy).
        const http::OperationProxy proxy(repo, QByteArrayLiteral("origin"), origin.url);
        if (!proxy.error().isEmpty())
            return AttemptOutcome::failed(http::proxyFailure(proxy));
        proxy.apply(opts.proxy_opts);
        opts.prune = (mirror || origin.prune == 1) ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE;
        if (mirror || origin.tagOpt == QLatin1String("--tags"))
            opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
        else if (origin.tagOpt == QLatin1String("--no-tags"))
            opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
        QList<char *> pointers;
        for (QByteArray &s : specs)
            pointers << s.data();
        git_strarray array{pointers.data(), static_cast<size_t>(pointers.size())};
        rc = git_remote_fetch(remote.get(), &array, &opts, "repodeck: fetch");
        if (rc < 0)
            return AttemptOutcome::failed(captureFailure(rc, &attempt, wanted.host()));
    }
    callbacks.finish();

    if (mirror) {
        git_reference *ref = nullptr;
        if (git_reference_lookup(&ref, repo, "refs/remotes/origin/HEAD") == 0) {
            git::Reference owned(ref);
            git_reference_delete(owned.get());
        }
        AttemptOutcome o;
        o.outcome = callbacks.updatedRefs() > 0 ? Outcome::Updated : Outcome::UpToDate;
        return o;
    }
    CheckoutStop stop;
    stop.shouldStop = [&callbacks] { return callbacks.checkoutShouldStop(); };
    stop.attempt = &attempt;
    stop.host = wanted.host();
    return fastForwardIfSafe(repo, callbacks.updatedRefs() > 0, stop);
}

} // namespace repodeck::core
