#include "FaultProxy.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QMutexLocker>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtDebug>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif
#ifdef Q_OS_LINUX
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

namespace repodeck::test {

namespace {

// Small socket buffers keep the proxy honest: when it stops reading, the
// sender's TCP window really fills up, as behind a real slow or dead link,
// instead of the proxy silently swallowing a whole pack into memory.
constexpr qint64 kReadBufferBytes = 64 * 1024;
constexpr qint64 kMaxPendingWriteBytes = 64 * 1024;
constexpr qint64 kChunkBytes = 16 * 1024;
constexpr int kTickMs = 50;

// SO_LINGER {on, 0} turns close() into an abortive close: the kernel sends RST
// instead of FIN, which the peer sees as ECONNRESET, the failure mode of
// middleboxes and crashed servers that a graceful close cannot reproduce.
void resetSocket(QTcpSocket *socket)
{
    const qintptr fd = socket->socketDescriptor();
    if (fd != -1) {
        struct linger hard;
        hard.l_onoff = 1;
        hard.l_linger = 0;
#ifdef Q_OS_WIN
        ::setsockopt(SOCKET(fd), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char *>(&hard),
                     sizeof hard);
#else
        ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
#endif
    }
    socket->abort();
}

// Bytes handed to the kernel that the peer has not acknowledged yet: what a
// reset now would throw away. 0 where the kernel does not say.
qint64 unsentBytes(QTcpSocket *socket)
{
#ifdef Q_OS_LINUX
    int n = 0;
    const qintptr fd = socket->socketDescriptor();
    if (fd != -1 && ::ioctl(int(fd), SIOCOUTQ, &n) == 0)
        return n;
#else
    Q_UNUSED(socket);
#endif
    return 0;
}

constexpr int kDeliverBeforeCutMs = 2000;

} // namespace

// One proxied connection: the accepted client socket and its upstream socket.
class FaultProxyPipe : public QObject
{
public:
    FaultProxyPipe(QTcpSocket *client, FaultProxy *owner, FaultProxyWorker *worker,
                   const QString &host, quint16 port);

    void pump();
    void refill(qint64 elapsedMs);
    void resetNow();

private:
    void forward(QTcpSocket *from, QTcpSocket *to, bool toClient);
    void maybeClose();
    void finish();

    QTcpSocket *m_client;
    QTcpSocket *m_upstream;
    FaultProxy *m_owner;
    FaultProxyWorker *m_worker;
    bool m_upstreamConnected = false;
    bool m_upstreamClosing = false;
    bool m_clientClosing = false;
    bool m_cutPending = false;
    bool m_delivering = false; // m_deliverBy runs
    QDeadlineTimer m_deliverBy;
    bool m_finished = false;
    qint64 m_bytesToClient = 0;
    qint64 m_credit = 0; // throttle allowance, in bytes
};

// Lives in the proxy thread; owns the listening socket, the pacing timer and,
// as children, every pipe.
class FaultProxyWorker : public QObject
{
public:
    FaultProxyWorker(FaultProxy *owner, const QString &targetHost, quint16 targetPort)
        : m_owner(owner)
        , m_targetHost(targetHost)
        , m_targetPort(targetPort)
        , m_server(new QTcpServer(this))
        , m_timer(new QTimer(this))
    {
        connect(m_server, &QTcpServer::newConnection, this, &FaultProxyWorker::onNewConnection);
        m_timer->setTimerType(Qt::PreciseTimer);
        m_timer->setInterval(kTickMs);
        connect(m_timer, &QTimer::timeout, this, &FaultProxyWorker::onTick);
    }

    // Port 0 picks a fresh one; a known port re-listens after setRefuse(true).
    quint16 listen(quint16 port)
    {
        if (m_server->isListening())
            return m_server->serverPort();
        if (!m_server->listen(QHostAddress::LocalHost, port)) {
            qWarning() << "FaultProxy: listen on" << port << "failed:" << m_server->errorString();
            return 0;
        }
        if (!m_timer->isActive()) {
            m_clock.start();
            m_timer->start();
        }
        return m_server->serverPort();
    }

    void closeListener() { m_server->close(); }

    void pumpAll()
    {
        // Copy: a pump may finish a pipe, which removes it from the set.
        const QSet<FaultProxyPipe *> pipes = m_pipes;
        for (FaultProxyPipe *pipe : pipes) {
            if (m_pipes.contains(pipe))
                pipe->pump();
        }
    }

    void resetAll()
    {
        const QSet<FaultProxyPipe *> pipes = m_pipes;
        for (FaultProxyPipe *pipe : pipes) {
            if (m_pipes.contains(pipe))
                pipe->resetNow();
        }
    }

    void removePipe(FaultProxyPipe *pipe) { m_pipes.remove(pipe); }

private:
    void onNewConnection()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            m_owner->connectionAccepted();
            if (m_owner->takeResetDecision()) {
                resetSocket(socket);
                socket->deleteLater();
                m_owner->connectionReset();
                continue;
            }
            m_pipes.insert(new FaultProxyPipe(socket, m_owner, this, m_targetHost, m_targetPort));
            m_owner->pipeOpened();
        }
    }

    void onTick()
    {
        const qint64 elapsed = m_clock.restart();
        const QSet<FaultProxyPipe *> pipes = m_pipes;
        for (FaultProxyPipe *pipe : pipes) {
            if (!m_pipes.contains(pipe))
                continue;
            pipe->refill(elapsed);
            // Also the safety net for any wake-up a signal did not deliver,
            // e.g. after the throttle was switched off.
            pipe->pump();
        }
    }

    FaultProxy *m_owner;
    QString m_targetHost;
    quint16 m_targetPort;
    QTcpServer *m_server;
    QTimer *m_timer;
    QElapsedTimer m_clock;
    QSet<FaultProxyPipe *> m_pipes;
};

FaultProxyPipe::FaultProxyPipe(QTcpSocket *client, FaultProxy *owner, FaultProxyWorker *worker,
                               const QString &host, quint16 port)
    : QObject(worker)
    , m_client(client)
    , m_upstream(new QTcpSocket(this))
    , m_owner(owner)
    , m_worker(worker)
{
    m_client->setParent(this);
    m_client->setReadBufferSize(kReadBufferBytes);
    m_upstream->setReadBufferSize(kReadBufferBytes);

    for (QTcpSocket *socket : {m_client, m_upstream}) {
        connect(socket, &QTcpSocket::readyRead, this, &FaultProxyPipe::pump);
        connect(socket, &QTcpSocket::bytesWritten, this, &FaultProxyPipe::pump);
        connect(socket, &QTcpSocket::disconnected, this, &FaultProxyPipe::pump);
        connect(socket, &QTcpSocket::errorOccurred, this, &FaultProxyPipe::pump);
    }
    connect(m_upstream, &QTcpSocket::connected, this, [this] {
        m_upstreamConnected = true;
        pump();
    });

    const QHostAddress address(host);
    if (!address.isNull())
        m_upstream->connectToHost(address, port);
    else
        m_upstream->connectToHost(host, port);
}

void FaultProxyPipe::refill(qint64 elapsedMs)
{
    const qint64 rate = m_owner->m_throttle.load();
    if (rate <= 0)
        return;
    // Credit accrues with real elapsed time (late timer ticks do not slow the
    // link) but is capped at 100 ms worth, so an idle pause is no burst.
    const qint64 cap = qMax<qint64>(1, rate / 10);
    m_credit = qMin(cap, m_credit + qMax<qint64>(1, rate * elapsedMs / 1000));
}

void FaultProxyPipe::pump()
{
    if (m_finished)
        return;
    if (m_cutPending) {
        // Reset only once our write buffer reached the kernel, so the client
        // got (close to) the promised n bytes before the RST.
        if (m_client->state() == QAbstractSocket::ConnectedState && m_client->bytesToWrite() > 0)
            return;
        if (m_client->state() == QAbstractSocket::ConnectedState
            && m_owner->m_cutDeliversAll.load()) {
            if (!m_delivering) {
                m_delivering = true;
                m_deliverBy = QDeadlineTimer(kDeliverBeforeCutMs);
            }
            if (unsentBytes(m_client) > 0 && !m_deliverBy.hasExpired())
                return; // the next tick looks again
        }
        m_owner->connectionCut();
        resetNow();
        return;
    }
    if (m_owner->m_stall.load()) {
        // A black hole forwards nothing, but a client that gave up is gone
        // for good and its upstream connection has no purpose.
        if (m_client->state() == QAbstractSocket::UnconnectedState)
            finish();
        return;
    }

    if (m_upstreamConnected)
        forward(m_client, m_upstream, false);
    forward(m_upstream, m_client, true);
    if (m_cutPending) {
        pump();
        return;
    }
    maybeClose();
}

void FaultProxyPipe::forward(QTcpSocket *from, QTcpSocket *to, bool toClient)
{
    if (to->state() != QAbstractSocket::ConnectedState)
        return;
    while (from->bytesAvailable() > 0 && to->bytesToWrite() < kMaxPendingWriteBytes) {
        qint64 n = qMin(from->bytesAvailable(), kChunkBytes);
        qint64 keep = n;
        if (toClient) {
            const qint64 rate = m_owner->m_throttle.load();
            if (rate > 0) {
                n = qMin(n, m_credit);
                if (n <= 0)
                    break; // the next tick refills
            }
            const FaultProxy::ScheduledCut cut = m_owner->nextCut();
            if (cut.after > 0) {
                if (m_bytesToClient >= cut.after) {
                    m_cutPending = true;
                    break;
                }
                n = qMin(n, cut.after - m_bytesToClient);
                // The bytes the reset will throw away: counted, not sent.
                keep = qBound<qint64>(0, cut.after - cut.lost - m_bytesToClient, n);
            }
        }
        const QByteArray data = from->read(n);
        if (data.isEmpty())
            break;
        to->write(keep < data.size() ? data.left(keep) : data);
        if (toClient) {
            m_bytesToClient += data.size();
            m_owner->m_bytesToClient += data.size();
            if (m_owner->m_throttle.load() > 0)
                m_credit -= data.size();
            const qint64 cut = m_owner->nextCut().after;
            if (cut > 0 && m_bytesToClient >= cut) {
                m_cutPending = true;
                break;
            }
        } else {
            m_owner->m_bytesToServer += data.size();
        }
    }
    // The cut also applies to connections that crossed n before it was set.
    if (toClient && !m_cutPending) {
        const qint64 cut = m_owner->nextCut().after;
        if (cut > 0 && m_bytesToClient >= cut)
            m_cutPending = true;
    }
}

void FaultProxyPipe::maybeClose()
{
    const bool clientGone = m_client->state() == QAbstractSocket::UnconnectedState;
    const bool upstreamGone = m_upstream->state() == QAbstractSocket::UnconnectedState;

    // One side closed and everything it sent was forwarded: close the other
    // side after it flushed (disconnectFromHost writes out its buffer first).
    if (clientGone && m_client->bytesAvailable() == 0 && !upstreamGone && !m_upstreamClosing) {
        m_upstreamClosing = true;
        if (m_upstreamConnected)
            m_upstream->disconnectFromHost();
        else
            m_upstream->abort(); // still connecting: nothing to deliver to
    }
    if (upstreamGone && m_upstream->bytesAvailable() == 0 && !clientGone && !m_clientClosing) {
        m_clientClosing = true;
        m_client->disconnectFromHost();
    }
    if (m_client->state() == QAbstractSocket::UnconnectedState
        && m_upstream->state() == QAbstractSocket::UnconnectedState)
        finish();
}

void FaultProxyPipe::resetNow()
{
    if (m_finished)
        return;
    m_client->disconnect(this);
    m_upstream->disconnect(this);
    resetSocket(m_client);
    m_upstream->abort();
    m_owner->connectionReset();
    finish();
}

void FaultProxyPipe::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_client->disconnect(this);
    m_upstream->disconnect(this);
    m_client->abort();
    m_upstream->abort();
    m_worker->removePipe(this);
    m_owner->pipeClosed();
    // Deferred: we may be inside one of our sockets' signal emissions.
    deleteLater();
}

FaultProxy::FaultProxy()
    : m_thread(QStringLiteral("FaultProxy"))
{
}

FaultProxy::~FaultProxy()
{
    stop();
}

bool FaultProxy::start(quint16 targetPort, const QString &targetHost)
{
    stop();
    m_thread.start();
    m_worker = m_thread.call([this, targetHost, targetPort] {
        return new FaultProxyWorker(this, targetHost, targetPort);
    });
    FaultProxyWorker *worker = m_worker;
    const quint16 port = m_thread.call([worker] { return worker->listen(0); });
    if (port == 0) {
        stop();
        return false;
    }
    m_port = port;
    return true;
}

void FaultProxy::stop()
{
    if (m_worker) {
        FaultProxyWorker *worker = m_worker;
        // Deleted in its own thread: sockets are thread-affine. Pipes are its
        // children, so their sockets close here too.
        m_thread.call([worker] { delete worker; });
        m_worker = nullptr;
    }
    m_thread.stop();
    m_port = 0;
    QMutexLocker lock(&m_mutex);
    m_refusing = false;
    // Pipes deleted with the worker never reported closing.
    m_current = 0;
}

quint16 FaultProxy::port() const
{
    return m_port;
}

QString FaultProxy::url(const QString &scheme, const QString &repoName) const
{
    return QStringLiteral("%1://127.0.0.1:%2/%3").arg(scheme).arg(port()).arg(repoName);
}

bool FaultProxy::setRefuse(bool refuse)
{
    FaultProxyWorker *worker = m_worker;
    if (!worker)
        return false;
    {
        QMutexLocker lock(&m_mutex);
        m_refusing = refuse;
    }
    if (refuse) {
        m_thread.call([worker] { worker->closeListener(); });
        return true;
    }
    const quint16 port = m_port;
    return m_thread.call([worker, port] { return worker->listen(port); }) == port;
}

void FaultProxy::resetFirst(int n)
{
    QMutexLocker lock(&m_mutex);
    m_resetFirst = qMax(0, n);
}

void FaultProxy::setStall(bool stall)
{
    m_stall = stall;
    FaultProxyWorker *worker = m_worker;
    if (!worker)
        return;
    if (stall) {
        // Waiting for an empty call means any pump that started before the
        // flag flipped has completed: nothing is forwarded after we return.
        m_thread.call([] {});
    } else {
        // Held data sits in socket buffers and will not raise new signals.
        m_thread.post([worker] { worker->pumpAll(); });
    }
}

void FaultProxy::setThrottle(qint64 bytesPerSecond)
{
    m_throttle = qMax<qint64>(0, bytesPerSecond);
}

void FaultProxy::setCutAfterBytes(qint64 n)
{
    m_cutAfter = qMax<qint64>(0, n);
    if (FaultProxyWorker *worker = m_worker)
        m_thread.post([worker] { worker->pumpAll(); });
}

void FaultProxy::setCutSchedule(const QList<ScheduledCut> &cuts)
{
    {
        QMutexLocker lock(&m_mutex);
        m_cutSchedule = cuts;
        m_scheduledCuts = 0;
    }
    if (FaultProxyWorker *worker = m_worker)
        m_thread.post([worker] { worker->pumpAll(); });
}

void FaultProxy::setCutDeliversAll(bool all)
{
    m_cutDeliversAll = all;
}

void FaultProxy::setResetProbability(double p, quint32 seed)
{
    QMutexLocker lock(&m_mutex);
    m_resetProbability = qBound(0.0, p, 1.0);
    m_rng.seed(seed);
}

void FaultProxy::resetAllConnections()
{
    if (FaultProxyWorker *worker = m_worker)
        m_thread.call([worker] { worker->resetAll(); });
}

void FaultProxy::clearFaults()
{
    bool refusing = false;
    {
        QMutexLocker lock(&m_mutex);
        m_resetFirst = 0;
        m_resetProbability = 0.0;
        refusing = m_refusing;
    }
    m_throttle = 0;
    m_cutAfter = 0;
    {
        QMutexLocker lock(&m_mutex);
        m_cutSchedule.clear();
    }
    setStall(false);
    if (refusing)
        setRefuse(false);
}

int FaultProxy::totalConnections() const
{
    QMutexLocker lock(&m_mutex);
    return m_total;
}

int FaultProxy::currentConnections() const
{
    QMutexLocker lock(&m_mutex);
    return m_current;
}

int FaultProxy::peakConcurrentConnections() const
{
    QMutexLocker lock(&m_mutex);
    return m_peak;
}

int FaultProxy::resetConnections() const
{
    QMutexLocker lock(&m_mutex);
    return m_resets;
}

qint64 FaultProxy::bytesToClient() const
{
    return m_bytesToClient.load();
}

qint64 FaultProxy::bytesToServer() const
{
    return m_bytesToServer.load();
}

void FaultProxy::resetStats()
{
    QMutexLocker lock(&m_mutex);
    m_total = 0;
    // Open connections stay open, so the peak restarts from them.
    m_peak = m_current;
    m_resets = 0;
    m_bytesToClient = 0;
    m_bytesToServer = 0;
}

bool FaultProxy::waitForTotalConnections(int n, int timeoutMs) const
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&m_mutex);
    while (m_total < n) {
        if (!m_statsChanged.wait(&m_mutex, deadline))
            break;
    }
    return m_total >= n;
}

bool FaultProxy::waitForCurrentConnections(int n, int timeoutMs) const
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&m_mutex);
    while (m_current != n) {
        if (!m_statsChanged.wait(&m_mutex, deadline))
            break;
    }
    return m_current == n;
}

bool FaultProxy::takeResetDecision()
{
    QMutexLocker lock(&m_mutex);
    if (m_resetFirst > 0) {
        --m_resetFirst;
        return true;
    }
    if (m_resetProbability <= 0.0)
        return false;
    // 24 high bits of mt19937 -> [0, 1): unlike std::uniform_real_distribution
    // this is the same sequence with every standard library.
    const double draw = double(m_rng() >> 8) / double(1u << 24);
    return draw < m_resetProbability;
}

void FaultProxy::connectionAccepted()
{
    QMutexLocker lock(&m_mutex);
    ++m_total;
    m_statsChanged.wakeAll();
}

void FaultProxy::pipeOpened()
{
    QMutexLocker lock(&m_mutex);
    ++m_current;
    m_peak = qMax(m_peak, m_current);
    m_statsChanged.wakeAll();
}

void FaultProxy::pipeClosed()
{
    QMutexLocker lock(&m_mutex);
    m_current = qMax(0, m_current - 1);
    m_statsChanged.wakeAll();
}

void FaultProxy::connectionReset()
{
    QMutexLocker lock(&m_mutex);
    ++m_resets;
    m_statsChanged.wakeAll();
}

FaultProxy::ScheduledCut FaultProxy::nextCut() const
{
    const qint64 n = m_cutAfter.load();
    QMutexLocker lock(&m_mutex);
    if (n > 0 && m_scheduledCuts < m_cutSchedule.size()) {
        const ScheduledCut c = m_cutSchedule.at(m_scheduledCuts);
        return {qMax<qint64>(1, c.after), qBound<qint64>(0, c.lost, c.after)};
    }
    return {n, 0};
}

void FaultProxy::connectionCut()
{
    QMutexLocker lock(&m_mutex);
    ++m_scheduledCuts;
}

} // namespace repodeck::test
