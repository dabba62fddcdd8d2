#pragma once

#include "retry/ErrorCategory.h"
#include "util/Duration.h"

#include <QByteArray>
#include <QString>

namespace repodeck::core {

// What the network layer saw on its own, independent of libgit2's message
// (mbedTLS overwrites a stream's error text, so this is the reliable source).
enum class StreamFault {
    None,
    ConnectTimeout, // DNS or TCP connect took longer than the connect timeout
    StallTimeout,   // no byte received for the stall timeout
    AttemptTimeout, // the whole attempt ran out of time
    Cancelled,      // the user or a signal cancelled the attempt
    Reset,          // the peer reset or broke the connection
    Resolve,        // the host name could not be resolved
    Refused,        // nothing listens on that port
};

// Everything known about one failure, captured on the failing thread.
struct FailureInput
{
    int gitClass = 0;      // git_error_t
    int gitCode = 0;       // GIT_E* return code
    QString gitMessage;    // git_error_last()->message at the failing call
    int httpStatus = 0;    // when a transport knows it exactly
    Millis retryAfter{-1}; // the server's Retry-After, when known
    StreamFault streamFault = StreamFault::None;
    QString host;        // for messages; never contains credentials
    QString timeoutText; // e.g. "30 s", the limit that was hit
};

// A classified failure: what happened and what the user can do about it.
struct SyncError
{
    ErrorCategory category = ErrorCategory::None;
    bool transient = false;
    int gitClass = 0;
    int gitCode = 0;
    int httpStatus = 0;
    Millis retryAfter{-1};      // server-requested minimum delay (HTTP Retry-After); -1 = none
    QString message;            // what happened, one sentence
    QString hint;               // what to do, one sentence
    QByteArray peerCertificate; // tls: the certificate (DER) the server presented, for pinning

    bool isError() const { return category != ErrorCategory::None; }
    QString text() const;

    static SyncError local(const QString &message, const QString &hint);
};

} // namespace repodeck::core
