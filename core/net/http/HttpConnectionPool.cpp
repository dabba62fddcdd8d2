#include "net/http/HttpConnectionPool.h"

#include "net/http/HttpConnection.h"

#include <QNetworkProxyFactory>
#include <QNetworkReply>

namespace repodeck::core::http {

HttpConnectionPool::HttpConnectionPool(ProxyChoice proxy)
    : m_proxy(std::move(proxy))
{
}

HttpConnectionPool::~HttpConnectionPool() = default; // the connections are children

QNetworkProxy HttpConnectionPool::proxyFor(const QUrl &url) const
{
    switch (m_proxy.mode) {
    case ProxyChoice::Mode::None: break;
    case ProxyChoice::Mode::Explicit: return m_proxy.proxy;
    case ProxyChoice::Mode::System: {
        const QList<QNetworkProxy> proxies = QNetworkProxyFactory::proxyForQuery(
            QNetworkProxyQuery(url));
        if (!proxies.isEmpty() && proxies.first().type() != QNetworkProxy::DefaultProxy)
            return proxies.first();
        break;
    }
    }
    return QNetworkProxy(QNetworkProxy::NoProxy);
}

void HttpConnectionPool::start(const std::shared_ptr<HttpExchange> &exchange,
                               const HttpRequestSpec &spec)
{
    const QString origin = HttpConnection::originKey(spec.url);
    HttpConnection *connection = m_idle.take(origin);
    if (connection && !connection->isUsable()) {
        connection->deleteLater();
        connection = nullptr;
    }
    if (!connection) {
        connection = new HttpConnection(
            spec.url, proxyFor(spec.url), &m_trusted,
            [this](HttpConnection *c, bool reusable) { connectionDone(c, reusable); }, this);
    }
    exchange->connection = connection;
    connection->begin(exchange, spec);
}

void HttpConnectionPool::connectionDone(HttpConnection *connection, bool reusable)
{
    const QString origin = m_idle.key(connection);
    if (!origin.isEmpty())
        m_idle.remove(origin); // an idle one that closed
    if (!reusable) {
        connection->deleteLater();
        return;
    }
    // One idle connection per origin is all a transport's next request needs.
    if (HttpConnection *older = m_idle.take(connection->origin()))
        older->deleteLater();
    m_idle.insert(connection->origin(), connection);
}

void HttpConnectionPool::pump(const std::shared_ptr<HttpExchange> &exchange)
{
    exchange->pumped();
    if (auto *connection = static_cast<HttpConnection *>(exchange->connection))
        connection->pull();
}

void HttpConnectionPool::release(const std::shared_ptr<HttpExchange> &exchange)
{
    auto *connection = static_cast<HttpConnection *>(exchange->connection);
    if (!connection)
        return;
    exchange->connection = nullptr;
    HttpFailure aborted;
    aborted.networkError = QNetworkReply::OperationCanceledError;
    aborted.text = QStringLiteral("aborted");
    exchange->finish(aborted); // no-op if it had finished
    // The answer is still coming: the connection closes with it.
    connection->abandon();
    connection->deleteLater();
}

void HttpConnectionPool::trustCertificate(const QByteArray &sha256)
{
    m_trusted.insert(sha256);
}

} // namespace repodeck::core::http
