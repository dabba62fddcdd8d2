#include "HttpGitConnection.h"

#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "HttpRequestParser.h"

#include <array>

#include <QFileInfo>
#include <QMutexLocker>
#include <QProcess>
#include <QSslSocket>
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
            && m_parser.request().header("Expect").compare("100-continue", Qt::CaseInsensitive)
                   == 0) {
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
        m_gzip = decision.gzip && request.header("Accept-Encoding").toLower().contains("gzip");
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
        case HttpGitServer::Action::Backend: startBackend(decision.remoteUser); return;
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
        env.insert(QStringLiteral("PATH_INFO"),
                   QString::fromUtf8(QByteArray::fromPercentEncoding(request.path())));
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
                respond(500, {},
                        "cannot start git http-backend: " + m_process->errorString().toUtf8()
                            + '\n');
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
                                       ? "git http-backend exited with "
                                             + QByteArray::number(exitCode)
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
    void respond(int status, const HeaderList &headers, const QByteArray &plainBody,
                 bool encode = false)
    {
        if (m_phase == Phase::Done)
            return;
        m_phase = Phase::Done;
        const bool gzipped = encode && m_gzip;
        const bool chunkedBody = encode && m_chunked;
        const QByteArray body = gzipped ? gzip(plainBody) : plainBody;
        m_owner->countEncodings(chunkedBody, gzipped);
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                         + "\r\n";
        bool hasContentType = false;
        for (const auto &header : headers) {
            out += header.first + ": " + header.second + "\r\n";
            hasContentType = hasContentType
                             || header.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
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

// Where git keeps its helper programs; http-backend is not on PATH.
QString findHttpBackend()
{
    const QString candidate = GitRepoFactory::execPath() + QStringLiteral("/git-http-backend");
    if (QFileInfo(candidate).isExecutable())
        return candidate;
    return QString(); // fall back to "git http-backend"
}

QObject *startHttpGitConnection(QTcpSocket *socket, HttpGitServer *owner,
                                const QString &projectRoot, const QString &backend,
                                quint16 serverPort, QObject *parent)
{
    return new HttpGitConnection(socket, owner, projectRoot, backend, serverPort, parent);
}

} // namespace repodeck::test
