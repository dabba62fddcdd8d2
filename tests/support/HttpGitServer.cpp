#include "HttpGitServer.h"

#include "HttpGitConnection.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QHostAddress>
#include <QMutexLocker>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QtDebug>

namespace repodeck::test {

// Lives in the server thread; owns the listening socket and, as children,
// every connection (and through them every CGI process).
class HttpGitServerWorker : public QObject
{
public:
    HttpGitServerWorker(HttpGitServer *owner, const QString &projectRoot,
                        const QByteArray &certificatePem, const QByteArray &keyPem)
        : m_owner(owner)
        , m_projectRoot(projectRoot)
        , m_backend(findHttpBackend())
    {
        if (certificatePem.isEmpty()) {
            m_server = new QTcpServer(this);
        } else {
            // QSslServer hands out sockets once their handshake is complete.
            auto *tls = new QSslServer(this);
            QSslConfiguration config = QSslConfiguration::defaultConfiguration();
            const QList<QSslCertificate> chain = QSslCertificate::fromData(certificatePem,
                                                                           QSsl::Pem);
            if (!chain.isEmpty())
                config.setLocalCertificate(chain.first());
            config.setLocalCertificateChain(chain);
            config.setPrivateKey(QSslKey(keyPem, QSsl::Rsa, QSsl::Pem));
            config.setPeerVerifyMode(QSslSocket::VerifyNone);
            tls->setSslConfiguration(config);
            m_server = tls;
        }
        auto accept = [this] {
            while (QTcpSocket *socket = m_server->nextPendingConnection())
                startHttpGitConnection(socket, m_owner, m_projectRoot, m_backend,
                                       m_server->serverPort(), this);
        };
        connect(m_server, &QTcpServer::newConnection, this, accept);
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, accept);
    }

    quint16 listen()
    {
        if (!m_server->listen(QHostAddress::LocalHost, 0)) {
            qWarning() << "HttpGitServer: listen failed:" << m_server->errorString();
            return 0;
        }
        return m_server->serverPort();
    }

private:
    HttpGitServer *m_owner;
    QString m_projectRoot;
    QString m_backend;
    QTcpServer *m_server = nullptr;
};

HttpGitServer::HttpGitServer()
    : m_thread(QStringLiteral("HttpGitServer"))
{
}

HttpGitServer::~HttpGitServer()
{
    stop();
}

bool HttpGitServer::start(const QString &projectRoot)
{
    stop();
    // http-backend resolves repositories below GIT_PROJECT_ROOT literally, so
    // give it the canonical path (temp dirs may sit behind symlinks).
    const QString root = QFileInfo(projectRoot).canonicalFilePath();
    if (root.isEmpty()) {
        qWarning() << "HttpGitServer: no such directory" << projectRoot;
        return false;
    }
    m_thread.start();
    QByteArray certificate, key;
    {
        QMutexLocker lock(&m_mutex);
        certificate = m_tlsCertificate;
        key = m_tlsKey;
    }
    m_worker = m_thread.call([this, root, certificate, key] {
        return new HttpGitServerWorker(this, root, certificate, key);
    });
    HttpGitServerWorker *worker = m_worker;
    const quint16 port = m_thread.call([worker] { return worker->listen(); });
    if (port == 0) {
        stop();
        return false;
    }
    m_port = port;
    return true;
}

void HttpGitServer::stop()
{
    if (m_worker) {
        HttpGitServerWorker *worker = m_worker;
        // Deleted in its own thread: sockets and QProcess are thread-affine.
        m_thread.call([worker] { delete worker; });
        m_worker = nullptr;
    }
    m_thread.stop();
    m_port = 0;
}

quint16 HttpGitServer::port() const
{
    return m_port;
}

QString HttpGitServer::url(const QString &repoName) const
{
    QMutexLocker lock(&m_mutex);
    const QString scheme = m_tlsCertificate.isEmpty() ? QStringLiteral("http")
                                                      : QStringLiteral("https");
    return QStringLiteral("%1://%2:%3/%4").arg(scheme, m_urlHost).arg(port()).arg(repoName);
}

QString HttpGitServer::urlWithCredentials(const QString &repoName, const QString &user,
                                          const QString &password) const
{
    return QStringLiteral("http://%1:%2@127.0.0.1:%3/%4")
        .arg(QString::fromLatin1(QUrl::toPercentEncoding(user)),
             QString::fromLatin1(QUrl::toPercentEncoding(password)))
        .arg(port())
        .arg(repoName);
}

void HttpGitServer::failNext(int status, int count, int retryAfterSeconds,
                             const QString &pathFilter)
{
    QMutexLocker lock(&m_mutex);
    m_failStatus = status;
    m_failCount = count;
    m_failRetryAfter = retryAfterSeconds >= 0 ? QByteArray::number(retryAfterSeconds)
                                              : QByteArray();
    m_failFilter = pathFilter;
}

void HttpGitServer::setAlwaysStatus(int status, const QString &pathFilter)
{
    QMutexLocker lock(&m_mutex);
    m_alwaysStatus = status;
    m_alwaysFilter = pathFilter;
}

void HttpGitServer::requireBasicAuth(const QString &user, const QString &password)
{
    QMutexLocker lock(&m_mutex);
    m_expectedAuthorization = "Basic " + (user + QLatin1Char(':') + password).toUtf8().toBase64();
    m_authUser = user;
}

void HttpGitServer::clearBasicAuth()
{
    QMutexLocker lock(&m_mutex);
    m_expectedAuthorization.clear();
    m_authUser.clear();
}

void HttpGitServer::setStallAfterHeaders(bool stall, const QString &pathFilter)
{
    QMutexLocker lock(&m_mutex);
    m_stall = stall;
    m_stallFilter = pathFilter;
}

void HttpGitServer::setTls(const QByteArray &certificateChainPem, const QByteArray &privateKeyPem)
{
    QMutexLocker lock(&m_mutex);
    m_tlsCertificate = certificateChainPem;
    m_tlsKey = privateKeyPem;
}

void HttpGitServer::setUrlHost(const QString &host)
{
    QMutexLocker lock(&m_mutex);
    m_urlHost = host;
}

void HttpGitServer::failNextWithRetryAfter(int status, int count, const QByteArray &retryAfter,
                                           const QString &pathFilter)
{
    QMutexLocker lock(&m_mutex);
    m_failStatus = status;
    m_failCount = count;
    m_failRetryAfter = retryAfter;
    m_failFilter = pathFilter;
}

void HttpGitServer::addRedirect(const QString &fromRepo, const QString &toUrl, int status)
{
    QMutexLocker lock(&m_mutex);
    m_redirects.append({fromRepo, {toUrl, status}});
}

void HttpGitServer::requireBearerToken(const QString &token)
{
    QMutexLocker lock(&m_mutex);
    m_expectedAuthorization = "Bearer " + token.toUtf8();
    m_authUser = QStringLiteral("token");
}

void HttpGitServer::setChunkedResponses(bool chunked)
{
    QMutexLocker lock(&m_mutex);
    m_chunked = chunked;
}

void HttpGitServer::setGzipResponses(bool gzip)
{
    QMutexLocker lock(&m_mutex);
    m_gzip = gzip;
}

int HttpGitServer::chunkedResponseCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_chunkedCount;
}

int HttpGitServer::gzipResponseCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_gzipCount;
}

void HttpGitServer::countEncodings(bool chunked, bool gzip)
{
    QMutexLocker lock(&m_mutex);
    m_chunkedCount += chunked ? 1 : 0;
    m_gzipCount += gzip ? 1 : 0;
}

QByteArray HttpGitServer::lastRequestHeader(const QByteArray &name) const
{
    QMutexLocker lock(&m_mutex);
    for (const auto &h : m_lastHeaders)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

void HttpGitServer::clearFaults()
{
    QMutexLocker lock(&m_mutex);
    m_redirects.clear();
    m_chunked = false;
    m_gzip = false;
    m_failCount = 0;
    m_alwaysStatus = 0;
    m_expectedAuthorization.clear();
    m_authUser.clear();
    m_stall = false;
}

int HttpGitServer::requestCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_requestCount;
}

QStringList HttpGitServer::requestLog() const
{
    QMutexLocker lock(&m_mutex);
    return m_requestLog;
}

void HttpGitServer::resetCounters()
{
    QMutexLocker lock(&m_mutex);
    m_requestCount = 0;
    m_requestLog.clear();
}

bool HttpGitServer::waitForRequests(int n, int timeoutMs) const
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&m_mutex);
    while (m_requestCount < n) {
        if (!m_requestArrived.wait(&m_mutex, deadline))
            break;
    }
    return m_requestCount >= n;
}

HttpGitServer::Decision HttpGitServer::decide(const QByteArray &target,
                                              const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QMutexLocker lock(&m_mutex);
    ++m_requestCount;
    m_requestArrived.wakeAll();
    m_lastHeaders = headers;
    QByteArray authorization;
    for (const auto &h : headers)
        if (h.first.compare("Authorization", Qt::CaseInsensitive) == 0)
            authorization = h.second;

    const QString where = QString::fromUtf8(target);
    auto matches = [&where](const QString &filter) {
        return filter.isEmpty() || where.contains(filter);
    };
    const bool bearer = m_expectedAuthorization.startsWith("Bearer ");
    auto challenge = [bearer](Decision &d) {
        if (d.status == 401)
            d.headers.emplaceBack("WWW-Authenticate", bearer ? QByteArray("Bearer realm=\"test\"")
                                                             : QByteArray("Basic realm=\"test\""));
    };

    Decision decision;
    if (m_stall && matches(m_stallFilter)) {
        decision.action = Action::Stall;
        decision.status = 0;
        return decision;
    }
    if (m_failCount > 0 && matches(m_failFilter)) {
        --m_failCount;
        decision.action = Action::Respond;
        decision.status = m_failStatus;
        if (!m_failRetryAfter.isEmpty())
            decision.headers.emplaceBack("Retry-After", m_failRetryAfter);
        challenge(decision);
        return decision;
    }
    if (m_alwaysStatus != 0 && matches(m_alwaysFilter)) {
        decision.action = Action::Respond;
        decision.status = m_alwaysStatus;
        challenge(decision);
        return decision;
    }
    for (const auto &redirect : std::as_const(m_redirects)) {
        const QString prefix = QLatin1Char('/') + redirect.first + QLatin1Char('/');
        if (!where.startsWith(prefix))
            continue;
        decision.action = Action::Respond;
        decision.status = redirect.second.second;
        decision.headers.emplaceBack(
            "Location", (redirect.second.first + where.mid(prefix.size() - 1)).toUtf8());
        return decision;
    }
    if (!m_expectedAuthorization.isEmpty()) {
        // Scheme names are case-insensitive; credentials are compared exactly.
        const qsizetype space = authorization.indexOf(' ');
        const qsizetype expectedSpace = m_expectedAuthorization.indexOf(' ');
        const bool sameScheme = space > 0
                                && authorization.left(space).compare(m_expectedAuthorization.left(
                                                                         expectedSpace),
                                                                     Qt::CaseInsensitive)
                                       == 0;
        if (!sameScheme
            || authorization.mid(space + 1).trimmed()
                   != m_expectedAuthorization.mid(expectedSpace + 1)) {
            decision.action = Action::Respond;
            decision.status = 401;
            challenge(decision);
            return decision;
        }
        decision.remoteUser = m_authUser;
    }
    decision.chunked = m_chunked;
    decision.gzip = m_gzip;
    return decision;
}

void HttpGitServer::logResponse(const QByteArray &method, const QByteArray &target, int status)
{
    QMutexLocker lock(&m_mutex);
    m_requestLog.append(QStringLiteral("%1 %2 %3")
                            .arg(QString::fromLatin1(method), QString::fromUtf8(target))
                            .arg(status));
}

} // namespace repodeck::test
