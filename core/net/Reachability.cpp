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

void ManualReachability::setMetered(bool metered)
{
    if (metered == m_metered)
        return;
    m_metered = metered;
    emit meteredChanged(metered);
}

SystemReachability::SystemReachability(QObject *parent)
    : Reachability(parent)
{
    const QString forced = qEnvironmentVariable("REPODECK_METERED");
    if (forced == QLatin1String("1") || forced == QLatin1String("0"))
        m_meteredOverride = forced == QLatin1String("1") ? 1 : 0;
    // One that knows metered too (NetworkManager, Windows) when there is
    // one; otherwise any that knows reachability (glib on Linux).
    m_backend = QNetworkInformation::loadBackendByFeatures(
                    QNetworkInformation::Feature::Reachability
                    | QNetworkInformation::Feature::Metered)
                || QNetworkInformation::loadBackendByFeatures(
                    QNetworkInformation::Feature::Reachability);
    if (!m_backend || !QNetworkInformation::instance())
        return;
    connect(QNetworkInformation::instance(), &QNetworkInformation::reachabilityChanged, this,
            [this](QNetworkInformation::Reachability) { emit onlineChanged(isOnline()); });
    connect(QNetworkInformation::instance(), &QNetworkInformation::isMeteredChanged, this,
            [this](bool) {
        if (m_meteredOverride < 0)
            emit meteredChanged(isMetered());
    });
}

bool SystemReachability::knowsMetered() const
{
    const auto *info = QNetworkInformation::instance();
    return m_backend && info && info->supports(QNetworkInformation::Feature::Metered);
}

bool SystemReachability::isMetered() const
{
    if (m_meteredOverride >= 0)
        return m_meteredOverride == 1;
    return knowsMetered() && QNetworkInformation::instance()->isMetered();
}

bool SystemReachability::isOnline() const
{
    const auto *info = QNetworkInformation::instance();
    if (!m_backend || !info)
        return true;
    switch (info->reachability()) {
    case QNetworkInformation::Reachability::Disconnected: return false;
    default:
        // Unknown, Local, Site and Online: Local still reaches LAN and VPN
        // servers, so it is not a reason to stop.
        return true;
    }
}

} // namespace repodeck::core
