#include "retry/ErrorClassifier.h"

#include <QRegularExpression>

#include <git2/errors.h>

namespace repodeck::core {

QString SyncError::text() const
{
    if (hint.isEmpty())
        return message;
    const bool ended = message.endsWith(QLatin1Char('.')) || message.endsWith(QLatin1Char('!'))
                       || message.endsWith(QLatin1Char('?'));
    return message + (ended ? QStringLiteral(" ") : QStringLiteral(". ")) + hint;
}

SyncError SyncError::local(const QString &message, const QString &hint)
{
    SyncError e;
    e.category = ErrorCategory::Local;
    e.transient = false;
    e.message = message;
    e.hint = hint;
    return e;
}

QString hintAfterGivingUp(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Network:
        return QStringLiteral(
            "Check that the server is up and reachable from here (network, VPN, proxy), then sync again.");
    case ErrorCategory::Timeout:
        return QStringLiteral(
            "Check your connection; on a slow link raise the policy's connect, stall or attempt timeout.");
    case ErrorCategory::Server:
        return QStringLiteral(
            "The server keeps failing; try again later or tell its administrators.");
    case ErrorCategory::RateLimited:
        return QStringLiteral(
            "The server keeps rate limiting; sync fewer repositories at once (--jobs, --host-jobs) or later.");
    default: return {};
    }
}

int httpStatusFromMessage(const QString &message)
{
    static const QRegularExpression re(QStringLiteral(R"(http status code:?\s*(\d{3}))"),
                                       QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(message);
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

namespace {

SyncError make(const FailureInput &in, ErrorCategory category, QString message, QString hint)
{
    SyncError e;
    e.category = category;
    e.transient = isTransient(category);
    e.gitClass = in.gitClass;
    e.gitCode = in.gitCode;
    e.httpStatus = in.httpStatus ? in.httpStatus : httpStatusFromMessage(in.gitMessage);
    if (category == ErrorCategory::RateLimited || category == ErrorCategory::Server)
        e.retryAfter = in.retryAfter;
    e.message = std::move(message);
    e.hint = std::move(hint);
    return e;
}

QString hostOr(const FailureInput &in)
{
    return in.host.isEmpty() ? QStringLiteral("the server") : in.host;
}

bool contains(const QString &haystack, const char *needle)
{
    return haystack.contains(QLatin1String(needle), Qt::CaseInsensitive);
}

SyncError fromStreamFault(const FailureInput &in)
{
    const QString host = hostOr(in);
    switch (in.streamFault) {
    case StreamFault::Cancelled:
        return make(in, ErrorCategory::Cancelled, QStringLiteral("Cancelled."), {});
    case StreamFault::ConnectTimeout:
        return make(in, ErrorCategory::Timeout,
                    QStringLiteral("Could not connect to %1 within %2.").arg(host, in.timeoutText),
                    QStringLiteral("Check your network or VPN; RepoDeck retries automatically."));
    case StreamFault::StallTimeout:
        return make(in, ErrorCategory::Timeout,
                    QStringLiteral("%1 sent nothing for %2.").arg(host, in.timeoutText),
                    QStringLiteral("The connection stalled; RepoDeck retries automatically."));
    case StreamFault::AttemptTimeout:
        return make(in, ErrorCategory::Timeout,
                    QStringLiteral("The attempt took longer than %1.").arg(in.timeoutText),
                    QStringLiteral(
                        "Raise the policy's attempt timeout if this repository is large."));
    case StreamFault::Resolve:
        return make(in, ErrorCategory::Network,
                    QStringLiteral("Could not resolve the host name %1.").arg(host),
                    QStringLiteral("Check the URL's host name and your network connection."));
    case StreamFault::Refused:
        return make(in, ErrorCategory::Network,
                    QStringLiteral("%1 refused the connection.").arg(host),
                    QStringLiteral("The server may be down; RepoDeck retries automatically."));
    case StreamFault::Reset:
        return make(in, ErrorCategory::Network,
                    QStringLiteral("The connection to %1 was broken: %2").arg(host, in.gitMessage),
                    QStringLiteral("RepoDeck retries automatically."));
    case StreamFault::None: break;
    }
    return {};
}

// A proxy that wants sign-in (HTTP 407, or its answer to CONNECT): the
// transport's text says what it asked for and what to do.
SyncError proxyAuth(const FailureInput &in)
{
    const QString marker = QStringLiteral("proxy authentication required: ");
    const qsizetype at = in.gitMessage.indexOf(marker, 0, Qt::CaseInsensitive);
    const QString detail = at >= 0 ? in.gitMessage.mid(at + marker.size()) : QString();
    return make(in, ErrorCategory::Auth,
                QStringLiteral("The proxy on the way to %1 requires sign-in%2.")
                    .arg(hostOr(in), detail.isEmpty() ? QString() : QStringLiteral(": ") + detail),
                detail.contains(QLatin1String("libgit2's does"))
                    ? QStringLiteral(
                        "Switch the HTTP backend to libgit2 (REPODECK_HTTP_BACKEND=libgit2, or the "
                        "network/httpBackend setting).")
                    : QStringLiteral("Put the proxy's user and password in its URL (http.proxy: "
                                     "http://user:password@host:port)."));
}

SyncError fromHttpStatus(const FailureInput &in, int status)
{
    const QString host = hostOr(in);
    if (status == 407)
        return proxyAuth(in);
    if (status == 429)
        return make(in, ErrorCategory::RateLimited,
                    QStringLiteral("%1 is rate limiting requests (HTTP 429).").arg(host),
                    QStringLiteral(
                        "RepoDeck waits and retries; lower --jobs if this keeps happening."));
    if (status >= 500)
        return make(in, ErrorCategory::Server,
                    QStringLiteral("%1 had a server error (HTTP %2).").arg(host).arg(status),
                    QStringLiteral("RepoDeck retries automatically."));
    if (status == 401 || status == 403)
        return make(
            in, ErrorCategory::Auth,
            QStringLiteral("%1 refused access (HTTP %2).").arg(host).arg(status),
            QStringLiteral(
                "Sign in again or check that your account or token can read this repository."));
    if (status == 404 || status == 410)
        return make(in, ErrorCategory::NotFound,
                    QStringLiteral("Repository not found on %1 (HTTP %2).").arg(host).arg(status),
                    QStringLiteral("Check the URL and that you have access to the repository."));
    return make(in, ErrorCategory::Protocol,
                QStringLiteral("%1 answered with HTTP %2.").arg(host).arg(status),
                QStringLiteral("Check the URL; it may not point at a git server."));
}

} // namespace

SyncError classifyFailure(const FailureInput &in)
{
    // What our own stream observed beats libgit2's text (mbedTLS rewrites it).
    if (in.streamFault != StreamFault::None && in.streamFault != StreamFault::Reset)
        return fromStreamFault(in);

    const QString &msg = in.gitMessage;
    const QString host = hostOr(in);

    if (contains(msg, "proxy authentication required"))
        return proxyAuth(in);
    const int status = in.httpStatus ? in.httpStatus : httpStatusFromMessage(msg);
    if (status)
        return fromHttpStatus(in, status);

    if (in.gitCode == GIT_EAUTH || contains(msg, "authentication required")
        || contains(msg, "authentication replays") || contains(msg, "authentication failed")) {
        return make(
            in, ErrorCategory::Auth,
            QStringLiteral("%1 requires credentials that were missing or rejected.").arg(host),
            QStringLiteral(
                "Sign in (the desktop app asks once per host; the CLI with --interactive), "
                "or store a token in the keychain or git's credential helper."));
    }

    if (in.gitClass == GIT_ERROR_SSH
        && (in.gitCode == GIT_ECERTIFICATE || contains(msg, "hostkey")
            || contains(msg, "host key"))) {
        return make(
            in, ErrorCategory::HostKey,
            QStringLiteral("The SSH host key of %1 is unknown or has changed.").arg(host),
            QStringLiteral(
                "Verify the server's key fingerprint with its administrator, then add it to "
                "~/.ssh/known_hosts (for example `ssh-keyscan -p PORT %1 >> ~/.ssh/known_hosts`).")
                .arg(host));
    }

    if (in.gitClass == GIT_ERROR_SSL || in.gitCode == GIT_ECERTIFICATE
        || contains(msg, "certificate")) {
        return make(
            in, ErrorCategory::Tls,
            QStringLiteral("The TLS certificate of %1 could not be verified: %2").arg(host, msg),
            QStringLiteral(
                "Check the URL and your system's trusted certificates (your organisation's CA), or "
                "review and pin the certificate in the desktop app; RepoDeck never skips "
                "verification."));
    }

    if (in.gitCode == GIT_EUSER)
        return make(in, ErrorCategory::Cancelled, QStringLiteral("Cancelled."), {});

    // git daemon and some hosts report a missing repository in-band.
    if (contains(msg, "not exported") || contains(msg, "repository not found")
        || contains(msg, "does not appear to be a git repository")
        || contains(msg, "could not find repository") || contains(msg, "no such repository")) {
        return make(in, ErrorCategory::NotFound,
                    QStringLiteral("Repository not found: %1").arg(msg),
                    QStringLiteral("Check the URL and that you have access to the repository."));
    }

    if (in.streamFault == StreamFault::Reset || in.gitCode == GIT_EEOF || contains(msg, "early eof")
        || contains(msg, "unexpected eof") || contains(msg, "error receiving socket data")
        || contains(msg, "error sending data") || contains(msg, "connection reset")
        || contains(msg, "broken pipe") || contains(msg, "connection refused")
        || contains(msg, "failed to connect") || contains(msg, "network is unreachable")
        || contains(msg, "no route to host") || contains(msg, "failed to resolve address")
        || contains(msg, "host is down") || contains(msg, "could not read from remote")
        || contains(msg, "socket")) {
        return make(in, ErrorCategory::Network,
                    QStringLiteral("Network error talking to %1: %2").arg(host, msg),
                    QStringLiteral(
                        "RepoDeck retries automatically; check your connection if it persists."));
    }

    if (contains(msg, "no space left") || contains(msg, "disk quota")) {
        return make(in, ErrorCategory::Local, QStringLiteral("The disk is full: %1").arg(msg),
                    QStringLiteral("Free some disk space, then sync again."));
    }
    if (contains(msg, "failed to lock file") || contains(msg, ".lock")) {
        return make(
            in, ErrorCategory::Local, QStringLiteral("The repository is locked: %1").arg(msg),
            QStringLiteral(
                "Another git command may be running there; wait for it or remove the stale lock file."));
    }
    if (contains(msg, "permission denied") || contains(msg, "read-only file system")
        || contains(msg, "access is denied")) {
        return make(in, ErrorCategory::Local,
                    QStringLiteral("Cannot write to the repository: %1").arg(msg),
                    QStringLiteral("Check the folder's permissions."));
    }
    if (in.gitClass == GIT_ERROR_OS || in.gitClass == GIT_ERROR_FILESYSTEM
        || in.gitClass == GIT_ERROR_REPOSITORY || in.gitClass == GIT_ERROR_INDEX
        || in.gitClass == GIT_ERROR_CHECKOUT || in.gitClass == GIT_ERROR_CONFIG
        || in.gitCode == GIT_EEXISTS || in.gitCode == GIT_ELOCKED) {
        return make(
            in, ErrorCategory::Local, QStringLiteral("Local repository problem: %1").arg(msg),
            QStringLiteral("Check the repository folder; run `git fsck` there if it persists."));
    }

    // A tree the server sent that no checkout may write (ParallelCheckout,
    // CheckoutPlan) or that libgit2 cannot parse: the same every attempt.
    if (in.gitClass == GIT_ERROR_TREE) {
        return make(
            in, ErrorCategory::Protocol,
            QStringLiteral("%1 sent a tree that cannot be checked out safely: %2").arg(host, msg),
            QStringLiteral(
                "Nothing of that tree was written (a new clone's folder is removed, an existing "
                "work tree is left as it was); git refuses such trees too. Tell the "
                "repository's owners."));
    }
    if (contains(msg, "remote error")) {
        return make(in, ErrorCategory::Protocol,
                    QStringLiteral("%1 reported an error: %2").arg(host, msg),
                    QStringLiteral("Check the URL and the server's status."));
    }
    if (in.gitClass == GIT_ERROR_NET) {
        return make(in, ErrorCategory::Network,
                    QStringLiteral("Network error talking to %1: %2").arg(host, msg),
                    QStringLiteral(
                        "RepoDeck retries automatically; check your connection if it persists."));
    }
    return make(in, ErrorCategory::Protocol,
                QStringLiteral("Unexpected answer from %1: %2")
                    .arg(host, msg.isEmpty() ? QStringLiteral("unknown error") : msg),
                QStringLiteral("Check that the URL points at a git repository."));
}

SyncError classifyLfsFailure(const QString &output, StreamFault fault, const QString &host,
                             const QString &timeoutText)
{
    FailureInput in;
    in.host = host;
    in.timeoutText = timeoutText;
    in.streamFault = fault;
    in.gitMessage = output;
    if (fault != StreamFault::None && fault != StreamFault::Reset)
        return fromStreamFault(in);
    const QString h = hostOr(in);
    // The last line that says something is the one worth showing.
    QString detail;
    const QStringList lines = output.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        const QString line = it->trimmed();
        if (!line.isEmpty() && !line.startsWith(QLatin1String("Errors logged to"))
            && !line.startsWith(QLatin1String("Use `git lfs logs"))
            && !line.startsWith(QLatin1String("warning:"))
            && !line.startsWith(QLatin1String("Failed to fetch some objects"))
            && line != QLatin1String("Could not pull")) {
            detail = line;
            break;
        }
    }
    if (detail.size() > 300)
        detail = detail.left(300) + QStringLiteral("…");
    const QString lfsHint = QStringLiteral(
        "RepoDeck retries automatically; the files already downloaded are kept.");
    auto lfs = [&](ErrorCategory c, const QString &what, const QString &hint) {
        return make(in, c, QStringLiteral("Git LFS: %1 (%2)").arg(what, detail), hint);
    };
    if (contains(output, "over its data quota") || contains(output, "quota exceeded")
        || contains(output, "exceeded its LFS") || contains(output, "Insufficient storage"))
        // Not `auth`: signing in again does not help (and would ask a person).
        return lfs(
            ErrorCategory::Protocol,
            QStringLiteral("%1 refused the download: the LFS quota is used up").arg(h),
            QStringLiteral(
                "Ask the repository's owner to raise the LFS bandwidth or storage quota, then sync again."));
    if (contains(output, "Rate limit exceeded") || contains(output, "[429]")
        || contains(output, "429 Too Many"))
        return lfs(
            ErrorCategory::RateLimited, QStringLiteral("%1 is rate limiting LFS downloads").arg(h),
            QStringLiteral("RepoDeck waits and retries; lower --jobs if this keeps happening."));
    if (contains(output, "Authentication required") || contains(output, "Authorization error")
        || contains(output, "credentials for") || contains(output, "terminal prompts disabled")
        || contains(output, "[401]") || contains(output, "[403]") || contains(output, "Forbidden"))
        return lfs(ErrorCategory::Auth, QStringLiteral("%1 refused access to the LFS files").arg(h),
                   QStringLiteral(
                       "Store a token for the LFS server with git's credential helper (git-lfs uses "
                       "git's credentials), or check that your account can read this repository."));
    if (contains(output, "Object does not exist")
        || contains(output, "Repository or object not found") || contains(output, "[404]")
        || contains(output, "[410]"))
        return lfs(ErrorCategory::NotFound, QStringLiteral("an LFS object is missing on %1").arg(h),
                   QStringLiteral(
                       "Someone must push that file's LFS object (`git lfs push --all origin`); "
                       "until then the file stays a pointer."));
    static const QRegularExpression status5xx(QStringLiteral(
                                                  "\\b5\\d\\d\\b|Server error|Fatal error"),
                                              QRegularExpression::CaseInsensitiveOption);
    if (output.contains(status5xx))
        return lfs(ErrorCategory::Server, QStringLiteral("%1 had a server error").arg(h), lfsHint);
    if (fault == StreamFault::Reset || contains(output, "connection refused")
        || contains(output, "connection reset") || contains(output, "unexpected EOF")
        || contains(output, "EOF") || contains(output, "broken pipe")
        || contains(output, "no such host") || contains(output, "network is unreachable")
        || contains(output, "i/o timeout") || contains(output, "dial tcp")
        || contains(output, "timeout"))
        return lfs(ErrorCategory::Network,
                   QStringLiteral("the download from %1 was interrupted").arg(h), lfsHint);
    if (contains(output, "x509") || contains(output, "tls:") || contains(output, "certificate"))
        return lfs(
            ErrorCategory::Tls,
            QStringLiteral("the TLS certificate of %1 could not be verified").arg(h),
            QStringLiteral(
                "Check your system's trusted certificates (git-lfs uses git's http.sslCAInfo)."));
    if (contains(output, "no space left") || contains(output, "disk quota")
        || contains(output, "permission denied"))
        return lfs(ErrorCategory::Local, QStringLiteral("the files could not be written"),
                   QStringLiteral(
                       "Free disk space and check the folder's permissions, then sync again."));
    return lfs(
        ErrorCategory::Protocol, QStringLiteral("git-lfs failed"),
        QStringLiteral(
            "Run `git lfs pull` in the repository to see the full error (`git lfs logs last`)."));
}

} // namespace repodeck::core
