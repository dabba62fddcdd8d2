#pragma once

#include "retry/SyncError.h"

namespace repodeck::core {

// The one place that decides what a failure means. Pure: the same input
// always gives the same category, transient flag and advice.
SyncError classifyFailure(const FailureInput &input);

// What to do once RepoDeck has stopped retrying a transient failure (the
// classifier's own hint says RepoDeck will retry, which is no longer true).
QString hintAfterGivingUp(ErrorCategory category);

// "unexpected http status code: 503" -> 503; 0 when the text has no status.
int httpStatusFromMessage(const QString &message);

} // namespace repodeck::core
