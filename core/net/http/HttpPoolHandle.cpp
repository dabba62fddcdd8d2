#include "net/http/HttpPoolHandle.h"

#include "net/http/HttpConnectionPool.h"
#include "net/http/NetworkThread.h"

#include <QMetaObject>
#include <QThread>

namespace repodeck::core::http {

HttpPoolHandle::HttpPoolHandle(ProxyChoice proxy)
{
    QObject *context = NetworkThread::context(&m_error);
    if (!context)
        return;
    // Created here without a parent, then handed to the network thread; it
    // opens its connections there, on first use.
    m_pool = new HttpConnectionPool(std::move(proxy));
    m_pool->moveToThread(context->thread());
}

HttpPoolHandle::~HttpPoolHandle()
{
    // Queued after every earlier call, so replies are released first.
    if (m_pool)
        m_pool->deleteLater();
}

bool HttpPoolHandle::isValid(QString *error) const
{
    if (!m_pool && error)
        *error = m_error;
    return m_pool != nullptr;
}

template<typename F>
void HttpPoolHandle::post(F &&f)
{
    QMetaObject::invokeMethod(m_pool, std::forward<F>(f), Qt::QueuedConnection);
}

std::shared_ptr<HttpExchange> HttpPoolHandle::send(const HttpRequestSpec &spec)
{
    auto exchange = std::make_shared<HttpExchange>();
    HttpConnectionPool *pool = m_pool;
    post([pool, exchange, spec] { pool->start(exchange, spec); });
    return exchange;
}

void HttpPoolHandle::pump(const std::shared_ptr<HttpExchange> &exchange)
{
    HttpConnectionPool *pool = m_pool;
    post([pool, exchange] { pool->pump(exchange); });
}

void HttpPoolHandle::release(const std::shared_ptr<HttpExchange> &exchange)
{
    if (!exchange)
        return;
    HttpConnectionPool *pool = m_pool;
    post([pool, exchange] { pool->release(exchange); });
}

void HttpPoolHandle::trustCertificate(const QByteArray &sha256)
{
    HttpConnectionPool *pool = m_pool;
    post([pool, sha256] { pool->trustCertificate(sha256); });
}

} // namespace repodeck::core::http
