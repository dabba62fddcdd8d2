#pragma once

#include "sync/SyncTypes.h"

namespace repodeck::core {

// What one attempt ended with, before the scheduler decides what comes next.
struct AttemptOutcome
{
    Outcome outcome = Outcome::None;
    QString reason;  // FetchedOnly only
    QString detail;  // for people
    SyncError error; // Failed only
    qint64 bytes = 0;
    QString httpVersion; // AttemptContext::httpVersion()
    bool busy = false;   // another operation holds the repository; try again soon
    QString busyDetail;
    // A transient failure after much data arrived: later attempts should
    // fetch in checkpointed steps (policy checkpoint = auto).
    bool suggestCheckpoint = false;

    static AttemptOutcome failed(SyncError e)
    {
        AttemptOutcome o;
        o.outcome = e.category == ErrorCategory::Cancelled ? Outcome::Cancelled : Outcome::Failed;
        o.error = std::move(e);
        return o;
    }
};

} // namespace repodeck::core
