#include "net/Reachability.h"

#include <QNetworkInformation>

namespace repodeck::core {

void ManualReachability::setOnline(bool online)
{
    if (online == m_online)
        return;
    m_online = online;
    emit onlineChanged(online);
}

SystemReachability::SystemReachability(QObject *parent)
    : Reachability(parent)
{
    m_backend = QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability);
    if (!m_backend || !QNetworkInformation::instance())
        return;
    connect(QNetworkInformation::instance(), &QNetworkInformation::reachabilityChanged, this,
            [this](QNetworkInformation::Reachability) { emit onlineChanged(isOnline()); });
}

bool SystemReachability::isOnline() const
{
    const auto *info = QNetworkInformation::instance();
    if (!m_backend || !info)
        return true;
    switch (info->reachability()) {
    case QNetworkInformation::Reachability::Disconnected:
        return false;
    default:
        // Unknown, Local, Site and Online: Local still reaches LAN and VPN
        // servers, so it is not a reason to stop.
        return true;
    }
}

} // namespace repodeck::core
