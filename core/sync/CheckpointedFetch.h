#pragma once

#include "net/http/ProxySettings.h"
#include "sync/AttemptOutcome.h"
#include "sync/CheckpointedHaves.h"
#include "sync/CheckpointedFetchPlan.h"
#include "sync/TransferCallbacks.h"

#include <QStringList>

#include <git2.h>

namespace repodeck::core {

// Git cannot resume a pack transfer, so over a link that drops every few
// minutes a large history may never arrive in one piece. This fetches it in
// steps that each persist objects and a ref: groups of advertised tags and
// branches (CheckpointUnit), each step as large as the link is known to
// carry. A step is asked for with a limit: the server announces how many
// objects it will send before sending them (the pack header), and a step
// announced above the limit is hung up at once and asked again smaller, so
// a step's size is known before its bytes are spent. Units that alone
// exceed what the link carries are left out and named, or, if the branch to
// check out needs them, the fetch fails once with a message that says so.
// Each retry continues after the last completed step; a final ordinary fetch
// then brings the refs, and the temporary step refs are deleted, so the
// result is what a plain fetch would have produced. Only standard server
// capabilities are used (plain wants of advertised refs).
class CheckpointedFetch
{
public:
    CheckpointedFetch(git_repository *repo, git_remote *remote, AttemptContext &attempt,
                      TransferCallbacks &callbacks, QString host);

    // `prune` for mirrors. Returns Updated/UpToDate (Failed with the progress
    // made in the hint when a step or the final fetch failed).
    AttemptOutcome run(bool prune, bool allTags);
    // The refspecs of the final, ordinary fetch (the remote may be an
    // in-memory one without refspecs of its own).
    void setFinalRefspecs(const QList<QByteArray> &specs) { m_finalSpecs = specs; }
    // A ref the result cannot do without besides the remote's default
    // branch (the branch a clone checks out), e.g. "refs/heads/dev".
    void setRequiredRef(const QByteArray &ref) { m_requiredRef = ref; }

    // "step 7 of 12, 41 MB kept"
    QString note() const;
    int stepsCompleted() const { return m_stepsDone; }
    bool hadSteps() const { return m_totalSteps > 1; }
    // Refs left out because no step small enough for the link could bring
    // them, with the reason ("" if none).
    QString leftOut() const { return m_leftOut; }

    // The remote's default branch ("refs/heads/main"), learnt while listing.
    QByteArray defaultBranch() const { return m_defaultBranch; }

    static const char *kStepRefPrefix; // "refs/repodeck-steps/", unless the server has refs there
    // Version-aware name order: v1.9 < v1.10 < v2.0.
    static bool naturalLess(const QString &a, const QString &b)
    {
        return checkpoint::naturalLess(a, b);
    }
    static qint64 packBytesOnDisk(git_repository *repo);
    // Forgets what the steps learnt (after the fetch completed).
    static int clearState(git_repository *repo) { return CheckpointState::clear(repo); }

    struct StepStats
    {
        qint64 totalObjects = 0; // announced by the pack header (0: no pack began)
        qint64 receivedObjects = 0;
        qint64 receivedBytes = 0; // pack bytes
        bool overLimit = false;   // hung up: the server announced more than the limit
    };

private:
    enum class Step { Done, OverLimit, Failed };

    int listUnits(QList<CheckpointUnit> *units, bool allRefs);
    Step fetchStep(const QList<CheckpointUnit> &units, qint64 limit, StepStats *stats, int *rc);
    // `last`: no other unit is left to try before this one.
    AttemptOutcome stepFailed(int rc, const QList<CheckpointUnit> &units, const StepStats &stats,
                              bool last);
    AttemptOutcome tooBigFailure(const CheckpointUnit &unit,
                                 const CheckpointState::TooBig &t) const;
    AttemptOutcome behindTooBigFailure(const CheckpointUnit &unit, const CheckpointUnit &tooBig,
                                       const CheckpointState::TooBig &t) const;
    // The state could not be written (libgit2's error `rc`, read at once):
    // a local failure naming the folder, never a silent loss of progress.
    AttemptOutcome stateNotSaved(int rc) const;
    void setLeftOut(const QStringList &leftOut);
    void dropPresent(QList<CheckpointUnit> *units) const;
    QList<QByteArray> finalRefspecs(const QList<CheckpointUnit> &skipped) const;
    AttemptOutcome finalFetch(bool prune, bool allTags, const QList<CheckpointUnit> &skipped);
    void deleteStepRefs();
    void arrangeHaves();

    git_repository *m_repo;
    git_remote *m_remote;
    AttemptContext &m_attempt;
    TransferCallbacks &m_callbacks;
    QString m_host;
    http::OperationProxy m_proxy;
    CheckpointState m_state;
    int m_stepsDone = 0;
    int m_totalSteps = 0;
    qint64 m_kept = 0;
    QByteArray m_defaultBranch;
    QList<QByteArray> m_finalSpecs;
    QByteArray m_requiredRef;
    QList<QByteArray> m_advertised; // every advertised ref name
    QByteArray m_stepPrefix = kStepRefPrefix;
    QString m_leftOut;
    CheckpointHaves m_haves;
};

} // namespace repodeck::core
