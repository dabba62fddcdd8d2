#include "retry/FailureCapture.h"

#include "retry/ErrorClassifier.h"
#include "util/Duration.h"
#include "util/RemoteUrl.h"

#include <git2.h>

namespace repodeck::core {

SyncError captureFailure(int code, const AttemptContext *attempt, const QString &host)
{
    FailureInput in;
    in.gitCode = code;
    if (const git_error *e = git_error_last()) {
        in.gitClass = e->klass;
        in.gitMessage = withoutControlCharacters(
            redactUrlsInText(QString::fromUtf8(e->message).trimmed()));
    }
    in.host = host;
    if (attempt) {
        in.streamFault = attempt->fault();
        in.timeoutText = humanDuration(attempt->faultLimit());
        in.httpStatus = attempt->httpStatus() >= 400 ? attempt->httpStatus() : 0;
        in.retryAfter = attempt->retryAfter();
        // A cancel that libgit2 saw through a callback has no stream fault.
        if (in.streamFault == StreamFault::None && attempt->isCancelled())
            in.streamFault = StreamFault::Cancelled;
    }
    SyncError error = classifyFailure(in);
    if (attempt && error.category == ErrorCategory::Tls)
        error.peerCertificate = attempt->peerCertificate();
    return error;
}

} // namespace repodeck::core
