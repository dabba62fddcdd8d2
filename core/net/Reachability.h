#pragma once

#include <QObject>

namespace repodeck::core {

// Whether the machine is online, and whether the operating system marks its
// connection as metered (a phone's hotspot, a capped plan), as far as the
// platform knows. Injectable so the scheduler's offline and the session's
// metered behaviour are testable without pulling a cable.
class Reachability : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    virtual bool isOnline() const = 0;
    virtual bool isMetered() const { return false; }

signals:
    void onlineChanged(bool online);
    void meteredChanged(bool metered);
};

// Set by hand: tests, and platforms without a reachability backend (always online).
class ManualReachability : public Reachability
{
    Q_OBJECT

public:
    using Reachability::Reachability;
    bool isOnline() const override { return m_online; }
    void setOnline(bool online);
    bool isMetered() const override { return m_metered; }
    void setMetered(bool metered);

private:
    bool m_online = true;
    bool m_metered = false;
};

// Qt's QNetworkInformation (NetworkManager on Linux, the OS APIs on Windows
// and macOS). Reports online and not metered when no backend can be loaded
// (no NetworkManager running, a minimal server): never block syncs because
// the platform cannot tell. Metered is known only where the backend supports
// it (Qt 6.3+: NetworkManager, Windows; not macOS's in Qt 6.4).
class SystemReachability : public Reachability
{
    Q_OBJECT

public:
    explicit SystemReachability(QObject *parent = nullptr);
    bool isOnline() const override;
    bool isMetered() const override;
    bool hasBackend() const { return m_backend; }
    bool knowsMetered() const;

private:
    bool m_backend = false;
    // REPODECK_METERED=1 or 0: what the OS would say, where it cannot say it
    // (no NetworkManager, a test of the CLI binary).
    int m_meteredOverride = -1;
};

} // namespace repodeck::core
