#include "PackServer.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>

#include <condition_variable>
#include <mutex>

namespace repodeck::test {

namespace {

QByteArray pkt(const QByteArray &payload)
{
    return QByteArray::number(payload.size() + 4, 16).rightJustified(4, '0') + payload;
}

bool readExactly(QTcpSocket &s, qint64 n, QByteArray *out)
{
    out->clear();
    QElapsedTimer t;
    t.start();
    while (out->size() < n) {
        if (s.bytesAvailable() == 0 && !s.waitForReadyRead(200)) {
            if (s.state() != QAbstractSocket::ConnectedState || t.elapsed() > 10'000)
                return false;
            continue;
        }
        out->append(s.read(n - out->size()));
    }
    return true;
}

// -1: connection gone; 0: flush-pkt; otherwise the payload in `line`.
int readPkt(QTcpSocket &s, QByteArray *line)
{
    QByteArray len;
    if (!readExactly(s, 4, &len))
        return -1;
    bool ok = false;
    const int n = len.toInt(&ok, 16);
    if (!ok)
        return -1;
    if (n == 0)
        return 0;
    if (n < 4 || !readExactly(s, n - 4, line))
        return -1;
    return 1;
}

void sendAll(QTcpSocket &s, const QByteArray &bytes)
{
    s.write(bytes);
    while (s.bytesToWrite() > 0 && s.state() == QAbstractSocket::ConnectedState)
        s.waitForBytesWritten(1000);
}

} // namespace

PackServer::PackServer() = default;

PackServer::~PackServer()
{
    stop();
}

QString PackServer::url(const QString &repo) const
{
    return QStringLiteral("git://127.0.0.1:%1/%2").arg(m_port).arg(repo);
}

bool PackServer::start(const QByteArray &pack, const QByteArray &tip)
{
    m_pack = pack;
    m_tip = tip;
    m_stop = false;
    std::mutex mutex;
    std::condition_variable cv;
    bool listening = false, done = false;
    m_thread = std::thread([&, this] {
        QTcpServer server;
        const bool ok = server.listen(QHostAddress::LocalHost, 0);
        {
            std::lock_guard lock(mutex);
            listening = ok;
            done = true;
            m_port = server.serverPort();
        }
        cv.notify_all();
        if (!ok)
            return;
        while (!m_stop) {
            if (!server.waitForNewConnection(100))
                continue;
            std::unique_ptr<QTcpSocket> s(server.nextPendingConnection());
            if (!s)
                continue;
            ++m_connections;
            QByteArray line;
            if (readPkt(*s, &line) <= 0) // git-upload-pack /repo\0host=...\0
                continue;
            QByteArray first = m_tip + " HEAD";
            first.append('\0');
            first += "agent=repodeck-hostile\n";
            if (const qint64 limit = m_endlessAdvertisement; limit > 0) {
                sendAll(*s, pkt(first));
                QByteArray batch;
                for (qint64 i = 0; m_advertisementSent < limit
                                   && s->state() == QAbstractSocket::ConnectedState && !m_stop;
                     ++i) {
                    batch += pkt(m_tip + " refs/heads/flood/"
                                 + QByteArray::number(i).rightJustified(12, '0') + '\n');
                    if (batch.size() >= 64 * 1024) {
                        sendAll(*s, batch);
                        m_advertisementSent += batch.size();
                        batch.clear();
                    }
                }
                continue;
            }
            sendAll(*s, pkt(first) + pkt(m_tip + " refs/heads/main\n") + "0000");
            int flushes = 0;
            while (!m_stop) {
                const int rc = readPkt(*s, &line);
                if (rc < 0)
                    break;
                if (rc == 0) {
                    if (++flushes > 1)
                        sendAll(*s, pkt("NAK\n")); // after each batch of haves
                    continue;
                }
                if (line.startsWith("have "))
                    m_sawHaves = true;
                if (line.startsWith("done")) {
                    sendAll(*s, pkt("NAK\n") + m_pack);
                    ++m_packsSent;
                    // No side band: the end of the pack is the end of the
                    // connection. Shut our side down at once.
                    s->close();
                    break;
                }
            }
        }
    });
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return done; });
    return listening;
}

void PackServer::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

} // namespace repodeck::test
