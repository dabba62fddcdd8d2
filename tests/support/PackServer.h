#pragma once

#include <QByteArray>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>

namespace repodeck::test {

// A hostile git:// server on 127.0.0.1 (protocol v0, no side band): it
// advertises one branch, answers the client's negotiation with NAK and then
// sends exactly the pack bytes it was given, whatever was asked for. Runs
// on its own thread with blocking sockets, so a test may block meanwhile.
class PackServer
{
public:
    PackServer();
    ~PackServer();
    PackServer(const PackServer &) = delete;
    PackServer &operator=(const PackServer &) = delete;

    // `tip`: the commit id (hex) advertised as refs/heads/main and HEAD.
    bool start(const QByteArray &pack, const QByteArray &tip = QByteArray(40, 'a'));
    // Instead of one branch, advertise distinct branches without end (until
    // the client hangs up or `bytes` went out): an advertisement bomb.
    void setEndlessAdvertisement(qint64 bytes) { m_endlessAdvertisement = bytes; }
    qint64 advertisementBytesSent() const { return m_advertisementSent; }
    void stop();

    quint16 port() const { return m_port; }
    QString url(const QString &repo = QStringLiteral("hostile.git")) const;

    int connections() const { return m_connections; }
    int packsSent() const { return m_packsSent; } // the whole pack went out
    bool sawHaves() const { return m_sawHaves; }  // a fetch, not a clone

private:
    QByteArray m_pack;
    QByteArray m_tip;
    quint16 m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    std::atomic<int> m_packsSent{0};
    std::atomic<bool> m_sawHaves{false};
    std::atomic<qint64> m_endlessAdvertisement{0};
    std::atomic<qint64> m_advertisementSent{0};
    std::thread m_thread;
};

} // namespace repodeck::test
