#include "LfsServer.h"

#include "HttpRequestParser.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QTcpServer>
#include <QTcpSocket>

namespace repodeck::test {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

QByteArray head(int status, const QByteArray &type, qint64 length, const QByteArray &extra = {})
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
           + "\r\nContent-Type: " + type + "\r\nContent-Length: " + QByteArray::number(length)
           + "\r\n" + extra + "Connection: close\r\n\r\n";
}

} // namespace

class LfsServerWorker : public QObject
{
public:
    explicit LfsServerWorker(LfsServer *owner)
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
        socket->setParent(this);
        auto parser = std::make_shared<HttpRequestParser>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, parser] {
            if (parser->state() == HttpRequestParser::State::Complete)
                return;
            const auto state = parser->feed(socket->readAll());
            if (state == HttpRequestParser::State::Error) {
                socket->abort();
                return;
            }
            if (state == HttpRequestParser::State::Complete)
                answer(socket, parser->request());
        });
    }

    void answer(QTcpSocket *socket, const HttpRequest &r)
    {
        const QByteArray path = r.path();
        if (r.method == "POST" && path.endsWith("/objects/batch"))
            return batch(socket, r);
        if (r.method == "GET" && path.contains("/objects/"))
            return download(socket, path.mid(path.lastIndexOf('/') + 1));
        send(socket, head(404, "text/plain", 9) + "not found");
    }

    void batch(QTcpSocket *socket, const HttpRequest &r)
    {
        ++m_owner->m_batchRequests;
        if (const int status = m_owner->takeBatchFault()) {
            const QByteArray body = "{\"message\":\"injected " + QByteArray::number(status) + "\"}";
            const QByteArray extra = status == 401
                                         ? QByteArray("WWW-Authenticate: Basic realm=\"lfs\"\r\n")
                                         : QByteArray();
            send(socket, head(status, "application/vnd.git-lfs+json", body.size(), extra) + body);
            return;
        }
        const QJsonArray wanted = QJsonDocument::fromJson(r.body)
                                      .object()
                                      .value(QStringLiteral("objects"))
                                      .toArray();
        QJsonArray objects;
        for (const QJsonValue &v : wanted) {
            const QString oid = v.toObject().value(QStringLiteral("oid")).toString();
            const QByteArray data = m_owner->object(oid.toLatin1());
            QJsonObject o{{QStringLiteral("oid"), oid},
                          {QStringLiteral("size"), v.toObject().value(QStringLiteral("size"))}};
            if (data.isNull()) {
                o.insert(QStringLiteral("error"),
                         QJsonObject{{QStringLiteral("code"), 404},
                                     {QStringLiteral("message"),
                                      QStringLiteral("Object does not exist")}});
            } else {
                o.insert(QStringLiteral("authenticated"), true);
                o.insert(QStringLiteral("actions"),
                         QJsonObject{
                             {QStringLiteral("download"),
                              QJsonObject{{QStringLiteral("href"),
                                           m_owner->url() + QStringLiteral("/objects/") + oid}}}});
            }
            objects.append(o);
        }
        const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("transfer"),
                                                           QStringLiteral("basic")},
                                                          {QStringLiteral("objects"), objects}})
                                    .toJson(QJsonDocument::Compact);
        send(socket, head(200, "application/vnd.git-lfs+json", body.size()) + body);
    }

    void download(QTcpSocket *socket, const QByteArray &oid)
    {
        ++m_owner->m_objectRequests;
        const QByteArray data = m_owner->object(oid);
        if (data.isNull()) {
            send(socket, head(404, "text/plain", 9) + "not found");
            return;
        }
        switch (m_owner->takeObjectFault()) {
        case LfsServer::ObjectFault::StallHalfway:
            // Half the bytes, then silence on an open connection.
            socket->write(head(200, "application/octet-stream", data.size())
                          + data.left(data.size() / 2));
            m_owner->m_bytesServed += data.size() / 2;
            return;
        case LfsServer::ObjectFault::CutHalfway:
            socket->write(head(200, "application/octet-stream", data.size())
                          + data.left(data.size() / 2));
            m_owner->m_bytesServed += data.size() / 2;
            socket->disconnectFromHost();
            return;
        case LfsServer::ObjectFault::None: break;
        }
        m_owner->m_bytesServed += data.size();
        ++m_owner->m_objectsServed;
        send(socket, head(200, "application/octet-stream", data.size()) + data);
    }

    static void send(QTcpSocket *socket, const QByteArray &bytes)
    {
        socket->write(bytes);
        socket->disconnectFromHost(); // after the buffered answer is written
    }

    LfsServer *m_owner;
    QTcpServer m_server;
};

LfsServer::LfsServer()
    : m_thread(QStringLiteral("lfs-server"))
{
}

LfsServer::~LfsServer()
{
    stop();
}

bool LfsServer::start()
{
    m_thread.start();
    m_port = m_thread.call([this]() -> quint16 {
        m_worker = new LfsServerWorker(this);
        return m_worker->listen();
    });
    return m_port != 0;
}

void LfsServer::stop()
{
    if (!m_thread.isRunning())
        return;
    m_thread.call([this] {
        delete m_worker;
        m_worker = nullptr;
    });
    m_thread.stop();
}

QString LfsServer::url() const
{
    return QStringLiteral("http://127.0.0.1:%1/lfs").arg(m_port);
}

int LfsServer::addObjectsFrom(const QString &lfsObjectsDir)
{
    int added = 0;
    QDirIterator it(lfsObjectsDir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString oid = QFileInfo(path).fileName();
        if (oid.size() != 64)
            continue;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        QMutexLocker lock(&m_mutex);
        m_objects.insert(oid.toLatin1(), f.readAll());
        ++added;
    }
    return added;
}

void LfsServer::failBatch(int status, int count)
{
    QMutexLocker lock(&m_mutex);
    m_batchStatus = status;
    m_batchFailures = count;
}

void LfsServer::setObjectFault(ObjectFault fault, int count)
{
    QMutexLocker lock(&m_mutex);
    m_objectFault = fault;
    m_objectFaults = count;
}

int LfsServer::takeBatchFault()
{
    QMutexLocker lock(&m_mutex);
    if (m_batchFailures <= 0)
        return 0;
    --m_batchFailures;
    return m_batchStatus;
}

LfsServer::ObjectFault LfsServer::takeObjectFault()
{
    QMutexLocker lock(&m_mutex);
    if (m_objectFaults <= 0 || m_objectFault == ObjectFault::None)
        return ObjectFault::None;
    --m_objectFaults;
    return m_objectFault;
}

QByteArray LfsServer::object(const QByteArray &oid) const
{
    QMutexLocker lock(&m_mutex);
    return m_objects.value(oid);
}

} // namespace repodeck::test
