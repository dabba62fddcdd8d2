#include "net/http/CertificatePins.h"

#include <QSet>

#include <mutex>

namespace repodeck::core::http {

namespace {

std::mutex g_mutex;

QSet<QString> &pins()
{
    static QSet<QString> set;
    return set;
}

QString key(const QString &host, const QByteArray &sha256)
{
    return host.toLower() + QLatin1Char(' ') + QString::fromLatin1(sha256.toHex());
}

} // namespace

void pinCertificate(const QString &host, const QByteArray &sha256)
{
    std::lock_guard lock(g_mutex);
    pins().insert(key(host, sha256));
}

void unpinCertificate(const QString &host, const QByteArray &sha256)
{
    std::lock_guard lock(g_mutex);
    pins().remove(key(host, sha256));
}

bool isCertificatePinned(const QString &host, const QByteArray &sha256)
{
    std::lock_guard lock(g_mutex);
    return pins().contains(key(host, sha256));
}

} // namespace repodeck::core::http
