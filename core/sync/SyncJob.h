#pragma once

#include "retry/RetryPolicy.h"
#include "sync/AttemptOutcome.h"
#include "sync/TransferCallbacks.h"
#include "workspace/RepoSpec.h"

#include <memory>

namespace repodeck::core {

// One attempt at syncing one repository, run on a worker thread: take the
// repository's lock, recover from a crashed predecessor, then clone or fetch.
// Everything it needs arrives by value; everything it learns leaves by value.
class SyncJob
{
public:
    // `checkpoint`: fetch large histories in checkpointed steps this attempt.
    // `lostBefore`: what earlier attempts of this sync received before they
    // failed transiently (each plain attempt starts over).
    SyncJob(RepoSpec spec, RetryPolicy policy, std::shared_ptr<CancelToken> cancel,
            ProgressSink progress, bool checkpoint = false, qint64 linkBytesHint = 0,
            qint64 lostBefore = 0);

    AttemptOutcome run();

private:
    // What the target folder holds decides: nothing (or an empty folder) is
    // cloned, a repository fetched; clone() and fetch() take their locks.
    AttemptOutcome cloneOrFetch(AttemptContext &attempt, TransferCallbacks &callbacks);
    AttemptOutcome clone(AttemptContext &attempt, TransferCallbacks &callbacks);
    AttemptOutcome fetch(AttemptContext &attempt, TransferCallbacks &callbacks);

    RepoSpec m_spec;
    RetryPolicy m_policy;
    std::shared_ptr<CancelToken> m_cancel;
    ProgressSink m_progress;
    bool m_checkpoint = false;
    qint64 m_linkBytesHint = 0;
    qint64 m_lostBefore = 0;
};

} // namespace repodeck::core
