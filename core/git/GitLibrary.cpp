#include "git/GitLibrary.h"

#include "net/TimeoutStream.h"
#include "net/ssh/OpenSshTransport.h"
#include "net/http/HttpBackend.h"
#include "net/http/NetworkThread.h"
#include "retry/ErrorClassifier.h"
#include "util/RemoteUrl.h"

#include <mutex>

#include <QCoreApplication>
#include <QNetworkProxyFactory>

#include <git2.h>
#include <spdlog/spdlog.h>

namespace repodeck::core::git {

QString initialize()
{
    static std::once_flag once;
    static QString error;
    std::call_once(once, [] {
        if (git_libgit2_init() < 0) {
            error = QStringLiteral("libgit2 could not be initialised");
            return;
        }
        if (!installTimeoutStream()) {
            error = QStringLiteral("libgit2 refused RepoDeck's network stream; timeouts would not work");
            return;
        }
        if (!installOpenSshTransport()) {
            error = QStringLiteral("libgit2 refused RepoDeck's OpenSSH transport");
            return;
        }
        // The Qt HTTP transport: env http(s)_proxy/no_proxy on Linux, the
        // system settings and PAC on Windows and macOS; git's http.proxy wins.
        QNetworkProxyFactory::setUseSystemConfiguration(true);
        QString source;
        const http::HttpBackend backend = http::configuredHttpBackend(&source);
        if (!http::useHttpBackend(backend, &error))
            return;
        // The GUI initialises libgit2 before QApplication exists; the network
        // thread then starts with the first transfer instead.
        if (backend == http::HttpBackend::Qt && QCoreApplication::instance())
            http::NetworkThread::context();
        spdlog::debug("http(s) transport: {} ({})", http::httpBackendName(backend).toStdString(),
                      source.toStdString());
    });
    return error;
}

QString libgit2Version()
{
    int major = 0, minor = 0, rev = 0;
    git_libgit2_version(&major, &minor, &rev);
    return QStringLiteral("%1.%2.%3").arg(major).arg(minor).arg(rev);
}

SyncError captureFailure(int code, const AttemptContext *attempt, const QString &host)
{
    FailureInput in;
    in.gitCode = code;
    if (const git_error *e = git_error_last()) {
        in.gitClass = e->klass;
        in.gitMessage = withoutControlCharacters(redactUrlsInText(QString::fromUtf8(e->message).trimmed()));
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

int allowLongPaths(git_repository *repo)
{
#ifdef Q_OS_WIN
    git_config *config = nullptr;
    int rc = git_repository_config(&config, repo);
    if (rc == 0)
        rc = git_config_set_bool(config, "core.longpaths", 1);
    git_config_free(config);
    return rc;
#else
    (void)repo;
    return 0;
#endif
}

} // namespace repodeck::core::git
