#pragma once

#include "ServerThread.h"

#include <QHash>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QWaitCondition>

namespace repodeck::test {

class HttpProxyConnection;
class HttpProxyWorker;

// A forward HTTP proxy on 127.0.0.1 for tests that must prove traffic went
// through a proxy: absolute-URI requests ("GET http://host:port/path") for
// http, CONNECT tunnels for https. Host aliases let a test use a name that
// only the proxy can resolve, so a request that bypassed the proxy fails.
//
// Each client connection carries one request (absolute form) or one tunnel;
// the connection ends when the server closes (HttpGitServer always does).
// Sockets live in a private thread; all public methods are thread-safe.
class HttpProxyServer
{
public:
    HttpProxyServer();
    ~HttpProxyServer();
    HttpProxyServer(const HttpProxyServer &) = delete;
    HttpProxyServer &operator=(const HttpProxyServer &) = delete;

    bool start();
    void stop();
    quint16 port() const;
    // http://127.0.0.1:PORT, for http.proxy or http(s)_proxy.
    QString url() const;

    // Requests for `name` go to `address` (same port).
    void addHostAlias(const QString &name, const QString &address);

    // Requests received, "CONNECT host:port" or "METHOD absolute-uri".
    QStringList requestLog() const;
    int requestCount() const;
    void resetCounters();

private:
    friend class HttpProxyConnection;
    friend class HttpProxyWorker;
    QString resolve(const QString &host) const;
    void logRequest(const QString &line);

    ServerThread m_thread;
    HttpProxyWorker *m_worker = nullptr;
    quint16 m_port = 0;
    mutable QMutex m_mutex;
    QHash<QString, QString> m_aliases;
    QStringList m_log;
};

} // namespace repodeck::test
