#include "net/http/HttpErrors.h"

#include "retry/AttemptContext.h"
#include "util/Duration.h"

#include <QNetworkReply>

#include <git2.h>

namespace repodeck::core::http {

namespace {

int setError(int klass, const QString &text, int code = -1)
{
    git_error_set_str(klass, text.toUtf8().constData());
    return code;
}

void record(StreamFault fault, Millis limit = Millis(0))
{
    if (AttemptContext *attempt = AttemptContext::current())
        attempt->recordFault(fault, limit);
}

} // namespace

int failWait(WaitResult result, const WaitLimits &limits, const QString &host)
{
    switch (result) {
    case WaitResult::Cancelled: // the fault was recorded by checkInterrupted()
        return setError(GIT_ERROR_NET, QStringLiteral("request to %1 cancelled").arg(host));
    case WaitResult::AttemptTimeout:
        return setError(GIT_ERROR_NET,
                        QStringLiteral("request to %1: attempt timed out").arg(host));
    case WaitResult::ConnectTimeout:
        record(StreamFault::ConnectTimeout, limits.connect);
        return setError(GIT_ERROR_NET, QStringLiteral("timed out connecting to %1 (%2)")
                                           .arg(host, humanDuration(limits.connect)));
    case WaitResult::StallTimeout:
        record(StreamFault::StallTimeout, limits.stall);
        return setError(GIT_ERROR_NET, QStringLiteral("no data received from %1 for %2")
                                           .arg(host, humanDuration(limits.stall)));
    case WaitResult::Ready: break;
    }
    return setError(GIT_ERROR_NET, QStringLiteral("internal error waiting for %1").arg(host));
}

int failCertificate(const HttpFailure &failure, const QString &host)
{
    // The classifier names the host; this says what was wrong with the certificate.
    Q_UNUSED(host);
    if (AttemptContext *attempt = AttemptContext::current();
        attempt && !failure.peerCertificate.isEmpty())
        attempt->setPeerCertificate(failure.peerCertificate);
    return setError(GIT_ERROR_SSL,
                    QStringLiteral("TLS certificate error: %1")
                        .arg(failure.tlsErrors.join(QStringLiteral("; "))),
                    GIT_ECERTIFICATE);
}

int failNetwork(const HttpFailure &failure, const QString &host)
{
    const QString detail = failure.text;
    switch (failure.networkError) {
    case QNetworkReply::ConnectionRefusedError:
        record(StreamFault::Refused);
        return setError(GIT_ERROR_NET,
                        QStringLiteral("failed to connect to %1: connection refused").arg(host));
    case QNetworkReply::HostNotFoundError:
        record(StreamFault::Resolve);
        return setError(GIT_ERROR_NET,
                        QStringLiteral("failed to resolve address for %1: %2").arg(host, detail));
    case QNetworkReply::RemoteHostClosedError:
        record(StreamFault::Reset);
        return setError(GIT_ERROR_NET,
                        QStringLiteral("connection to %1 closed early: %2").arg(host, detail));
    case QNetworkReply::SslHandshakeFailedError:
        if (!failure.tlsErrors.isEmpty())
            return failCertificate(failure, host);
        return setError(GIT_ERROR_SSL,
                        QStringLiteral("TLS handshake with %1 failed: %2").arg(host, detail));
    case QNetworkReply::ProxyAuthenticationRequiredError:
        return setError(GIT_ERROR_HTTP,
                        QStringLiteral("proxy authentication required: %1").arg(detail), GIT_EAUTH);
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::UnknownProxyError:
        return setError(GIT_ERROR_NET,
                        QStringLiteral("proxy error while connecting to %1: %2").arg(host, detail));
    case QNetworkReply::OperationCanceledError:
        return setError(GIT_ERROR_NET, QStringLiteral("request to %1 aborted").arg(host));
    default: break;
    }
    return setError(GIT_ERROR_NET,
                    QStringLiteral("network error talking to %1: %2").arg(host, detail));
}

int failStatus(int status)
{
    return setError(GIT_ERROR_HTTP, QStringLiteral("unexpected http status code: %1").arg(status));
}

} // namespace repodeck::core::http
