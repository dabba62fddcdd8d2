#pragma once

#include "retry/AttemptContext.h"
#include "retry/SyncError.h"

#include <QString>

namespace repodeck::core {

// Reads the thread's last libgit2 error right after a negative return (it is
// per thread and stale otherwise) together with what the attempt observed,
// and classifies it (retry/ErrorClassifier.h).
SyncError captureFailure(int code, const AttemptContext *attempt, const QString &host);

} // namespace repodeck::core
