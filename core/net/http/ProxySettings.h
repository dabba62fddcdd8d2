#pragma once

#include <QByteArray>
#include <QNetworkProxy>
#include <QString>
#include <QUrl>

#include <optional>

#include <git2.h>

#include "retry/SyncError.h"

namespace repodeck::core::http {

// Which proxy one transport uses, decided on the worker thread from what
// libgit2 knows, before any request leaves.
struct ProxyChoice
{
    enum class Mode { System, None, Explicit };
    Mode mode = Mode::System; // System: QNetworkProxyFactory (env, PAC, OS settings)
    QNetworkProxy proxy;      // Explicit only
    QString source;           // where it came from, for logs and errors
};

// A git proxy URL: "http://[user:password@]host[:port]", "host:port" (http),
// "socks5://host[:port]" / "socks5h://...". Port defaults to 1080 as in git.
// HTTPS proxies (TLS to the proxy) are not supported by Qt Network.
std::optional<QNetworkProxy> parseGitProxyUrl(const QString &value, QString *error);

// The precedence libgit2's own transport uses, minus its environment
// lookup (Qt's system configuration covers that, and PAC):
//   fetch options' proxy: GIT_PROXY_SPECIFIED (its URL) or GIT_PROXY_NONE;
//   for GIT_PROXY_AUTO: remote.<name>.proxy, then http.proxy, read from the
//   remote's repository configuration (which includes global and system
//   files) or, for a remote without repository, the default configuration;
//   an empty value there means "no proxy", as in git;
//   otherwise the system configuration.
ProxyChoice chooseProxy(git_remote *remote, const git_proxy_options &options);

// The proxy RepoDeck itself decides for one remote URL, for both HTTP
// backends (the one function both use):
//   remote.<name>.proxy, then http.proxy, from the user's global, XDG and
//   system git configuration; the repository's own configuration (`repo`,
//   may be null for a clone) may only turn a proxy off (an empty value);
//   otherwise Qt's system proxy settings for `url` (env http(s)_proxy,
//   no_proxy on Linux, the OS settings and PAC elsewhere), resolved now.
// The result is Explicit or None, never System.
ProxyChoice decideProxy(git_repository *repo, const QByteArray &remoteName, const QUrl &url);

// Whether `url`'s host is excluded by a no_proxy list, as curl (and so git)
// reads it even when the proxy comes from git's configuration: entries
// separated by commas or spaces; "*" excludes every host; a name excludes
// itself and its subdomains (a leading dot is ignored); an IP address, or
// a CIDR range (10.0.0.0/8, fd00::/8), excludes those addresses. Ports in
// entries are ignored.
bool excludedByNoProxy(const QString &noProxy, const QUrl &url);
// The list from the environment: no_proxy, else NO_PROXY.
QString noProxyFromEnvironment();

// The proxy in a git proxy URL that parseGitProxyUrl reads back
// ("http://user:password@host:port", "socks5h://host:port").
QByteArray gitProxyUrl(const QNetworkProxy &proxy);

// libgit2 proxy options for one operation, from decideProxy: always
// GIT_PROXY_SPECIFIED (its URL) or GIT_PROXY_NONE, never GIT_PROXY_AUTO,
// which makes libgit2 1.5.1 read remote.<name>.proxy, http.<url>.proxy and
// http.proxy from the repository's own configuration, then the environment
// (src/libgit2/remote.c, git_remote__http_proxy). Keeps the URL alive for
// as long as the options are used. Not for ssh:// or git:// remotes: those
// get GIT_PROXY_NONE without a lookup.
class OperationProxy
{
public:
    OperationProxy(git_repository *repo, const QByteArray &remoteName, const QString &remoteUrl);

    // Empty, or why no connection may start: libgit2's HTTP client cannot
    // use a SOCKS proxy, nor send http:// through any proxy, and going
    // around the user's proxy is no answer.
    QString error() const { return m_error; }
    void apply(git_proxy_options &options) const;
    const ProxyChoice &choice() const { return m_choice; }

private:
    ProxyChoice m_choice;
    QByteArray m_url;
    QString m_error;
};

// The failure for an OperationProxy with an error (category local: nothing
// to retry until the configuration changes).
SyncError proxyFailure(const OperationProxy &proxy);

} // namespace repodeck::core::http
