#include "net/http/HttpClient.h"

#include "net/http/HttpSession.h"
#include "net/http/NetworkThread.h"

#include <QMetaObject>
#include <QThread>

namespace repodeck::core::http {

HttpClient::HttpClient(ProxyChoice proxy)
{
    QObject *context = NetworkThread::context(&m_error);
    if (!context)
        return;
    // Created here without a parent, then handed to the network thread; it
    // opens its connections there, on first use.
    m_session = new HttpSession(std::move(proxy));
    m_session->moveToThread(context->thread());
}

HttpClient::~HttpClient()
{
    // Queued after every earlier call, so replies are released first.
    if (m_session)
        m_session->deleteLater();
}

bool HttpClient::isValid(QString *error) const
{
    if (!m_session && error)
        *error = m_error;
    return m_session != nullptr;
}

template<typename F>
void HttpClient::post(F &&f)
{
    QMetaObject::invokeMethod(m_session, std::forward<F>(f), Qt::QueuedConnection);
}

std::shared_ptr<HttpExchange> HttpClient::send(const HttpRequestSpec &spec)
{
    auto exchange = std::make_shared<HttpExchange>();
    HttpSession *session = m_session;
    post([session, exchange, spec] { session->start(exchange, spec); });
    return exchange;
}

void HttpClient::pump(const std::shared_ptr<HttpExchange> &exchange)
{
    HttpSession *session = m_session;
    post([session, exchange] { session->pump(exchange); });
}

void HttpClient::release(const std::shared_ptr<HttpExchange> &exchange)
{
    if (!exchange)
        return;
    HttpSession *session = m_session;
    post([session, exchange] { session->release(exchange); });
}

void HttpClient::trustCertificate(const QByteArray &sha256)
{
    HttpSession *session = m_session;
    post([session, sha256] { session->trustCertificate(sha256); });
}

} // namespace repodeck::core::http
