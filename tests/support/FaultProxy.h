#pragma once

#include "ServerThread.h"

#include <QList>
#include <QMutex>
#include <QString>
#include <QWaitCondition>

#include <atomic>
#include <random>

namespace repodeck::test {

class FaultProxyPipe;
class FaultProxyWorker;

// TCP proxy on 127.0.0.1 that forwards to a real server and injects real
// network faults: refused connects, RSTs, black holes, slow links, cut
// transfers. Being plain TCP, it works in front of git daemon and
// HttpGitServer alike.
//
// Sockets live in a private thread, so the proxy keeps forwarding while the
// test thread blocks on the CLI or libgit2. All public methods are
// thread-safe and may be called at any time; unless noted a knob affects
// connections accepted afterwards.
class FaultProxy
{
public:
    FaultProxy();
    ~FaultProxy();

    FaultProxy(const FaultProxy &) = delete;
    FaultProxy &operator=(const FaultProxy &) = delete;

    // Listens on a fresh 127.0.0.1 port; each accepted client gets its own
    // connection to targetHost:targetPort.
    bool start(quint16 targetPort, const QString &targetHost = QStringLiteral("127.0.0.1"));
    void stop();

    quint16 port() const;
    // <scheme>://127.0.0.1:PORT/<repoName>, e.g. url("git", "a.git").
    QString url(const QString &scheme, const QString &repoName) const;

    // true: close the listening socket, so connects fail with ECONNREFUSED
    // (connections already accepted continue). false: listen again on the
    // same port. Takes effect before it returns; false if re-listening failed.
    bool setRefuse(bool refuse);
    // The next n accepted connections are reset (RST) at once, without ever
    // contacting the target.
    void resetFirst(int n);
    // Accept, but forward nothing in either direction and send nothing, while
    // keeping sockets open: a black hole. Applies to existing connections too;
    // when turned off, held data flows again. Bytes already handed to a socket
    // before the call may still arrive.
    void setStall(bool stall);
    // Paces server->client data to `bytesPerSecond` per connection (0 = off).
    // Applies to existing connections too.
    void setThrottle(qint64 bytesPerSecond);
    // Resets (RST) a connection once n bytes went server->client on it
    // (0 = off). The RST discards what is still in the kernel's send buffer,
    // so the client receives at most n bytes. Applies to existing connections.
    void setCutAfterBytes(qint64 n);
    // One cut of a schedule: after `after` bytes, of which the last `lost`
    // never reach the client (as when a client slow to read leaves them in
    // our send buffer and the reset throws them away); all count in
    // bytesToClient().
    struct ScheduledCut
    {
        qint64 after = 0;
        qint64 lost = 0;
    };
    // The next connections the cut resets are cut as cuts[0], cuts[1], ...
    // in turn (counted from this call), the ones after them after
    // setCutAfterBytes' n (which must be set). For clients that carry data
    // over one connection at a time.
    void setCutSchedule(const QList<ScheduledCut> &cuts);
    // true: a cut waits (up to 2 s) until the kernel has handed every byte
    // before it to the client, so the client receives exactly n bytes
    // whatever the load, and bytesToClient() is what it received. false
    // (default): a client slow to read loses what was still in our send
    // buffer, as on a real link. Linux only (elsewhere as false).
    void setCutDeliversAll(bool all);
    // Each new connection is reset at once with probability p, drawn from a
    // generator seeded with `seed`, so a workload is reproducible.
    void setResetProbability(double p, quint32 seed = 1);
    // Resets every open connection now: a network drop mid-transfer.
    void resetAllConnections();
    // Turns every fault off (and listens again if refusing).
    void clearFaults();

    // Accepted connections, including those reset at once.
    int totalConnections() const;
    // Forwarding connections currently open (reset-at-accept ones never count).
    int currentConnections() const;
    int peakConcurrentConnections() const;
    // Connections this proxy reset (resetFirst, probability, cut, resetAll).
    int resetConnections() const;
    qint64 bytesToClient() const;
    qint64 bytesToServer() const;
    void resetStats();

    // Block until totalConnections() >= n / currentConnections() == n, or the
    // timeout passes. For "wait until the client is inside the transfer".
    bool waitForTotalConnections(int n, int timeoutMs) const;
    bool waitForCurrentConnections(int n, int timeoutMs) const;

private:
    friend class FaultProxyPipe;
    friend class FaultProxyWorker;

    // Worker-side bookkeeping.
    bool takeResetDecision();
    void connectionAccepted();
    void pipeOpened();
    void pipeClosed();
    void connectionReset();
    ScheduledCut nextCut() const; // for the connection being cut next
    void connectionCut();

    ServerThread m_thread;
    FaultProxyWorker *m_worker = nullptr; // lives in m_thread
    std::atomic<quint16> m_port{0};

    std::atomic<bool> m_stall{false};
    std::atomic<qint64> m_throttle{0};
    std::atomic<qint64> m_cutAfter{0};
    std::atomic<bool> m_cutDeliversAll{false};
    std::atomic<qint64> m_bytesToClient{0};
    std::atomic<qint64> m_bytesToServer{0};

    mutable QMutex m_mutex;
    mutable QWaitCondition m_statsChanged;
    bool m_refusing = false;
    int m_resetFirst = 0;
    double m_resetProbability = 0.0;
    std::mt19937 m_rng;
    int m_total = 0;
    int m_current = 0;
    int m_peak = 0;
    int m_resets = 0;
    QList<ScheduledCut> m_cutSchedule;
    int m_scheduledCuts = 0; // cuts since setCutSchedule
};

} // namespace repodeck::test
