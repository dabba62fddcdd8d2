#pragma once

#include "retry/SyncError.h"

namespace repodeck::core {

// The one place that decides what a failure means. Pure: the same input
// always gives the same category, transient flag and advice.
SyncError classifyFailure(const FailureInput &input);

// What to do once RepoDeck has stopped retrying a transient failure (the
// classifier's own hint says RepoDeck will retry, which is no longer true).
QString hintAfterGivingUp(ErrorCategory category);

// A failed `git lfs pull`/`git lfs fetch`: what git-lfs printed (already
// free of credentials), or the stream fault RepoDeck itself recorded while
// watching the child (stall, attempt limit, cancel), which wins.
// Network, timeouts, 5xx and 429 are transient; authentication, a missing
// object and an exhausted quota are not.
SyncError classifyLfsFailure(const QString &output, StreamFault fault, const QString &host,
                             const QString &timeoutText);

// "unexpected http status code: 503" -> 503; 0 when the text has no status.
int httpStatusFromMessage(const QString &message);

} // namespace repodeck::core
