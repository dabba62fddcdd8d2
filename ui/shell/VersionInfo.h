#pragma once

#include <QString>

namespace repodeck::ui {

// What `repodeck --version` prints and the About dialog shows.
struct VersionInfo
{
    QString app;        // "0.1.0"
    QString libgit2;    // "1.5.1"
    bool https = false; // libgit2 was built with a TLS backend
    bool ssh = false;
    QString tlsBackend; // "mbedTLS", or "none" without HTTPS
    QString qt;         // the Qt the binary runs on

    static VersionInfo current();
    // "RepoDeck 0.1.0\nlibgit2 1.5.1 (HTTPS via mbedTLS, SSH)\nQt 6.4.2"
    QString text() const;
};

} // namespace repodeck::ui
