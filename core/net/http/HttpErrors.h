#pragma once

#include "net/http/HttpExchange.h"

#include <QString>

namespace repodeck::core::http {

// Turning what the Qt transport saw into what libgit2 callers and
// classifyFailure() read: git_error_set_str() with the class and text the
// classifier knows, the fault recorded in the attempt (its text may be
// rewritten on the way up, the fault is not), and the libgit2 return code.

// A wait that ended before the awaited data (cancel, attempt, connect or
// stall limit). Returns -1.
int failWait(WaitResult result, const WaitLimits &limits, const QString &host);

// A request that ended below HTTP: no response at all, or a broken body.
int failNetwork(const HttpFailure &failure, const QString &host);

// A certificate that did not verify (and that nobody accepted).
int failCertificate(const HttpFailure &failure, const QString &host);

// Any status the protocol cannot go on with. Returns -1.
int failStatus(int status);

} // namespace repodeck::core::http
