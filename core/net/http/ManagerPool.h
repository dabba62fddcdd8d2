#pragma once

#include "net/http/ProxySettings.h"

class QNetworkAccessManager;

namespace repodeck::core::http {

// QNetworkAccessManagers of finished transports, kept idle for later ones
// with the same proxy setting. Each manager serves one transport at a time
// (so attempts never queue behind each other in Qt's per-host connection
// limit), but is created once: a new manager costs a thread of Qt's own, and
// a reused one keeps its keep-alive connections (and TLS sessions) to the
// servers it talked to. Network thread only.
class ManagerPool
{
public:
    static QNetworkAccessManager *acquire(const ProxyChoice &proxy);
    // `reusable` false: the manager is destroyed (e.g. its connections were
    // made under a certificate only that transport accepted).
    static void release(QNetworkAccessManager *manager, const ProxyChoice &proxy, bool reusable);
    // Destroys every idle manager (at shutdown).
    static void clear();
};

} // namespace repodeck::core::http
