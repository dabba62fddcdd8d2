#include "net/http/HttpConnection.h"

#include "net/http/CertificatePins.h"

#include <QCryptographicHash>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>

#include <cctype>

namespace repodeck::core::http {

namespace {

// What Qt keeps of the socket's bytes before it stops reading; with
// HttpExchange::kBufferCap this bounds the memory of one transfer.
constexpr qint64 kSocketBuffer = 256 * 1024;
constexpr qint64 kReadPiece = 64 * 1024;

bool isHttpProxy(const QNetworkProxy &proxy)
{
    return proxy.type() == QNetworkProxy::HttpProxy
           || proxy.type() == QNetworkProxy::HttpCachingProxy;
}

// Qt's socket errors in the QNetworkReply terms HttpErrors classifies.
int networkErrorOf(QAbstractSocket::SocketError error)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError: return QNetworkReply::ConnectionRefusedError;
    case QAbstractSocket::HostNotFoundError: return QNetworkReply::HostNotFoundError;
    case QAbstractSocket::RemoteHostClosedError: return QNetworkReply::RemoteHostClosedError;
    case QAbstractSocket::SocketTimeoutError: return QNetworkReply::TimeoutError;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError: return QNetworkReply::SslHandshakeFailedError;
    case QAbstractSocket::ProxyAuthenticationRequiredError:
        return QNetworkReply::ProxyAuthenticationRequiredError;
    case QAbstractSocket::ProxyConnectionRefusedError:
        return QNetworkReply::ProxyConnectionRefusedError;
    case QAbstractSocket::ProxyConnectionClosedError:
        return QNetworkReply::ProxyConnectionClosedError;
    case QAbstractSocket::ProxyConnectionTimeoutError: return QNetworkReply::ProxyTimeoutError;
    case QAbstractSocket::ProxyNotFoundError: return QNetworkReply::ProxyNotFoundError;
    case QAbstractSocket::ProxyProtocolError: return QNetworkReply::UnknownProxyError;
    default: return QNetworkReply::UnknownNetworkError;
    }
}

bool safeHeaderPart(const QByteArray &part)
{
    return !part.contains('\r') && !part.contains('\n') && !part.contains('\0');
}

} // namespace

// RepoDeck sends Basic credentials from the proxy URL only; NTLM and
// Negotiate sign-in are libgit2's.
QString proxyAuthenticationText(const HttpResponseHead &head)
{
    const QByteArray offered = head.header("Proxy-Authenticate");
    if (!offered.isEmpty() && !offered.toLower().contains("basic")) {
        // The scheme's name only, letters and digits: nothing else of the
        // proxy's reaches a message (or a terminal).
        QString scheme;
        for (const char c : offered.left(40)) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
                break;
            scheme += QLatin1Char(c);
        }
        return QStringLiteral(
                   "the proxy asks for %1 sign-in, which RepoDeck's own HTTP transport does not do "
                   "(libgit2's does)")
            .arg(scheme.isEmpty() ? QStringLiteral("another kind of") : scheme);
    }
    return QStringLiteral(
        "the proxy refused the user and password of the proxy URL, or there were none");
}

HttpConnection::HttpConnection(const QUrl &url, const QNetworkProxy &proxy,
                               const QSet<QByteArray> *trusted, Done done, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_proxy(proxy)
    , m_trusted(trusted)
    , m_done(std::move(done))
{
    m_tls = url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
    m_absoluteForm = !m_tls && isHttpProxy(proxy);
    m_tunnel = m_tls && isHttpProxy(proxy);
}

HttpConnection::~HttpConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

QString HttpConnection::originKey(const QUrl &url)
{
    return QStringLiteral("%1://%2:%3")
        .arg(url.scheme().toLower(), url.host(QUrl::FullyEncoded).toLower())
        .arg(url.port(defaultPort(url)));
}

bool HttpConnection::isUsable() const
{
    return !m_exchange && m_ready && !m_eof && m_socket
           && m_socket->state() == QAbstractSocket::ConnectedState
           && m_socket->bytesAvailable() == 0;
}

void HttpConnection::abandon()
{
    m_exchange.reset();
    m_done = nullptr;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    m_eof = true;
}

void HttpConnection::begin(const std::shared_ptr<HttpExchange> &exchange,
                           const HttpRequestSpec &spec)
{
    const bool reuse = isUsable();
    m_exchange = exchange;
    m_spec = spec;
    m_parser = HttpResponseParser();
    m_gotBytes = false;
    m_headSent = false;
    m_tlsFailure = HttpFailure();
    m_mayRetry = reuse;
    for (const auto &h : spec.headers) {
        if (!safeHeaderPart(h.first) || !safeHeaderPart(h.second) || h.first.isEmpty()) {
            failWith(QNetworkReply::ProtocolUnknownError,
                     QStringLiteral(
                         "a request header holds a line break, which would split the request"));
            return;
        }
    }
    if (reuse)
        sendRequest();
    else
        openSocket();
}

void HttpConnection::openSocket()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_ready = false;
    m_eof = false;
    m_tunnelling = false;
    if (m_tls) {
        auto *ssl = new QSslSocket(this);
        QSslConfiguration config = ssl->sslConfiguration();
        // HTTP/1.1 only: Qt 6.4's HTTP/2 client cannot bound what it buffers.
        config.setAllowedNextProtocols({QByteArray(QSslConfiguration::NextProtocolHttp1_1)});
        ssl->setSslConfiguration(config);
        connect(ssl, &QSslSocket::sslErrors, this, &HttpConnection::onSslErrors);
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            if (m_exchange)
                m_exchange->noteActivity();
            m_ready = true;
            sendRequest();
        });
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
    }
    m_socket->setReadBufferSize(kSocketBuffer);
    // Through an HTTP proxy RepoDeck speaks to the proxy itself (absolute
    // form, or its own CONNECT): Qt's socket-level tunnel reads the proxy's
    // answer without a bound.
    m_socket->setProxy(m_absoluteForm || m_tunnel ? QNetworkProxy(QNetworkProxy::NoProxy)
                                                  : m_proxy);
    connect(m_socket, &QAbstractSocket::connected, this, &HttpConnection::onConnected);
    connect(m_socket, &QAbstractSocket::readyRead, this, &HttpConnection::pull);
    connect(m_socket, &QAbstractSocket::bytesWritten, this, [this](qint64 written) {
        if (!m_exchange)
            return;
        if (m_tunnelling || !m_ready) {
            m_exchange->noteActivity(); // the CONNECT, the handshake: still connecting
            return;
        }
        m_toWrite -= written;
        if (m_toWrite <= 0)
            m_exchange->markSent();
        else
            m_exchange->noteActivity();
    });
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &HttpConnection::onError);
    connect(m_socket, &QAbstractSocket::disconnected, this, &HttpConnection::onDisconnected);

    const QString host = m_url.host();
    const quint16 port = quint16(m_url.port(defaultPort(m_url)));
    if (m_absoluteForm || m_tunnel)
        m_socket->connectToHost(m_proxy.hostName(), m_proxy.port());
    else if (m_tls)
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(host, port);
    else
        m_socket->connectToHost(host, port);
}

void HttpConnection::onConnected()
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_exchange)
        m_exchange->noteActivity();
    if (m_tunnel) {
        // CONNECT host:port, with Basic credentials from the proxy URL.
        const QByteArray connectRequest = connectRequestBytes(m_url, proxyLogin());
        m_tunnelling = true;
        m_tunnelAnswer = HttpResponseParser(false);
        m_socket->write(connectRequest);
        return;
    }
    if (m_tls)
        return; // the request goes once the handshake is done
    m_ready = true;
    sendRequest();
}

ProxyLogin HttpConnection::proxyLogin() const
{
    return {m_proxy.user(), m_proxy.password()};
}

void HttpConnection::sendRequest()
{
    if (!m_exchange)
        return;
    const QByteArray bytes = requestBytes(m_spec, m_absoluteForm, proxyLogin());
    m_toWrite = bytes.size();
    m_socket->write(bytes);
    m_exchange->noteActivity();
}

void HttpConnection::readTunnelAnswer()
{
    while (m_socket->bytesAvailable() > 0) {
        const QByteArray raw = m_socket->read(std::min(kReadPiece, m_socket->bytesAvailable()));
        if (m_exchange)
            m_exchange->noteActivity();
        QByteArray none;
        if (!m_tunnelAnswer.feed(raw, &none)) {
            failWith(
                QNetworkReply::UnknownProxyError,
                QStringLiteral("the proxy's answer to CONNECT: %1").arg(m_tunnelAnswer.error()));
            return;
        }
        if (m_tunnelAnswer.state() != HttpResponseParser::State::Done)
            continue;
        const int status = m_tunnelAnswer.head().status;
        if (status == 407) {
            failWith(QNetworkReply::ProxyAuthenticationRequiredError,
                     proxyAuthenticationText(m_tunnelAnswer.head()));
            return;
        }
        if (status < 200 || status > 299 || m_tunnelAnswer.leftover() > 0
            || m_socket->bytesAvailable() > 0) {
            failWith(QNetworkReply::UnknownProxyError,
                     QStringLiteral("the proxy did not open a tunnel to %1 (status %2)")
                         .arg(QString::fromLatin1(hostHeader(m_url)))
                         .arg(status));
            return;
        }
        m_tunnelling = false;
        auto *ssl = static_cast<QSslSocket *>(m_socket);
        ssl->setPeerVerifyName(m_url.host());
        ssl->startClientEncryption();
        return;
    }
    if (m_eof)
        failWith(QNetworkReply::ProxyConnectionClosedError,
                 QStringLiteral("the proxy closed the connection before the tunnel was open"));
}

void HttpConnection::pull()
{
    if (!m_socket)
        return;
    if (m_tunnelling) {
        readTunnelAnswer();
        return;
    }
    if (!m_exchange) {
        // An idle connection the server writes on is not reused.
        if (m_socket->bytesAvailable() > 0)
            m_eof = true;
        return;
    }
    while (m_socket->bytesAvailable() > 0) {
        const qint64 room = m_exchange->room();
        if (room <= 0) {
            if (m_exchange->parkIfFull())
                return; // pull() again once the worker took half
            continue;
        }
        const QByteArray raw = m_socket->read(
            std::min({room, kReadPiece, m_socket->bytesAvailable()}));
        if (raw.isEmpty())
            break;
        m_gotBytes = true;
        m_exchange->noteActivity();
        QByteArray body;
        const bool ok = m_parser.feed(raw, &body);
        if (ok && !m_headSent && m_parser.hasHead()) {
            m_headSent = true;
            m_exchange->setHead(m_parser.head());
        }
        m_exchange->append(body);
        if (!ok) {
            failWith(QNetworkReply::ProtocolFailure, m_parser.error());
            return;
        }
        if (m_parser.state() == HttpResponseParser::State::Done) {
            complete();
            return;
        }
    }
    if (m_eof && m_socket->bytesAvailable() == 0) {
        // Closed before a byte of the answer on a reused connection: the
        // server ended it while idle (a keep-alive timeout); once more on
        // a new one.
        if (!m_gotBytes && retryOnNewConnection())
            return;
        if (m_parser.finishAtClose()) {
            complete();
            return;
        }
        failWith(QNetworkReply::RemoteHostClosedError, m_parser.error());
    }
}

bool HttpConnection::retryOnNewConnection()
{
    if (!m_mayRetry || !m_exchange)
        return false;
    m_mayRetry = false;
    m_parser = HttpResponseParser();
    m_gotBytes = false;
    m_headSent = false;
    m_tlsFailure = HttpFailure();
    openSocket();
    return true;
}

void HttpConnection::complete()
{
    auto exchange = std::move(m_exchange);
    m_exchange.reset();
    exchange->connection = nullptr;
    exchange->finish(HttpFailure());
    const bool reusable = m_parser.keepAlive() && m_parser.leftover() == 0 && isUsable();
    if (m_done)
        m_done(this, reusable);
}

void HttpConnection::failWith(int networkError, const QString &text)
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    m_eof = true;
    auto exchange = std::move(m_exchange);
    m_exchange.reset();
    if (exchange) {
        exchange->connection = nullptr;
        HttpFailure f = m_tlsFailure.tlsErrors.isEmpty() ? HttpFailure() : m_tlsFailure;
        f.networkError = networkError;
        if (f.text.isEmpty())
            f.text = text;
        exchange->finish(f);
    }
    if (m_done)
        m_done(this, false);
}

void HttpConnection::onSslErrors(const QList<QSslError> &errors)
{
    auto *ssl = static_cast<QSslSocket *>(m_socket);
    QSslCertificate peer = ssl->peerCertificate();
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
        && ((m_trusted && m_trusted->contains(sha256))
            || isCertificatePinned(m_url.host(), sha256))) {
        // Only this connection, only these errors, only this certificate.
        ssl->ignoreSslErrors(errors);
        return;
    }
    m_tlsFailure = HttpFailure();
    for (const QSslError &e : errors)
        m_tlsFailure.tlsErrors << e.errorString();
    m_tlsFailure.peerCertificate = der;
    m_tlsFailure.text = ssl->errorString();
    m_mayRetry = false;
}

void HttpConnection::onError()
{
    const QAbstractSocket::SocketError error = m_socket->error();
    if (error == QAbstractSocket::RemoteHostClosedError) {
        onDisconnected();
        return;
    }
    if (!m_exchange) {
        m_eof = true;
        if (m_done)
            m_done(this, false);
        return;
    }
    if (!m_gotBytes && m_tlsFailure.tlsErrors.isEmpty() && retryOnNewConnection())
        return;
    int code = m_tlsFailure.tlsErrors.isEmpty() ? networkErrorOf(error)
                                                : int(QNetworkReply::SslHandshakeFailedError);
    // Before the tunnel is open (or always, in absolute form) the peer is
    // the proxy.
    if ((m_absoluteForm || (m_tunnel && (m_tunnelling || !m_ready)))
        && code == QNetworkReply::ConnectionRefusedError)
        code = QNetworkReply::ProxyConnectionRefusedError;
    else if ((m_absoluteForm || m_tunnel) && code == QNetworkReply::HostNotFoundError)
        code = QNetworkReply::ProxyNotFoundError;
    failWith(code, m_socket->errorString());
}

void HttpConnection::onDisconnected()
{
    if (m_eof && !m_exchange)
        return;
    m_eof = true;
    if (!m_exchange) {
        if (m_done)
            m_done(this, false);
        return;
    }
    pull();
}

} // namespace repodeck::core::http
