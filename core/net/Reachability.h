#pragma once

#include <QObject>

namespace repodeck::core {

// Whether the machine is online, as far as the platform knows. Injectable so
// the scheduler's offline behaviour is testable without pulling a cable.
class Reachability : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    virtual bool isOnline() const = 0;

signals:
    void onlineChanged(bool online);
};

// Set by hand: tests, and platforms without a reachability backend (always online).
class ManualReachability : public Reachability
{
    Q_OBJECT

public:
    using Reachability::Reachability;
    bool isOnline() const override { return m_online; }
    void setOnline(bool online);

private:
    bool m_online = true;
};

// Qt's QNetworkInformation (NetworkManager on Linux, the OS APIs on Windows
// and macOS). Reports online when no backend can be loaded: never block
// syncs because the platform cannot tell.
class SystemReachability : public Reachability
{
    Q_OBJECT

public:
    explicit SystemReachability(QObject *parent = nullptr);
    bool isOnline() const override;
    bool hasBackend() const { return m_backend; }

private:
    bool m_backend = false;
};

} // namespace repodeck::core
