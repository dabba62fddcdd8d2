// FaultProxy's cut schedule and its delivered cut: the same bytes reach the
// client however slowly it reads, so tests that bound what a link carried
// see the same schedule on a loaded machine as on an idle one.

#include "FaultProxy.h"
#include "ServerThread.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#ifdef Q_OS_LINUX
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

using namespace repodeck::test;

namespace {
constexpr qint64 kSourceBytes = 4 * 1024 * 1024;

// Sends kSourceBytes to every connection, then waits for the peer.
class ByteSource
{
public:
    ByteSource()
        : m_thread(QStringLiteral("ByteSource"))
    {
        m_thread.start();
        m_port = m_thread.call([this] {
            m_server = new QTcpServer;
            QObject::connect(m_server, &QTcpServer::newConnection, m_server, [this] {
                while (QTcpSocket *s = m_server->nextPendingConnection())
                    s->write(QByteArray(int(kSourceBytes), 'x'));
            });
            return m_server->listen(QHostAddress::LocalHost) ? m_server->serverPort() : quint16(0);
        });
    }
    ~ByteSource()
    {
        m_thread.call([this] { delete m_server; });
        m_thread.stop();
    }
    quint16 port() const { return m_port; }

private:
    ServerThread m_thread;
    QTcpServer *m_server = nullptr;
    quint16 m_port = 0;
};

#ifdef Q_OS_LINUX
// Connects to `port` and reads nothing until the proxy has counted `wait`
// bytes to it (they sit in the proxy's send buffer, as for a client that is
// slow under load), then reads until the connection ends. -1: no connection.
qint64 readLate(quint16 port, const FaultProxy &proxy, qint64 wait)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    if (!QTest::qWaitFor([&] { return proxy.bytesToClient() >= wait; }, 10'000))
        qWarning("the proxy counted %lld bytes, not %lld", proxy.bytesToClient(), wait);
    qint64 got = 0;
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        got += n;
    }
    ::close(fd);
    return got;
}
#endif
} // namespace

class TestFaultProxyCuts : public QObject
{
    Q_OBJECT

private slots:
    // A client that does not read while the proxy forwards: the reset
    // throws away what is still in the proxy's send buffer, unless the cut
    // delivers it first.
    void deliveredCutReachesASlowClient()
    {
#ifndef Q_OS_LINUX
        QSKIP("the kernel's send queue is read with SIOCOUTQ (Linux)");
#else
        ByteSource source;
        QVERIFY(source.port() != 0);
        FaultProxy proxy;
        QVERIFY(proxy.start(source.port()));
        constexpr qint64 cut = 1'000'000;
        proxy.setCutAfterBytes(cut);
        proxy.setCutDeliversAll(true);
        QCOMPARE(readLate(proxy.port(), proxy, cut), cut);
        QCOMPARE(proxy.bytesToClient(), cut);
        QTRY_COMPARE_WITH_TIMEOUT(proxy.resetConnections(), 1, 5000);
#endif
    }

    // A schedule: the first cuts as it says (the lost bytes counted, never
    // delivered), then the plain cut.
    void scheduleCutsInTurn()
    {
#ifndef Q_OS_LINUX
        QSKIP("the kernel's send queue is read with SIOCOUTQ (Linux)");
#else
        ByteSource source;
        QVERIFY(source.port() != 0);
        FaultProxy proxy;
        QVERIFY(proxy.start(source.port()));
        proxy.setCutAfterBytes(300'000);
        proxy.setCutDeliversAll(true);
        proxy.setCutSchedule({{200'000, 0}, {500'000, 450'000}});
        QCOMPARE(readLate(proxy.port(), proxy, 200'000), 200'000);
        QCOMPARE(readLate(proxy.port(), proxy, 500'000), 50'000);
        QCOMPARE(readLate(proxy.port(), proxy, 300'000), 300'000);
        QCOMPARE(proxy.bytesToClient(), 1'000'000);
        QTRY_COMPARE_WITH_TIMEOUT(proxy.resetConnections(), 3, 5000); // counted just after the RST
#endif
    }
};

QTEST_GUILESS_MAIN(TestFaultProxyCuts)
#include "tst_faultproxy_cuts.moc"
