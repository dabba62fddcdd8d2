#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace repodeck::core::http {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// One request of RepoDeck's HTTP/1.1 client, as HttpSubtransport asks for it.
struct HttpRequestSpec
{
    QUrl url;          // without user info: credentials travel only in headers we set
    bool post = false; // GET otherwise
    HttpHeaders headers;
    QByteArray body;
};

// Basic credentials for an HTTP proxy, from the proxy URL; empty user: none.
struct ProxyLogin
{
    QString user;
    QString password;
};

int defaultPort(const QUrl &url); // 443 for https, else 80
// host[:port] as the Host header names it (the port only when not the default).
QByteArray hostHeader(const QUrl &url);

// The bytes of the request HttpConnection writes: the request line (origin
// form, or absolute form for plain http through an HTTP proxy, which then
// also gets the proxy's credentials), Host, the spec's headers,
// Content-Length and the body of a POST.
QByteArray requestBytes(const HttpRequestSpec &spec, bool absoluteForm, const ProxyLogin &proxy);

// CONNECT host:port for https through an HTTP proxy, with the proxy's credentials.
QByteArray connectRequestBytes(const QUrl &url, const ProxyLogin &proxy);

} // namespace repodeck::core::http
