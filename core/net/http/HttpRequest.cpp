#include "net/http/HttpRequest.h"

namespace repodeck::core::http {

namespace {

QByteArray bracketed(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    return host;
}

QByteArray proxyAuthorization(const ProxyLogin &proxy)
{
    if (proxy.user.isEmpty())
        return {};
    const QByteArray pair = proxy.user.toUtf8() + ':' + proxy.password.toUtf8();
    return "Proxy-Authorization: Basic " + pair.toBase64() + "\r\n";
}

} // namespace

int defaultPort(const QUrl &url)
{
    return url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0 ? 443 : 80;
}

QByteArray hostHeader(const QUrl &url)
{
    QByteArray host = bracketed(url);
    const int port = url.port(defaultPort(url));
    if (port != defaultPort(url))
        host += ':' + QByteArray::number(port);
    return host;
}

QByteArray requestBytes(const HttpRequestSpec &spec, bool absoluteForm, const ProxyLogin &proxy)
{
    const QUrl &url = spec.url;
    QByteArray target = absoluteForm ? url.toEncoded(QUrl::RemoveUserInfo | QUrl::RemoveFragment)
                                     : url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority
                                                     | QUrl::RemoveFragment);
    if (target.isEmpty())
        target = "/";
    QByteArray out = (spec.post ? "POST " : "GET ") + target
                     + " HTTP/1.1\r\nHost: " + hostHeader(url) + "\r\n";
    for (const auto &h : spec.headers)
        out += h.first + ": " + h.second + "\r\n";
    if (spec.post)
        out += "Content-Length: " + QByteArray::number(spec.body.size()) + "\r\n";
    if (absoluteForm)
        out += proxyAuthorization(proxy);
    out += "\r\n";
    if (spec.post)
        out += spec.body;
    return out;
}

QByteArray connectRequestBytes(const QUrl &url, const ProxyLogin &proxy)
{
    const QByteArray authority = bracketed(url) + ':'
                                 + QByteArray::number(url.port(defaultPort(url)));
    return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n"
           + proxyAuthorization(proxy) + "\r\n";
}

} // namespace repodeck::core::http
