#pragma once

#include "retry/RetryPolicy.h"
#include "sync/AttemptOutcome.h"
#include "sync/TransferCallbacks.h"
#include "workspace/RepoSpec.h"

#include <QString>

namespace repodeck::core {

// True when the tree checked out in `workTree` tracks files with Git LFS: a
// .gitattributes in the index says filter=lfs. Cheap: reads the index and
// those few blobs, never the files themselves.
bool repositoryUsesLfs(const QString &workTree);

// The file in the git directory that says an LFS step is still owed (it
// holds the outcome the sync reports once the content is there: "cloned" or
// "updated"). It survives a failed attempt, so the next one, which finds the
// commits already fetched, still brings the files in.
QString lfsPendingMarker(const QString &gitDir);

// The last step of an attempt on a repository that uses Git LFS. libgit2
// runs no filters, so after its checkout the LFS files are pointer files;
// this runs the user's own git-lfs as a child process in the repository's
// folder (`git-lfs pull`, or `git-lfs fetch --all` for a mirror whose policy
// asks for it), which reads the user's configuration, .lfsconfig, lfs.url,
// credentials and transfer adapters, writes the files as git would, refreshes
// the index and leaves locally modified files alone. The child is part of the
// attempt: killed on cancel, on the attempt limit and when neither its
// progress nor its output moves for the stall limit. Its failures are
// classified like any other (classifyLfsFailure) and retried by the policy;
// git-lfs keeps finished objects, so a retry downloads only what is missing.
class LfsStep
{
public:
    LfsStep(const RepoSpec &spec, const RetryPolicy &policy, AttemptContext &attempt,
            TransferCallbacks &callbacks);

    // `fromGit` is what the clone or fetch ended with; the result is what
    // the attempt ends with (unchanged when no LFS work is owed).
    AttemptOutcome finish(AttemptOutcome fromGit);

private:
    bool ensureFilters(const QString &git, const QString &lfs);
    AttemptOutcome runChild(const QString &program, const QStringList &args, const QString &gitDir);

    const RepoSpec &m_spec;
    const RetryPolicy &m_policy;
    AttemptContext &m_attempt;
    TransferCallbacks &m_callbacks;
    quint64 m_bytes = 0;
};

// git-lfs's output with any user:password@ in URLs removed.
QString redactLfsOutput(const QString &text);

} // namespace repodeck::core
