#pragma once

#include "sync/AttemptOutcome.h"
#include "sync/TransferCallbacks.h"

#include <QStringList>

#include <git2.h>

namespace repodeck::core {

// Git cannot resume a pack transfer, so over a link that drops every few
// minutes a large history may never arrive in one piece. This fetches it in
// steps that each persist objects and a ref: the remote's tags, oldest name
// first, in strides sized from what the link managed before it dropped. Each
// retry continues after the last completed step; a final ordinary fetch then
// brings the rest, and the temporary step refs are deleted, so the result is
// what a plain fetch would have produced. Only standard server capabilities
// are used (ls-refs and plain wants of advertised refs).
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

    // "step 7 of 12, 41 MB kept"
    QString note() const;
    int stepsCompleted() const { return m_stepsDone; }
    bool hadSteps() const { return m_totalSteps > 1; }

    // The remote's default branch ("refs/heads/main"), learnt while listing.
    QByteArray defaultBranch() const { return m_defaultBranch; }

    static const char *kStepRefPrefix; // "refs/repodeck-steps/"
    // Version-aware name order: v1.9 < v1.10 < v2.0.
    static bool naturalLess(const QString &a, const QString &b);
    static qint64 packBytesOnDisk(git_repository *repo);

private:
    struct Tag
    {
        QString name;
        git_oid oid;
    };

    int listMissingTags(QList<Tag> *missing, int *present);
    int fetchRefspec(const QByteArray &refspec);
    void rememberStepBytes(qint64 received);
    qint64 targetStepBytes() const;
    void deleteStepRefs();

    git_repository *m_repo;
    git_remote *m_remote;
    AttemptContext &m_attempt;
    TransferCallbacks &m_callbacks;
    QString m_host;
    int m_stepsDone = 0;
    int m_totalSteps = 0;
    qint64 m_kept = 0;
    QByteArray m_defaultBranch;
    QList<QByteArray> m_finalSpecs;
};

} // namespace repodeck::core
