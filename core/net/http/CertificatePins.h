#pragma once

#include <QByteArray>
#include <QString>

namespace repodeck::core::http {

// Certificates the user accepted explicitly for one host, by the SHA-256 of
// their DER encoding (the confirmation dialog is the credentials issue's).
// Process-wide and thread-safe. A pinned certificate is accepted for its host
// even though verification failed; nothing else ever is: there is no global
// "ignore TLS errors".
void pinCertificate(const QString &host, const QByteArray &sha256);
void unpinCertificate(const QString &host, const QByteArray &sha256);
bool isCertificatePinned(const QString &host, const QByteArray &sha256);

} // namespace repodeck::core::http
