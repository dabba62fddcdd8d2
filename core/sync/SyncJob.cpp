#include "sync/SyncJob.h"

#include "auth/CredentialBroker.h"
#include "git/GitHandles.h"
#include "retry/FailureCapture.h"
#include "sync/CheckpointedClone.h"
#include "sync/CloneOperation.h"
#include "sync/CrashRecovery.h"
#include "sync/FetchOperation.h"
#include "sync/LfsStep.h"
#include "sync/RepoLock.h"
#include "util/RemoteUrl.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <spdlog/spdlog.h>

namespace repodeck::core {

namespace {

enum class TargetState { Missing, EmptyDir, Repository, NotARepository, NotADirectory };

TargetState inspectTarget(const QString &path, git::Repository *repoOut)
{
    const QFileInfo info(path);
    if (!info.exists())
        return TargetState::Missing;
    if (!info.isDir())
        return TargetState::NotADirectory;
    if (QDir(path).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return TargetState::EmptyDir;
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, QFile::encodeName(path).constData(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr)
        == 0) {
        repoOut->reset(raw);
        return TargetState::Repository;
    }
    return TargetState::NotARepository;
}

AttemptOutcome busy(const RepoLock &lock)
{
    AttemptOutcome o;
    o.busy = true;
    o.busyDetail = lock.detail();
    return o;
}

AttemptOutcome lockError(const RepoLock &lock)
{
    return AttemptOutcome::failed(SyncError::local(
        QStringLiteral("Cannot take RepoDeck's lock on the repository: %1.").arg(lock.detail()),
        lock.hint().isEmpty() ? QStringLiteral("Check that the folder is writable by you.")
                              : lock.hint()));
}

} // namespace

namespace {
// Less than this lost to transient failures is not worth checkpointing.
constexpr qint64 kCheckpointAfterBytes = 1024 * 1024;
// An attempt that failed before this much arrived says nothing about the
// link dropping partway (the checkpoint planner's kCutEvidenceBytes).
constexpr qint64 kCheckpointEvidenceBytes = 64 * 1024;
} // namespace

SyncJob::SyncJob(RepoSpec spec, RetryPolicy policy, std::shared_ptr<CancelToken> cancel,
                 ProgressSink progress, bool checkpoint, qint64 linkBytesHint, qint64 lostBefore)
    : m_spec(std::move(spec))
    , m_policy(std::move(policy))
    , m_cancel(std::move(cancel))
    , m_progress(std::move(progress))
    , m_checkpoint(checkpoint && m_policy.checkpoint != Checkpoint::Never)
    , m_linkBytesHint(linkBytesHint)
    , m_lostBefore(lostBefore)
{
}

AttemptOutcome SyncJob::run()
{
    AttemptContext attempt(m_policy.connectTimeout, m_policy.stallTimeout, m_policy.attemptTimeout,
                           m_cancel);
    AttemptScope scope(&attempt);
    TransferCallbacks callbacks(&attempt, m_progress);
    CredentialBroker credentials(defaultCredentialSources());
    callbacks.setCredentialBroker(&credentials);
    if (attempt.isCancelled()) {
        SyncError cancelled;
        cancelled.category = ErrorCategory::Cancelled;
        cancelled.message = QStringLiteral("Cancelled.");
        return AttemptOutcome::failed(cancelled);
    }
    // The workspace checks URLs when it loads, but a spec can come from
    // elsewhere (tests, a future API): nothing unchecked reaches a transport.
    if (const RemoteUrl url = RemoteUrl::parse(m_spec.url); !url.isValid())
        return AttemptOutcome::failed(SyncError::local(
            url.error(),
            QStringLiteral("Correct the repository's URL (remove it and add it again).")));
    AttemptOutcome out = cloneOrFetch(attempt, callbacks);
    out.bytes = std::max(out.bytes, attempt.bytesReceived());
    out.httpVersion = attempt.httpVersion();
    const bool ok = out.outcome != Outcome::Failed && out.outcome != Outcome::Cancelled
                    && !out.busy;
    credentials.report(ok, out.error.category == ErrorCategory::Auth);
    if (out.error.category == ErrorCategory::Auth && !credentials.triedSources().isEmpty())
        out.error.hint = QStringLiteral(
                             "No stored credential was accepted (asked: %1). Sign in (the desktop app "
                             "asks once per host; repodeck-cli with --interactive), or store a token in "
                             "the keychain or with git's credential helper.")
                             .arg(credentials.triedSources().join(QStringLiteral(", ")));
    // Counted over the sync's attempts: a link that drops before 1 MiB
    // every time (or a client slow to read, whose unread bytes the reset
    // throws away) never had one attempt that big, and plain attempts
    // resent the same start until they ran out.
    out.suggestCheckpoint = !m_checkpoint && m_policy.checkpoint == Checkpoint::Auto
                            && out.outcome == Outcome::Failed && out.error.transient
                            && out.bytes >= kCheckpointEvidenceBytes
                            && out.bytes + m_lostBefore >= kCheckpointAfterBytes;
    return out;
}

AttemptOutcome SyncJob::cloneOrFetch(AttemptContext &attempt, TransferCallbacks &callbacks)
{
    git::Repository repo;
    switch (inspectTarget(m_spec.path, &repo)) {
    case TargetState::Missing:
    case TargetState::EmptyDir: return clone(attempt, callbacks);
    case TargetState::Repository:
        repo.reset(); // reopened under the lock
        return fetch(attempt, callbacks);
    case TargetState::NotARepository:
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("%1 exists and is not a git repository; nothing was changed.")
                .arg(m_spec.path),
            QStringLiteral("Choose an empty or new folder for %1, or move that folder away.")
                .arg(m_spec.name)));
    case TargetState::NotADirectory:
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("%1 is a file, not a folder; nothing was changed.").arg(m_spec.path),
            QStringLiteral("Choose another destination for %1.").arg(m_spec.name)));
    }
    return {};
}

AttemptOutcome SyncJob::clone(AttemptContext &attempt, TransferCallbacks &callbacks)
{
    // The lock lives beside the target, so its parent must exist first.
    const QString parent = QFileInfo(QDir::cleanPath(m_spec.path)).absolutePath();
    if (!QDir().mkpath(parent))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("Cannot create the folder %1.").arg(parent),
            QStringLiteral(
                "Check the permissions of its parent folder, or choose another destination.")));
    RepoLock lock;
    switch (lock.tryAcquire(RepoLock::lockPathForClone(m_spec.path))) {
    case RepoLock::State::Busy: return busy(lock);
    case RepoLock::State::Error: return lockError(lock);
    case RepoLock::State::Acquired: break;
    }
    if (lock.previousOwnerDied())
        spdlog::info("{}: a previous clone was interrupted; starting it again",
                     m_spec.name.toStdString());
    // Another process may have finished the clone while we waited for the lock.
    git::Repository repo;
    const TargetState state = inspectTarget(m_spec.path, &repo);
    if (state == TargetState::Repository) {
        lock.release();
        repo.reset();
        return fetch(attempt, callbacks);
    }
    if (state != TargetState::Missing && state != TargetState::EmptyDir)
        return cloneOrFetch(attempt, callbacks);
    const bool resume = isCheckpointInProgress(partialClonePath(m_spec.path), m_spec.url);
    AttemptOutcome out = (m_checkpoint || resume) && m_policy.checkpoint != Checkpoint::Never
                             ? checkpointedClone(m_spec, attempt, callbacks, m_linkBytesHint)
                             : cloneRepository(m_spec, attempt, callbacks);
    // Git LFS files: content, not pointers, before the clone counts as done.
    out = LfsStep(m_spec, m_policy, attempt, callbacks).finish(std::move(out));
    lock.release();
    return out;
}

AttemptOutcome SyncJob::fetch(AttemptContext &attempt, TransferCallbacks &callbacks)
{
    git::Repository repo;
    git_repository *raw = nullptr;
    int rc = git_repository_open_ext(&raw, QFile::encodeName(m_spec.path).constData(),
                                     GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
    repo.reset(raw);
    if (rc < 0) {
        SyncError e = captureFailure(rc, nullptr, {});
        e.message = QStringLiteral("Cannot open %1: %2").arg(m_spec.path, e.message);
        return AttemptOutcome::failed(e);
    }
    const QString gitDir = QFile::decodeName(git_repository_path(repo.get()));
    if (m_spec.mode == RepoMode::Mirror && !git_repository_is_bare(repo.get()))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("%1 is a working copy, but %2 is configured as a mirror.")
                .arg(m_spec.path, m_spec.name),
            QStringLiteral(
                "Point the mirror at a new folder, or change its mode to working copy.")));

    RepoLock lock;
    switch (lock.tryAcquire(RepoLock::lockPathForGitDir(gitDir))) {
    case RepoLock::State::Busy: return busy(lock);
    case RepoLock::State::Error: return lockError(lock);
    case RepoLock::State::Acquired: break;
    }
    if (lock.previousOwnerDied()) {
        const QStringList removed = cleanAfterCrash(gitDir);
        spdlog::warn("{}: recovered from an interrupted sync; removed {} stale file(s): {}",
                     m_spec.name.toStdString(), removed.size(),
                     removed.join(QStringLiteral(", ")).toStdString());
    }
    // libgit2 caches refs and objects; reopen so the recovery is seen.
    if (lock.previousOwnerDied()) {
        repo.reset();
        raw = nullptr;
        if ((rc = git_repository_open_ext(&raw, QFile::encodeName(m_spec.path).constData(),
                                          GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr))
            < 0)
            return AttemptOutcome::failed(captureFailure(rc, nullptr, {}));
        repo.reset(raw);
    }
    AttemptOutcome out = fetchRepository(repo.get(), m_spec, attempt, callbacks, m_checkpoint);
    repo.reset();
    // Git LFS files of a fast-forward (or owed by an earlier attempt).
    return LfsStep(m_spec, m_policy, attempt, callbacks).finish(std::move(out));
}

} // namespace repodeck::core
