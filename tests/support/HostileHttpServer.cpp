#include "HostileHttpServer.h"

#include "HttpRequestParser.h"

#include <QMutexLocker>
#include <QTcpServer>
#include <QTcpSocket>

#include <zlib.h>

#include <memory>

namespace repodeck::test {

namespace {

// Raw deflate of `data`, ending on a byte boundary (Z_FULL_FLUSH: the next
// piece may start with a fresh compressor) or, with `last`, the final block.
QByteArray deflatePiece(const QByteArray &data, bool last)
{
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    QByteArray out(static_cast<qsizetype>(deflateBound(&z, static_cast<uLong>(data.size())) + 64),
                   Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, last ? Z_FINISH : Z_FULL_FLUSH);
    out.resize(static_cast<qsizetype>(z.total_out));
    deflateEnd(&z);
    return out;
}

QByteArray pkt(const QByteArray &payload)
{
    return QByteArray::number(payload.size() + 4, 16).rightJustified(4, '0') + payload;
}

void putLe32(QByteArray *out, quint32 v)
{
    for (int i = 0; i < 4; ++i)
        out->append(static_cast<char>((v >> (8 * i)) & 0xff));
}

} // namespace

class HostileHttpWorker : public QObject
{
public:
    explicit HostileHttpWorker(HostileHttpServer *owner)
        : m_owner(owner)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
    }
    quint16 listen()
    {
        return m_server.listen(QHostAddress::LocalHost, 0) ? m_server.serverPort() : 0;
    }

private:
    void serve(QTcpSocket *socket)
    {
        ++m_owner->m_connections;
        socket->setParent(this);
        auto parser = std::make_shared<std::unique_ptr<HttpRequestParser>>(
            std::make_unique<HttpRequestParser>());
        auto requests = std::make_shared<int>(0);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, parser, requests] {
            HttpRequestParser &p = **parser;
            if (p.state() == HttpRequestParser::State::Complete)
                return;
            const auto state = p.feed(socket->readAll());
            if (state == HttpRequestParser::State::Error) {
                socket->abort();
                return;
            }
            if (state != HttpRequestParser::State::Complete)
                return;
            const HttpRequest &r = p.request();
            const HostileHttpServer::Answer a = m_owner->answer(r.method, r.target,
                                                                r.header("Authorization"));
            if (a.closeOnReuse && ++*requests > 1) {
                socket->disconnectFromHost(); // no answer: closed as it is reused
                return;
            }
            socket->write(a.head);
            socket->write(a.body);
            if (a.keepOpen) {
                *parser = std::make_unique<HttpRequestParser>();
                return;
            }
            if (a.streamed.count == 0) {
                socket->disconnectFromHost(); // after the buffered answer is written
                return;
            }
            socket->write(a.streamed.head);
            // One piece at a time as the client reads: the server holds
            // kilobytes, whatever the client makes of them.
            auto left = std::make_shared<qint64>(a.streamed.count);
            const QByteArray piece = a.streamed.piece;
            const QByteArray tail = a.streamed.tail;
            auto more = [socket, left, piece, tail] {
                while (*left > 0 && socket->bytesToWrite() < 256 * 1024) {
                    socket->write(piece);
                    if (--*left == 0) {
                        socket->write(tail);
                        socket->disconnectFromHost();
                    }
                }
            };
            connect(socket, &QTcpSocket::bytesWritten, socket, more);
            more();
        });
    }

    HostileHttpServer *m_owner;
    QTcpServer m_server;
};

HostileHttpServer::HostileHttpServer()
    : m_thread(QStringLiteral("hostile-http"))
{
}

HostileHttpServer::~HostileHttpServer()
{
    stop();
}

bool HostileHttpServer::start()
{
    m_thread.start();
    m_port = m_thread.call([this]() -> quint16 {
        m_worker = new HostileHttpWorker(this);
        return m_worker->listen();
    });
    return m_port != 0;
}

void HostileHttpServer::stop()
{
    if (!m_thread.isRunning())
        return;
    m_thread.call([this] {
        delete m_worker;
        m_worker = nullptr;
    });
    m_thread.stop();
}

quint16 HostileHttpServer::port() const
{
    return m_port;
}

QString HostileHttpServer::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1/%2").arg(m_port.load()).arg(path);
}

void HostileHttpServer::redirectTo(const QString &base, int status)
{
    QMutexLocker lock(&m_mutex);
    m_redirectBase = base;
    m_redirectStatus = status;
}

void HostileHttpServer::setAuthBeforeRedirect(bool on)
{
    QMutexLocker lock(&m_mutex);
    m_authBeforeRedirect = on;
}

namespace {
void advertisementParts(qint64 decodedBytes, bool varied, QByteArray *prefix, QByteArray *block,
                        qint64 *count)
{
    // What git http-backend would start with, then one ref line over and over
    // (libgit2 keeps every ref of an advertisement in memory).
    const QByteArray id(40, 'a');
    static const char caps[] = " HEAD\0side-band-64k ofs-delta\n";
    *prefix = pkt("# service=git-upload-pack\n") + "0000"
              + pkt(id + QByteArray(caps, sizeof caps - 1));
    const QByteArray line = pkt(id + " refs/tags/bomb-0000000000\n");
    block->clear();
    quint32 n = 0x9e3779b9;
    while (block->size() + line.size() <= 1024 * 1024) {
        if (!varied) {
            *block += line;
            continue;
        }
        n = n * 1664525u + 1013904223u;
        const QByteArray hex = QByteArray::number(n, 16).rightJustified(8, '0');
        *block += pkt(hex.repeated(5) + " refs/tags/v" + hex + "\n");
    }
    *count = std::max<qint64>(1, decodedBytes / block->size());
}
} // namespace

void HostileHttpServer::serveGzipBomb(qint64 decodedBytes, bool varied)
{
    QByteArray prefix;
    QByteArray block;
    qint64 count = 0;
    advertisementParts(decodedBytes, varied, &prefix, &block, &count);
    const GzipParts bomb = gzipParts(prefix, block, count, "0000");
    QMutexLocker lock(&m_mutex);
    m_bomb = bomb;
    m_bombGzip = true;
}

void HostileHttpServer::serveHugeAdvertisement(qint64 bytes)
{
    GzipParts plain;
    advertisementParts(bytes, true, &plain.head, &plain.piece, &plain.count);
    plain.tail = "0000";
    QMutexLocker lock(&m_mutex);
    m_bomb = plain;
    m_bombGzip = false;
}

void HostileHttpServer::serveEndlessUnauthorized()
{
    QMutexLocker lock(&m_mutex);
    m_endless401 = true;
}

void HostileHttpServer::serveEndlessProgress()
{
    QMutexLocker lock(&m_mutex);
    m_endlessProgress = true;
}

void HostileHttpServer::serveEndlessConnectAnswer()
{
    QMutexLocker lock(&m_mutex);
    m_endlessConnect = true;
}

void HostileHttpServer::serveKeepAliveClosingOnReuse()
{
    QMutexLocker lock(&m_mutex);
    m_keepAliveClosing = true;
}

void HostileHttpServer::serveProxyAuthRequired(const QByteArray &scheme)
{
    QMutexLocker lock(&m_mutex);
    m_proxyAuthScheme = scheme;
}

int HostileHttpServer::connections() const
{
    return m_connections;
}

qint64 HostileHttpServer::bombSize() const
{
    QMutexLocker lock(&m_mutex);
    return m_bomb.count > 0 ? m_bomb.size() : 0;
}

void HostileHttpServer::clear()
{
    QMutexLocker lock(&m_mutex);
    m_redirectBase.clear();
    m_authBeforeRedirect = false;
    m_bomb = GzipParts{};
    m_endless401 = false;
    m_endlessProgress = false;
    m_endlessConnect = false;
    m_keepAliveClosing = false;
    m_proxyAuthScheme.clear();
    m_seen.clear();
}

QList<HostileHttpServer::Seen> HostileHttpServer::seen() const
{
    QMutexLocker lock(&m_mutex);
    return m_seen;
}

QList<QByteArray> HostileHttpServer::credentialsSeen() const
{
    QList<QByteArray> out;
    for (const Seen &s : seen()) {
        if (s.authorization.isEmpty())
            continue;
        if (s.authorization.startsWith("Basic "))
            out << QByteArray::fromBase64(s.authorization.mid(6).trimmed());
        else
            out << s.authorization;
    }
    return out;
}

HostileHttpServer::Answer HostileHttpServer::answer(const QByteArray &method,
                                                    const QByteArray &target,
                                                    const QByteArray &authorization)
{
    QMutexLocker lock(&m_mutex);
    m_seen.append({method, target, authorization});
    Answer a;
    if (!m_redirectBase.isEmpty() && (!m_authBeforeRedirect || !authorization.isEmpty())) {
        a.head = "HTTP/1.1 " + QByteArray::number(m_redirectStatus)
                 + " Moved\r\nLocation: " + m_redirectBase.toUtf8() + target
                 + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return a;
    }
    if (m_bomb.count > 0 && target.contains("/info/refs")) {
        a.head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n"
                 + QByteArray(m_bombGzip ? "Content-Encoding: gzip\r\n" : "") + "Content-Length: "
                 + QByteArray::number(m_bomb.size()) + "\r\nConnection: close\r\n\r\n";
        a.streamed = m_bomb;
        return a;
    }
    const auto pkt = [](const QByteArray &line) {
        return QByteArray::number(line.size() + 4, 16).rightJustified(4, '0') + line;
    };
    if (m_endlessConnect && method == "CONNECT") {
        a.head = "HTTP/1.1 200 Connection established\r\n";
        QByteArray piece;
        while (piece.size() < 60 * 1024)
            piece += "X-Padding: " + QByteArray(100, 'p') + "\r\n";
        a.streamed.piece = piece;
        a.streamed.count = (qint64(1) << 40) / piece.size();
        return a;
    }
    if (!m_proxyAuthScheme.isEmpty()) {
        a.body = "sign in first\n";
        a.head = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: "
                 + m_proxyAuthScheme + "\r\nContent-Length: " + QByteArray::number(a.body.size())
                 + "\r\nConnection: close\r\n\r\n";
        return a;
    }
    if (m_keepAliveClosing) {
        a.keepOpen = true;
        a.closeOnReuse = true;
        a.body = "hello " + target;
        a.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                 + QByteArray::number(a.body.size()) + "\r\n\r\n";
        return a;
    }
    if (m_endless401) {
        a.head
            = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"hostile\"\r\n"
              "Content-Length: 1099511627776\r\nConnection: close\r\n\r\n";
        a.streamed.piece = QByteArray(64 * 1024, 'x');
        a.streamed.count = (qint64(1) << 40) / a.streamed.piece.size();
        return a;
    }
    if (m_endlessProgress && target.contains("/info/refs")) {
        const QByteArray id(40, '1');
        a.body = pkt("# service=git-upload-pack\n") + "0000"
                 + pkt(id + " HEAD" + QByteArray(1, '\0')
                       + "multi_ack_detailed side-band-64k ofs-delta agent=hostile\n")
                 + pkt(id + " refs/heads/main\n") + "0000";
        a.head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\nContent-Length: "
                 + QByteArray::number(a.body.size()) + "\r\nConnection: close\r\n\r\n";
        return a;
    }
    if (m_endlessProgress && method == "POST") {
        a.head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-result\r\nConnection: close\r\n\r\n";
        a.body = pkt("NAK\n");
        QByteArray piece;
        while (piece.size() < 60 * 1024)
            piece += pkt(QByteArray(1, '\2') + "Counting objects: 50% (1/2)\r");
        a.streamed.piece = piece;
        a.streamed.count = (qint64(1) << 40) / piece.size();
        return a;
    }
    a.body = "credentials please\n";
    a.head
        = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"hostile\"\r\nContent-Type: text/plain\r\n"
          "Content-Length: "
          + QByteArray::number(a.body.size()) + "\r\nConnection: close\r\n\r\n";
    return a;
}

HostileHttpServer::GzipParts HostileHttpServer::gzipParts(const QByteArray &prefix,
                                                          const QByteArray &block, qint64 count,
                                                          const QByteArray &suffix)
{
    GzipParts parts;
    parts.head = QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10)
                 + deflatePiece(prefix, false);
    parts.piece = deflatePiece(block, false);
    parts.count = count;
    parts.tail = deflatePiece(suffix, true);
    const auto crcOf = [](const QByteArray &d) {
        return crc32(0, reinterpret_cast<const Bytef *>(d.constData()),
                     static_cast<uInt>(d.size()));
    };
    uLong crc = crcOf(prefix);
    const uLong blockCrc = crcOf(block);
    for (qint64 i = 0; i < count; ++i)
        crc = crc32_combine(crc, blockCrc, static_cast<z_off_t>(block.size()));
    crc = crc32_combine(crc, crcOf(suffix), static_cast<z_off_t>(suffix.size()));
    const qint64 total = prefix.size() + block.size() * count + suffix.size();
    putLe32(&parts.tail, static_cast<quint32>(crc));
    putLe32(&parts.tail, static_cast<quint32>(total & 0xffffffff));
    return parts;
}

QByteArray HostileHttpServer::gzipRepeated(const QByteArray &prefix, const QByteArray &block,
                                           qint64 count, const QByteArray &suffix)
{
    const GzipParts parts = gzipParts(prefix, block, count, suffix);
    QByteArray out = parts.head;
    for (qint64 i = 0; i < parts.count; ++i)
        out += parts.piece;
    return out + parts.tail;
}

} // namespace repodeck::test
