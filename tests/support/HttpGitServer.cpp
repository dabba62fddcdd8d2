#include "HttpGitServer.h"

#include "GitRepoFactory.h"
#include "HttpRequestParser.h"

#include <array>

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

namespace {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

constexpr qsizetype kMaxStderrBytes = 64 * 1024;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

// CGI meta-variable name for a request header, per RFC 3875 4.1.18.
QString cgiHeaderVariable(const QByteArray &headerName)
{
    QString name = QString::fromLatin1(headerName).toUpper();
    name.replace(QLatin1Char('-'), QLatin1Char('_'));
    return QStringLiteral("HTTP_") + name;
}

// Where git keeps its helper programs; http-backend is not on PATH.
QString findHttpBackend()
{
    const QString candidate = GitRepoFactory::execPath() + QStringLiteral("/git-http-backend");
    if (QFileInfo(candidate).isExecutable())
        return candidate;
    return QString(); // fall back to "git http-backend"
}

quint32 crc32(const QByteArray &data)
{
    static const auto table = [] {
        std::array<quint32, 256> t{};
        for (quint32 i = 0; i < 256; ++i) {
            quint32 c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    quint32 crc = 0xFFFFFFFFu;
    for (const char ch : data)
        crc = table[(crc ^ static_cast<quint8>(ch)) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

void appendLittleEndian32(QByteArray &out, quint32 v)
{
    for (int i = 0; i < 4; ++i)
        out.append(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// RFC 1952 gzip: qCompress() gives a 4-byte length, a 2-byte zlib header,
// raw deflate data and a 4-byte Adler-32; gzip wants the raw deflate data
// between its own header and a CRC-32 + size trailer.
QByteArray gzip(const QByteArray &data)
{
    const QByteArray z = qCompress(data, 6);
    QByteArray out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
    out += z.mid(6, z.size() - 6 - 4);
    appendLittleEndian32(out, crc32(data));
    appendLittleEndian32(out, static_cast<quint32>(data.size()));
    return out;
}

QByteArray chunked(const QByteArray &body)
{
    constexpr qsizetype kChunk = 16 * 1024;
    QByteArray out;
    for (qsizetype pos = 0; pos < body.size(); pos += kChunk) {
        const QByteArray piece = body.mid(pos, kChunk);
        out += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
    }
    out += "0\r\n\r\n";
    return out;
}

} // namespace

// One accepted socket: parse one request, answer it (fault or CGI), close.
class HttpGitConnection : public QObject
{
public:
    HttpGitConnection(QTcpSocket *socket, HttpGitServer *owner, const QString &projectRoot,
                      const QString &backend, quint16 serverPort, QObject *parent)
        : QObject(parent)
        , m_socket(socket)
        , m_owner(owner)
        , m_projectRoot(projectRoot)
        , m_backend(backend)
        , m_serverPort(serverPort)
    {
        m_socket->setParent(this);
        connect(m_socket, &QTcpSocket::readyRead, this, &HttpGitConnection::onReadyRead);
        connect(m_socket, &QTcpSocket::disconnected, this, &HttpGitConnection::finish);
        // Data may already be buffered before the connection was made.
        onReadyRead();
    }

    ~HttpGitConnection() override
    {
        // Keep a dying CGI from delivering finished() into a half-destroyed object.
        if (m_process)
            m_process->disconnect(this);
    }

private:
    enum class Phase { Reading, Backend, Stalled, Done };

    void onReadyRead()
    {
        const QByteArray data = m_socket->readAll();
        if (m_phase != Phase::Reading || data.isEmpty())
            return;
        const auto state = m_parser.feed(data);
        if (state == HttpRequestParser::State::Error) {
            respond(400, {}, "Bad request: " + m_parser.errorString() + '\n');
            return;
        }
        if (state == HttpRequestParser::State::Body && !m_sentContinue
            && m_parser.request().header("Expect").compare("100-continue", Qt::CaseInsensitive) == 0) {
            // Clients that ask would otherwise wait (curl ~1 s) before sending the body.
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            m_sentContinue = true;
        }
        if (state == HttpRequestParser::State::Complete)
            handleRequest();
    }

    // Only called with a complete request. Even faulted requests are answered
    // after the whole body was read: closing with unread input makes the
    // kernel send RST, and the client would see "connection reset" instead of
    // the status the test asked for.
    void handleRequest()
    {
        const HttpRequest &request = m_parser.request();
        const HttpGitServer::Decision decision = m_owner->decide(request.target, request.headers);
        m_chunked = decision.chunked;
        m_gzip = decision.gzip
            && request.header("Accept-Encoding").toLower().contains("gzip");
        switch (decision.action) {
        case HttpGitServer::Action::Stall:
            m_phase = Phase::Stalled;
            m_owner->logResponse(request.method, request.target, 0);
            return;
        case HttpGitServer::Action::Respond:
            respond(decision.status, decision.headers,
                    QByteArray::number(decision.status) + ' ' + reasonPhrase(decision.status)
                        + " (injected by HttpGitServer)\n");
            return;
        case HttpGitServer::Action::Backend:
            startBackend(decision.remoteUser);
            return;
        }
    }

    void startBackend(const QString &remoteUser)
    {
        const HttpRequest &request = m_parser.request();
        m_phase = Phase::Backend;

        QProcessEnvironment env = GitRepoFactory::environment();
        // Push over HTTP is refused unless enabled (or REMOTE_USER is set);
        // gc.auto=0 keeps receive-pack from starting a detached gc.
        env.insert(QStringLiteral("GIT_CONFIG_COUNT"), QStringLiteral("2"));
        env.insert(QStringLiteral("GIT_CONFIG_KEY_0"), QStringLiteral("http.receivepack"));
        env.insert(QStringLiteral("GIT_CONFIG_VALUE_0"), QStringLiteral("true"));
        env.insert(QStringLiteral("GIT_CONFIG_KEY_1"), QStringLiteral("gc.auto"));
        env.insert(QStringLiteral("GIT_CONFIG_VALUE_1"), QStringLiteral("0"));
        env.insert(QStringLiteral("GIT_PROJECT_ROOT"), m_projectRoot);
        env.insert(QStringLiteral("GIT_HTTP_EXPORT_ALL"), QStringLiteral("1"));
        env.insert(QStringLiteral("GATEWAY_INTERFACE"), QStringLiteral("CGI/1.1"));
        env.insert(QStringLiteral("SERVER_SOFTWARE"), QStringLiteral("repodeck-HttpGitServer"));
        env.insert(QStringLiteral("SERVER_NAME"), QStringLiteral("127.0.0.1"));
        env.insert(QStringLiteral("SERVER_PORT"), QString::number(m_serverPort));
        env.insert(QStringLiteral("SERVER_PROTOCOL"), QStringLiteral("HTTP/1.1"));
        env.insert(QStringLiteral("REMOTE_ADDR"), QStringLiteral("127.0.0.1"));
        env.insert(QStringLiteral("REQUEST_METHOD"), QString::fromLatin1(request.method));
        env.insert(QStringLiteral("SCRIPT_NAME"), QString());
        env.insert(QStringLiteral("PATH_INFO"), QString::fromUtf8(QByteArray::fromPercentEncoding(request.path())));
        env.insert(QStringLiteral("QUERY_STRING"), QString::fromLatin1(request.query()));
        env.insert(QStringLiteral("CONTENT_LENGTH"), QString::number(request.body.size()));
        const QByteArray contentType = request.header("Content-Type");
        if (!contentType.isEmpty())
            env.insert(QStringLiteral("CONTENT_TYPE"), QString::fromLatin1(contentType));
        if (!remoteUser.isEmpty()) {
            env.insert(QStringLiteral("REMOTE_USER"), remoteUser);
            env.insert(QStringLiteral("AUTH_TYPE"), QStringLiteral("Basic"));
        }
        // Every other header as HTTP_*: http-backend reads HTTP_CONTENT_ENCODING
        // (gzip request bodies) and HTTP_GIT_PROTOCOL (protocol v2) from there.
        for (const auto &header : request.headers) {
            const QByteArray lower = header.first.toLower();
            if (lower == "content-type" || lower == "content-length" || lower == "authorization"
                || lower == "transfer-encoding")
                continue;
            env.insert(cgiHeaderVariable(header.first), QString::fromLatin1(header.second));
        }
        const QByteArray gitProtocol = request.header("Git-Protocol");
        if (!gitProtocol.isEmpty())
            env.insert(QStringLiteral("GIT_PROTOCOL"), QString::fromLatin1(gitProtocol));

        m_process = new QProcess(this);
        m_process->setProcessEnvironment(env);
        m_process->setWorkingDirectory(m_projectRoot);
        if (!m_backend.isEmpty()) {
            m_process->setProgram(m_backend);
        } else {
            m_process->setProgram(QStringLiteral("git"));
            m_process->setArguments({QStringLiteral("http-backend")});
        }
        // Signals, not waitForFinished(): this thread serves every connection,
        // so blocking here would serialise concurrent requests.
        connect(m_process, &QProcess::readyReadStandardOutput, this,
                [this] { m_cgiOutput += m_process->readAllStandardOutput(); });
        connect(m_process, &QProcess::readyReadStandardError, this, [this] {
            const QByteArray err = m_process->readAllStandardError();
            if (m_cgiError.size() < kMaxStderrBytes)
                m_cgiError += err.left(kMaxStderrBytes - m_cgiError.size());
        });
        connect(m_process, &QProcess::finished, this, &HttpGitConnection::onBackendFinished);
        connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
            if (error == QProcess::FailedToStart)
                respond(500, {}, "cannot start git http-backend: " + m_process->errorString().toUtf8() + '\n');
        });
        m_process->start();
        m_process->write(request.body);
        m_process->closeWriteChannel();
    }

    void onBackendFinished(int exitCode, QProcess::ExitStatus exitStatus)
    {
        if (m_phase != Phase::Backend)
            return;
        m_cgiOutput += m_process->readAllStandardOutput();
        m_cgiError += m_process->readAllStandardError().left(kMaxStderrBytes);

        // CGI output is a header block, a blank line, then the body. git
        // writes CRLF, but plain LF is legal CGI and cheap to accept.
        const qsizetype crlf = m_cgiOutput.indexOf("\r\n\r\n");
        const qsizetype lf = m_cgiOutput.indexOf("\n\n");
        qsizetype headEnd = -1;
        qsizetype bodyStart = -1;
        if (crlf >= 0 && (lf < 0 || crlf < lf)) {
            headEnd = crlf;
            bodyStart = crlf + 4;
        } else if (lf >= 0) {
            headEnd = lf;
            bodyStart = lf + 2;
        }
        if (headEnd < 0) {
            const QByteArray why = exitStatus == QProcess::NormalExit
                ? "git http-backend exited with " + QByteArray::number(exitCode)
                : QByteArray("git http-backend crashed");
            respond(502, {}, why + " without a CGI header\n" + m_cgiError);
            return;
        }

        int status = 200;
        HeaderList headers;
        const QList<QByteArray> lines = m_cgiOutput.left(headEnd).split('\n');
        for (const QByteArray &rawLine : lines) {
            const QByteArray line = rawLine.trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name.compare("Status", Qt::CaseInsensitive) == 0) {
                status = value.left(3).toInt();
                continue;
            }
            // Framing is ours: the body is complete, so Content-Length is exact.
            if (name.compare("Content-Length", Qt::CaseInsensitive) == 0
                || name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0
                || name.compare("Connection", Qt::CaseInsensitive) == 0)
                continue;
            headers.append({name, value});
        }
        if (status < 100 || status > 599)
            status = 502;
        respond(status, headers, m_cgiOutput.mid(bodyStart), true);
    }

    // `encode`: apply the chunked/gzip options (http-backend answers only).
    void respond(int status, const HeaderList &headers, const QByteArray &plainBody, bool encode = false)
    {
        if (m_phase == Phase::Done)
            return;
        m_phase = Phase::Done;
        const bool gzipped = encode && m_gzip;
        const bool chunkedBody = encode && m_chunked;
        const QByteArray body = gzipped ? gzip(plainBody) : plainBody;
        m_owner->countEncodings(chunkedBody, gzipped);
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
        bool hasContentType = false;
        for (const auto &header : headers) {
            out += header.first + ": " + header.second + "\r\n";
            hasContentType = hasContentType || header.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
        }
        if (!hasContentType)
            out += "Content-Type: text/plain; charset=utf-8\r\n";
        if (gzipped)
            out += "Content-Encoding: gzip\r\n";
        if (chunkedBody)
            out += "Transfer-Encoding: chunked\r\n";
        else
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        // Closing after every response keeps the parser single-shot; libgit2
        // and curl simply reconnect.
        out += "Connection: close\r\n\r\n";
        out += chunkedBody ? chunked(body) : body;
        const HttpRequest &request = m_parser.request();
        m_owner->logResponse(request.method.isEmpty() ? QByteArray("?") : request.method,
                             request.target.isEmpty() ? QByteArray("?") : request.target, status);
        m_socket->write(out);
        // Flushes what is buffered, then closes; disconnected() cleans up.
        m_socket->disconnectFromHost();
    }

    void finish()
    {
        if (m_process && m_process->state() != QProcess::NotRunning) {
            // The client gave up; the CGI's answer has nowhere to go.
            m_process->disconnect(this);
            m_process->kill();
        }
        m_phase = Phase::Done;
        deleteLater();
    }

    QTcpSocket *m_socket;
    HttpGitServer *m_owner;
    QString m_projectRoot;
    QString m_backend;
    quint16 m_serverPort;
    Phase m_phase = Phase::Reading;
    HttpRequestParser m_parser;
    bool m_sentContinue = false;
    bool m_chunked = false;
    bool m_gzip = false;
    QProcess *m_process = nullptr;
    QByteArray m_cgiOutput;
    QByteArray m_cgiError;
};

// Lives in the server thread; owns the listening socket and, as children,
// every connection (and through them every CGI process).
class HttpGitServerWorker : public QObject
{
public:
    HttpGitServerWorker(HttpGitServer *owner, const QString &projectRoot, const QByteArray &certificatePem,
                        const QByteArray &keyPem)
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
            const QList<QSslCertificate> chain = QSslCertificate::fromData(certificatePem, QSsl::Pem);
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
                new HttpGitConnection(socket, m_owner, m_projectRoot, m_backend, m_server->serverPort(), this);
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
    m_worker = m_thread.call(
        [this, root, certificate, key] { return new HttpGitServerWorker(this, root, certificate, key); });
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
    const QString scheme = m_tlsCertificate.isEmpty() ? QStringLiteral("http") : QStringLiteral("https");
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

void HttpGitServer::failNext(int status, int count, int retryAfterSeconds, const QString &pathFilter)
{
    QMutexLocker lock(&m_mutex);
    m_failStatus = status;
    m_failCount = count;
    m_failRetryAfter = retryAfterSeconds >= 0 ? QByteArray::number(retryAfterSeconds) : QByteArray();
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

HttpGitServer::Decision HttpGitServer::decide(const QByteArray &target, const QList<QPair<QByteArray, QByteArray>> &headers)
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
    auto matches = [&where](const QString &filter) { return filter.isEmpty() || where.contains(filter); };
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
        decision.headers.emplaceBack("Location", (redirect.second.first + where.mid(prefix.size() - 1)).toUtf8());
        return decision;
    }
    if (!m_expectedAuthorization.isEmpty()) {
        // Scheme names are case-insensitive; credentials are compared exactly.
        const qsizetype space = authorization.indexOf(' ');
        const qsizetype expectedSpace = m_expectedAuthorization.indexOf(' ');
        const bool sameScheme = space > 0
            && authorization.left(space).compare(m_expectedAuthorization.left(expectedSpace), Qt::CaseInsensitive) == 0;
        if (!sameScheme || authorization.mid(space + 1).trimmed() != m_expectedAuthorization.mid(expectedSpace + 1)) {
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
