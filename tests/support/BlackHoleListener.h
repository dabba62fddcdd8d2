#pragma once

#include <QList>
#include <QString>

namespace repodeck::test {

// A TCP port on 127.0.0.1 where connect() hangs: a listener with a backlog
// of none, filled by connections nobody accepts, so the kernel drops every
// further SYN, a real black hole on loopback. Some kernels complete the
// handshake anyway; a test that gets "refused" or "reset" instead of a
// timeout learns that from its result (see tst_sync_network). Closed with
// the object.
class BlackHoleListener
{
public:
    BlackHoleListener() = default;
    ~BlackHoleListener();

    BlackHoleListener(const BlackHoleListener &) = delete;
    BlackHoleListener &operator=(const BlackHoleListener &) = delete;

    // Listens on an ephemeral port and fills its queue. False (with
    // error()) when a socket call fails.
    bool start();
    void close();

    quint16 port() const { return m_port; }
    // "<scheme>://127.0.0.1:<port>/<path>"
    QString url(const QString &scheme, const QString &path) const;
    QString error() const { return m_error; }

private:
    int m_listener = -1;
    QList<int> m_fillers;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace repodeck::test
