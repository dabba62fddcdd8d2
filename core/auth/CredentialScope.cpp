#include "auth/CredentialScope.h"

namespace repodeck::core {

namespace {

struct ThreadOrigin
{
    std::optional<CredentialOrigin> origin;
    QString path;
};

ThreadOrigin &threadOrigin()
{
    thread_local ThreadOrigin t;
    return t;
}

} // namespace

int defaultPortOf(const QString &scheme)
{
    if (scheme == QLatin1String("https"))
        return 443;
    if (scheme == QLatin1String("http"))
        return 80;
    return -1;
}

std::optional<CredentialOrigin> CredentialOrigin::fromUrl(const QUrl &url)
{
    if (!url.isValid())
        return std::nullopt;
    CredentialOrigin o;
    o.scheme = url.scheme().toLower();
    o.host = url.host(QUrl::FullyEncoded).toLower();
    // Only the schemes credentials are sent over (found by fuzz_http:
    // "ttphs://h:8443/x" was an origin).
    if (o.host.isEmpty()
        || (o.scheme != QLatin1String("http") && o.scheme != QLatin1String("https")))
        return std::nullopt;
    o.port = url.port(defaultPortOf(o.scheme));
    if (o.port <= 0)
        return std::nullopt;
    return o;
}

bool CredentialOrigin::isDefaultPort() const
{
    return port == defaultPortOf(scheme);
}

QString CredentialOrigin::hostField() const
{
    const QString h = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']')
                                                      : host;
    return isDefaultPort() ? h : QStringLiteral("%1:%2").arg(h).arg(port);
}

QString CredentialOrigin::display() const
{
    return scheme + QStringLiteral("://") + hostField();
}

bool isSafeCredentialField(const QString &value)
{
    for (const QChar c : value) {
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c == QChar(0))
            return false;
    }
    return true;
}

void ConnectedOrigin::set(const CredentialOrigin &origin, const QString &encodedPath)
{
    threadOrigin().origin = origin;
    threadOrigin().path = encodedPath;
}

void ConnectedOrigin::clear()
{
    threadOrigin() = ThreadOrigin{};
}

std::optional<CredentialOrigin> ConnectedOrigin::current()
{
    return threadOrigin().origin;
}

QString ConnectedOrigin::currentPath()
{
    return threadOrigin().path;
}

} // namespace repodeck::core
