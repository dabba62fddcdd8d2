#pragma once

#include <QNetworkProxy>
#include <QString>

#include <optional>

#include <git2.h>

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

} // namespace repodeck::core::http
