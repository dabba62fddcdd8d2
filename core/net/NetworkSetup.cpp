#include "net/NetworkSetup.h"

#include "git/GitLibrary.h"
#include "net/TimeoutStream.h"
#include "net/http/HttpBackend.h"
#include "net/http/NetworkThread.h"
#include "net/ssh/OpenSshTransport.h"

#include <mutex>

#include <QCoreApplication>
#include <QNetworkProxyFactory>

#include <spdlog/spdlog.h>

namespace repodeck::core {

QString initializeNetwork()
{
    static std::once_flag once;
    static QString error;
    std::call_once(once, [] {
        error = git::initialize();
        if (!error.isEmpty())
            return;
        if (!installTimeoutStream()) {
            error = QStringLiteral(
                "libgit2 refused RepoDeck's network stream; timeouts would not work");
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

} // namespace repodeck::core
