#include "net/http/HttpSession.h"

#include "net/http/CertificatePins.h"
#include "net/http/ManagerPool.h"

#include <QCryptographicHash>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>

namespace repodeck::core::http {

namespace {

// How much Qt keeps in the reply before it stops reading the socket; with
// HttpExchange::kBufferCap this bounds the memory of one transfer.
constexpr qint64 kReplyReadBuffer = 1024 * 1024;

HttpFailure failureOf(QNetworkReply *reply)
{
    HttpFailure f;
    f.networkError = reply->error();
    if (f.networkError != QNetworkReply::NoError)
        f.text = reply->errorString();
    return f;
}

} // namespace

HttpSession::HttpSession(ProxyChoice proxy)
    : m_proxy(std::move(proxy))
{
}

HttpSession::~HttpSession()
{
    if (!m_manager)
        return;
    // Normally every reply was released already; never hand on a busy manager.
    const auto replies = m_manager->findChildren<QNetworkReply *>(Qt::FindDirectChildrenOnly);
    for (QNetworkReply *reply : replies) {
        reply->disconnect(this);
        if (!reply->isFinished())
            delete reply; // aborts its request
    }
    // Connections made under a certificate only this transport accepted must
    // not serve the next one.
    ManagerPool::release(m_manager, m_proxy, m_trusted.isEmpty());
}

QNetworkAccessManager *HttpSession::manager()
{
    if (!m_manager)
        m_manager = ManagerPool::acquire(m_proxy);
    return m_manager;
}

void HttpSession::start(const std::shared_ptr<HttpExchange> &exchange, const HttpRequestSpec &spec)
{
    QNetworkRequest request(spec.url);
    for (const auto &h : spec.headers)
        request.setRawHeader(h.first, h.second);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    // Credentials are ours to send (once per source); Qt must not cache or replay them.
    request.setAttribute(QNetworkRequest::AuthenticationReuseAttribute, QNetworkRequest::Manual);
    // Like git without http.cookieFile: no cookies kept or sent.
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    // The transport sets Accept-Encoding itself, so Qt leaves any
    // Content-Encoding alone and BodyDecoder decodes on the worker thread,
    // bounded in total and ratio. Qt's guard stays on should it ever decode.

    QNetworkReply *reply = spec.post ? manager()->post(request, spec.body) : manager()->get(request);
    reply->setReadBufferSize(kReplyReadBuffer);
    exchange->reply = reply;

    HttpExchange *ex = exchange.get();
    connect(reply, &QNetworkReply::socketStartedConnecting, this, [ex] { ex->noteActivity(); });
    connect(reply, &QNetworkReply::requestSent, this, [ex] { ex->markSent(); });
    connect(reply, &QNetworkReply::encrypted, this, [ex] { ex->noteActivity(); });
    connect(reply, &QNetworkReply::uploadProgress, this, [ex](qint64 sent, qint64) {
        if (sent > 0)
            ex->markSent();
    });
    connect(reply, &QNetworkReply::downloadProgress, this, [ex](qint64, qint64) { ex->noteActivity(); });
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply, ex] { captureHead(reply, *ex); });
    connect(reply, &QNetworkReply::sslErrors, this,
            [this, reply, ex](const QList<QSslError> &errors) { onSslErrors(reply, *ex, errors); });
    // The connections hold the exchange (not the reply's lifetime): they go
    // when the reply is deleted, which happens on this thread only.
    connect(reply, &QNetworkReply::readyRead, this, [this, reply, exchange] { drain(reply, exchange); });
    connect(reply, &QNetworkReply::finished, this, [this, reply, exchange] { drain(reply, exchange); });
}

void HttpSession::captureHead(QNetworkReply *reply, HttpExchange &exchange)
{
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid() || exchange.hasHead())
        return;
    HttpResponseHead head;
    head.status = status.toInt();
    head.http2 = reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool();
    for (const auto &pair : reply->rawHeaderPairs())
        head.headers.append({pair.first, pair.second});
    exchange.setHead(head);
}

void HttpSession::drain(QNetworkReply *reply, const std::shared_ptr<HttpExchange> &exchange)
{
    if (exchange->reply != reply)
        return; // released meanwhile
    captureHead(reply, *exchange);
    while (reply->bytesAvailable() > 0) {
        const qint64 room = exchange->room();
        if (room <= 0) {
            if (exchange->parkIfFull())
                return; // the worker asks for more (pump) once it took half
            continue;
        }
        const QByteArray data = reply->read(std::min(room, reply->bytesAvailable()));
        if (data.isEmpty())
            break;
        exchange->append(data);
    }
    if (reply->isFinished()) {
        exchange->finish(failureOf(reply));
        exchange->reply = nullptr;
        reply->deleteLater();
    }
}

void HttpSession::pump(const std::shared_ptr<HttpExchange> &exchange)
{
    exchange->pumped();
    if (QNetworkReply *reply = exchange->reply)
        drain(reply, exchange);
}

void HttpSession::release(const std::shared_ptr<HttpExchange> &exchange)
{
    QNetworkReply *reply = exchange->reply;
    if (!reply)
        return;
    exchange->reply = nullptr;
    reply->disconnect(this);
    // Deleting an unfinished reply aborts its request and closes the
    // connection (abort() itself would make Qt warn about replies that are
    // already failing, such as a 401 read only up to its head).
    HttpFailure aborted;
    aborted.networkError = QNetworkReply::OperationCanceledError;
    aborted.text = QStringLiteral("aborted");
    exchange->finish(aborted); // no-op if it had finished
    reply->deleteLater();
}

void HttpSession::trustCertificate(const QByteArray &sha256)
{
    m_trusted.insert(sha256);
}

void HttpSession::onSslErrors(QNetworkReply *reply, HttpExchange &exchange, const QList<QSslError> &errors)
{
    QSslCertificate peer = reply->sslConfiguration().peerCertificate();
    if (peer.isNull()) {
        for (const QSslError &e : errors) {
            if (!e.certificate().isNull()) {
                peer = e.certificate();
                break;
            }
        }
    }
    const QByteArray der = peer.toDer();
    const QByteArray sha256 = QCryptographicHash::hash(der, QCryptographicHash::Sha256);
    if (!peer.isNull()
        && (m_trusted.contains(sha256) || isCertificatePinned(reply->url().host(), sha256))) {
        // Only this reply, only these errors, only this certificate.
        reply->ignoreSslErrors(errors);
        return;
    }
    HttpFailure f;
    f.networkError = QNetworkReply::SslHandshakeFailedError;
    for (const QSslError &e : errors)
        f.tlsErrors << e.errorString();
    f.peerCertificate = der;
    // Kept until the reply finishes with SslHandshakeFailedError.
    exchange.finish(f);
}

} // namespace repodeck::core::http
