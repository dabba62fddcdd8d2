#pragma once

#include "net/http/HttpExchange.h"
#include "net/http/HttpResponseParser.h"

#include <QNetworkProxy>
#include <QObject>
#include <QSet>
#include <QUrl>

#include <functional>
#include <memory>

class QAbstractSocket;
class QSslError;

namespace repodeck::core::http {

// One HTTP/1.1 connection to one origin (scheme, host, port), on the
// network thread, carrying one request at a time. RepoDeck reads the
// server's bytes itself (HttpResponseParser) instead of leaving them to
// QNetworkAccessManager, so that every answer is bounded: Qt 6.4 reads a
// 401/407 body to its end into memory before it says anything, reads the
// socket ahead of a reply's read-buffer limit, and acknowledges HTTP/2 data
// as it arrives rather than as it is consumed. Here the socket is read only
// while the exchange has room (HttpExchange::kBufferCap), and the head goes
// to the worker the moment it is complete, whatever the body is.
//
// Proxies: http:// through an HTTP proxy in absolute form (as curl and Qt
// do); https:// through a CONNECT tunnel of our own (its answer read by
// HttpResponseParser, so bounded as well), both with Basic credentials from
// the proxy URL; SOCKS5 by Qt's socket.
// Why a proxy's 407 stops the request (Basic only is RepoDeck's; NTLM and
// Negotiate are libgit2's, and the text says how to switch).
QString proxyAuthenticationText(const HttpResponseHead &head);

class HttpConnection : public QObject
{
public:
    // Called once the connection carries no request any more: `reusable`
    // says whether another request may follow on it.
    using Done = std::function<void(HttpConnection *, bool reusable)>;

    HttpConnection(const QUrl &url, const QNetworkProxy &proxy, const QSet<QByteArray> *trusted,
                   Done done, QObject *parent);
    ~HttpConnection() override;

    // The origin this connection serves, as a key ("https://host:443").
    static QString originKey(const QUrl &url);

    // Sends `spec` on this connection (connecting first if needed). On a
    // connection that carried a request before, a failure before any byte
    // of the answer arrived is retried once on a new connection (the server
    // closed it while idle).
    void begin(const std::shared_ptr<HttpExchange> &exchange, const HttpRequestSpec &spec);
    // The worker took data: read more.
    void pull();
    // Whether an idle connection can still carry a request.
    bool isUsable() const;
    // The request is given up: close the socket, tell no one.
    void abandon();
    QString origin() const { return originKey(m_url); }

private:
    void openSocket();
    void onConnected();
    void readTunnelAnswer();
    void sendRequest();
    void onSslErrors(const QList<QSslError> &errors);
    void onError();
    void onDisconnected();
    void complete();
    void failWith(int networkError, const QString &text);
    bool retryOnNewConnection();
    ProxyLogin proxyLogin() const;

    QUrl m_url;
    QNetworkProxy m_proxy;
    const QSet<QByteArray> *m_trusted;
    Done m_done;
    bool m_tls = false;
    bool m_absoluteForm = false; // plain http through an HTTP proxy
    bool m_tunnel = false;       // https through an HTTP proxy: our own CONNECT
    bool m_tunnelling = false;   // CONNECT sent, its answer not read yet
    HttpResponseParser m_tunnelAnswer{false};
    QAbstractSocket *m_socket = nullptr;
    bool m_ready = false; // connected (and encrypted)
    bool m_eof = false;

    std::shared_ptr<HttpExchange> m_exchange;
    HttpRequestSpec m_spec;
    HttpResponseParser m_parser;
    qint64 m_toWrite = 0;
    bool m_gotBytes = false; // of the current answer
    bool m_headSent = false;
    bool m_mayRetry = false;
    HttpFailure m_tlsFailure;
};

} // namespace repodeck::core::http
