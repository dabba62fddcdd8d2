#include "HttpProxyServer.h"

#include <QHostAddress>
#include <QMutexLocker>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QtDebug>

namespace repodeck::test {

namespace {
constexpr qsizetype kMaxHead = 64 * 1024;
} // namespace

// One client connection: read the request head, connect upstream, then pipe
// bytes both ways until either side closes.
class HttpProxyConnection : public QObject
{
public:
    HttpProxyConnection(QTcpSocket *client, HttpProxyServer *owner, QObject *parent)
        : QObject(parent)
        , m_client(client)
        , m_owner(owner)
    {
        m_client->setParent(this);
        connect(m_client, &QTcpSocket::readyRead, this, &HttpProxyConnection::onClientData);
        connect(m_client, &QTcpSocket::disconnected, this, &HttpProxyConnection::close);
        onClientData();
    }

private:
    void onClientData()
    {
        m_pending += m_client->readAll();
        if (m_upstream) {
            flushToUpstream();
            return;
        }
        const qsizetype end = m_pending.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_pending.size() > kMaxHead)
                fail(431, "request head too large");
            return;
        }
        if (!m_started)
            startForwarding(end);
    }

    void startForwarding(qsizetype headEnd)
    {
        m_started = true;
        const QList<QByteArray> lines = m_pending.left(headEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() != 3) {
            fail(400, "bad request line");
            return;
        }
        const QByteArray method = requestLine[0];
        const QByteArray target = requestLine[1];
        m_owner->logRequest(QString::fromLatin1(method + ' ' + target));

        QString host;
        quint16 port = 0;
        if (method == "CONNECT") {
            const qsizetype colon = target.lastIndexOf(':');
            host = QString::fromLatin1(target.left(colon));
            port = static_cast<quint16>(target.mid(colon + 1).toUInt());
            m_pending.remove(0, headEnd + 4);
            m_tunnel = true;
        } else {
            const QUrl url = QUrl::fromEncoded(target);
            if (!url.isValid() || url.scheme() != QLatin1String("http")) {
                fail(400, "absolute http URI expected");
                return;
            }
            host = url.host();
            port = static_cast<quint16>(url.port(80));
            // Origin form for the server; hop-by-hop proxy headers dropped.
            QByteArray head = method + ' '
                              + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority) + ' '
                              + requestLine[2] + "\r\n";
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                if (line.isEmpty() || line.toLower().startsWith("proxy-"))
                    continue;
                head += line + "\r\n";
            }
            m_pending = head + "\r\n" + m_pending.mid(headEnd + 4);
        }
        if (host.isEmpty() || port == 0) {
            fail(400, "no target host");
            return;
        }
        m_upstream = new QTcpSocket(this);
        connect(m_upstream, &QTcpSocket::connected, this, [this] {
            if (m_tunnel)
                m_client->write("HTTP/1.1 200 Connection established\r\n\r\n");
            flushToUpstream();
        });
        connect(m_upstream, &QTcpSocket::readyRead, this,
                [this] { m_client->write(m_upstream->readAll()); });
        connect(m_upstream, &QTcpSocket::disconnected, this, [this] {
            if (m_upstream->bytesAvailable() > 0)
                m_client->write(m_upstream->readAll());
            m_client->disconnectFromHost();
        });
        connect(m_upstream, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
            if (m_upstream->state() != QAbstractSocket::ConnectedState && !m_connectedOnce)
                fail(502, "cannot reach the target: " + m_upstream->errorString().toUtf8());
        });
        connect(m_upstream, &QTcpSocket::connected, this, [this] { m_connectedOnce = true; });
        m_upstream->connectToHost(m_owner->resolve(host), port);
    }

    void flushToUpstream()
    {
        if (m_upstream && m_upstream->state() == QAbstractSocket::ConnectedState
            && !m_pending.isEmpty()) {
            m_upstream->write(m_pending);
            m_pending.clear();
        }
    }

    void fail(int status, const QByteArray &why)
    {
        m_client->write("HTTP/1.1 " + QByteArray::number(status)
                        + " Proxy Error\r\nContent-Length: " + QByteArray::number(why.size() + 1)
                        + "\r\nConnection: close\r\n\r\n" + why + '\n');
        m_client->disconnectFromHost();
    }

    void close()
    {
        if (m_upstream)
            m_upstream->abort();
        deleteLater();
    }

    QTcpSocket *m_client;
    HttpProxyServer *m_owner;
    QTcpSocket *m_upstream = nullptr;
    QByteArray m_pending;
    bool m_started = false;
    bool m_tunnel = false;
    bool m_connectedOnce = false;
};

class HttpProxyWorker : public QObject
{
public:
    explicit HttpProxyWorker(HttpProxyServer *owner)
        : m_owner(owner)
        , m_server(new QTcpServer(this))
    {
        connect(m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server->nextPendingConnection())
                new HttpProxyConnection(socket, m_owner, this);
        });
    }

    quint16 listen()
    {
        if (!m_server->listen(QHostAddress::LocalHost, 0)) {
            qWarning() << "HttpProxyServer: listen failed:" << m_server->errorString();
            return 0;
        }
        return m_server->serverPort();
    }

private:
    HttpProxyServer *m_owner;
    QTcpServer *m_server;
};

HttpProxyServer::HttpProxyServer()
    : m_thread(QStringLiteral("HttpProxyServer"))
{
}

HttpProxyServer::~HttpProxyServer()
{
    stop();
}

bool HttpProxyServer::start()
{
    stop();
    m_thread.start();
    m_worker = m_thread.call([this] { return new HttpProxyWorker(this); });
    HttpProxyWorker *worker = m_worker;
    m_port = m_thread.call([worker] { return worker->listen(); });
    if (m_port == 0) {
        stop();
        return false;
    }
    return true;
}

void HttpProxyServer::stop()
{
    if (m_worker) {
        HttpProxyWorker *worker = m_worker;
        m_thread.call([worker] { delete worker; });
        m_worker = nullptr;
    }
    m_thread.stop();
    m_port = 0;
}

quint16 HttpProxyServer::port() const
{
    return m_port;
}

QString HttpProxyServer::url() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

void HttpProxyServer::addHostAlias(const QString &name, const QString &address)
{
    QMutexLocker lock(&m_mutex);
    m_aliases.insert(name.toLower(), address);
}

QString HttpProxyServer::resolve(const QString &host) const
{
    QMutexLocker lock(&m_mutex);
    return m_aliases.value(host.toLower(), host);
}

void HttpProxyServer::logRequest(const QString &line)
{
    QMutexLocker lock(&m_mutex);
    m_log.append(line);
}

QStringList HttpProxyServer::requestLog() const
{
    QMutexLocker lock(&m_mutex);
    return m_log;
}

int HttpProxyServer::requestCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_log.size();
}

void HttpProxyServer::resetCounters()
{
    QMutexLocker lock(&m_mutex);
    m_log.clear();
}

} // namespace repodeck::test
