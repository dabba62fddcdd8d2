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

// Pins persist in a small JSON file beside the workspace file
// (trusted-certificates.json), shared by the desktop app and repodeck-cli.
QString pinnedCertificatesPath(const QString &workspacePath);
// Adds the file's pins to the process. A missing file is no pins; an
// unreadable one is reported (naming the file) and left untouched.
// Returns an error text, empty on success.
QString loadPinnedCertificates(const QString &path);
// Pins in this process and adds the pin to the file (atomic write).
// `description` is for the person reading the file (the subject).
QString savePinnedCertificate(const QString &path, const QString &host, const QByteArray &sha256,
                              const QString &description);

} // namespace repodeck::core::http
