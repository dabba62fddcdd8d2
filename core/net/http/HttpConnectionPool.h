#pragma once

#include "net/http/HttpExchange.h"
#include "net/http/ProxySettings.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <memory>

namespace repodeck::core::http {

class HttpConnection;

// The network-thread half of one transport: its HTTP/1.1 connections
// (HttpConnection, one request at a time each) and the exchanges they feed.
// A connection whose answer ended cleanly and may stay open waits here for
// the transport's next request to the same origin; nothing is shared with
// other transports, so a certificate one transport accepted never serves
// another. Every method runs on the network thread; HttpPoolHandle posts to it.
class HttpConnectionPool : public QObject
{
public:
    explicit HttpConnectionPool(ProxyChoice proxy);
    ~HttpConnectionPool() override;

    void start(const std::shared_ptr<HttpExchange> &exchange, const HttpRequestSpec &spec);
    // The worker took data: read more from the connection.
    void pump(const std::shared_ptr<HttpExchange> &exchange);
    // The worker is done with the exchange: close its connection if the
    // answer is still coming.
    void release(const std::shared_ptr<HttpExchange> &exchange);
    // A certificate (SHA-256 of its DER) libgit2's certificate_check callback accepted.
    void trustCertificate(const QByteArray &sha256);

private:
    QNetworkProxy proxyFor(const QUrl &url) const;
    void connectionDone(HttpConnection *connection, bool reusable);

    ProxyChoice m_proxy;
    QSet<QByteArray> m_trusted;
    QHash<QString, HttpConnection *> m_idle; // by origin
};

} // namespace repodeck::core::http
