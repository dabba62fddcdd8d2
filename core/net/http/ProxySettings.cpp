#include "net/http/ProxySettings.h"

#include <QHostAddress>
#include <QRegularExpression>

#include "git/GitHandles.h"
#include "net/http/HttpBackend.h"

#include <QNetworkProxyFactory>
#include <QUrl>

#include <spdlog/spdlog.h>

namespace repodeck::core::http {

namespace {

constexpr quint16 kGitDefaultProxyPort = 1080;

// nullopt: the key is not set.
std::optional<QString> readConfig(git_config *config, const QByteArray &key)
{
    git::Buf buf;
    if (git_config_get_string_buf(&buf.buf, config, key.constData()) < 0) {
        git_error_clear();
        return std::nullopt;
    }
    return QString::fromUtf8(buf.buf.ptr, static_cast<qsizetype>(buf.buf.size));
}

// A proxy sees every request of a plain-http remote, credentials included.
// A repository's own configuration (.git/config: an imported or downloaded
// repository's is written by whoever made it) may turn a proxy off (an empty
// value), never name one; the user's global, XDG and system files may.
std::optional<QString> readTrusted(git_config *config, const QByteArray &key)
{
    git_config_entry *entry = nullptr;
    if (git_config_get_entry(&entry, config, key.constData()) < 0) {
        git_error_clear();
        return std::nullopt;
    }
    const QString value = QString::fromUtf8(entry->value ? entry->value : "");
    const bool fromRepository = entry->level >= GIT_CONFIG_LEVEL_LOCAL;
    git_config_entry_free(entry);
    if (!fromRepository || value.trimmed().isEmpty())
        return value;
    spdlog::warn(
        "ignoring {} from a repository's own configuration: only the user's git configuration may "
        "choose a proxy",
        key.toStdString());
    git_config *user = nullptr;
    if (git_config_open_default(&user) < 0) {
        git_error_clear();
        return std::nullopt;
    }
    git::Config owned(user);
    return readConfig(owned.get(), key);
}

git::Config openConfig(git_repository *repo)
{
    git_config *raw = nullptr;
    const int rc = repo ? git_repository_config_snapshot(&raw, repo)
                        : git_config_open_default(&raw);
    if (rc < 0) {
        git_error_clear();
        return git::Config();
    }
    return git::Config(raw);
}

ProxyChoice fromValue(const QString &value, const QString &source)
{
    ProxyChoice choice;
    choice.source = source;
    if (value.trimmed().isEmpty()) {
        choice.mode = ProxyChoice::Mode::None;
        return choice;
    }
    QString error;
    if (const auto proxy = parseGitProxyUrl(value.trimmed(), &error)) {
        choice.mode = ProxyChoice::Mode::Explicit;
        choice.proxy = *proxy;
        return choice;
    }
    // A typo must not silently send traffic around the proxy the user set,
    // nor break every sync: say so in the log and fall back to the system.
    spdlog::warn("ignoring {}: {}", source.toStdString(), error.toStdString());
    choice.mode = ProxyChoice::Mode::System;
    return choice;
}

} // namespace

std::optional<QNetworkProxy> parseGitProxyUrl(const QString &value, QString *error)
{
    const QString text = value.contains(QLatin1String("://")) ? value
                                                              : QStringLiteral("http://") + value;
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("not a proxy URL: %1")
                     .arg(QUrl(text).toDisplayString(QUrl::RemoveUserInfo));
        return std::nullopt;
    }
    QNetworkProxy::ProxyType type;
    if (scheme == QLatin1String("http")) {
        type = QNetworkProxy::HttpProxy;
    } else if (scheme == QLatin1String("socks5") || scheme == QLatin1String("socks5h")) {
        type = QNetworkProxy::Socks5Proxy;
    } else {
        *error = QStringLiteral("unsupported proxy scheme %1 (use http:// or socks5://)")
                     .arg(scheme);
        return std::nullopt;
    }
    QNetworkProxy proxy(type, url.host(), static_cast<quint16>(url.port(kGitDefaultProxyPort)));
    if (!url.userName().isEmpty()) {
        proxy.setUser(url.userName());
        proxy.setPassword(url.password());
    }
    return proxy;
}

namespace {

// remote.<name>.proxy, then http.proxy, as readTrusted allows them; System
// when neither is set.
ProxyChoice fromGitConfig(git_repository *repo, const QByteArray &remoteName)
{
    if (git::Config config = openConfig(repo)) {
        if (!remoteName.isEmpty()) {
            const QByteArray key = QByteArray("remote.") + remoteName + ".proxy";
            if (const auto value = readTrusted(config.get(), key))
                return fromValue(*value, QString::fromUtf8(key));
        }
        if (const auto value = readTrusted(config.get(), "http.proxy"))
            return fromValue(*value, QStringLiteral("http.proxy"));
    }
    ProxyChoice system;
    system.source = QStringLiteral("the system proxy settings");
    return system;
}

} // namespace

ProxyChoice chooseProxy(git_remote *remote, const git_proxy_options &options)
{
    if (options.type == GIT_PROXY_NONE) {
        ProxyChoice none;
        none.mode = ProxyChoice::Mode::None;
        none.source = QStringLiteral("the fetch options");
        return none;
    }
    if (options.type == GIT_PROXY_SPECIFIED && options.url)
        return fromValue(QString::fromUtf8(options.url),
                         QStringLiteral("the fetch options' proxy"));
    // GIT_PROXY_AUTO (RepoDeck's own operations never pass it: OperationProxy).
    const char *name = remote ? git_remote_name(remote) : nullptr;
    return fromGitConfig(remote ? git_remote_owner(remote) : nullptr,
                         name ? QByteArray(name) : QByteArray());
}

bool excludedByNoProxy(const QString &noProxy, const QUrl &url)
{
    QString host = url.host(QUrl::FullyDecoded).toLower();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty())
        return false;
    const QHostAddress address(host);
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    for (QString entry : noProxy.split(separators, Qt::SkipEmptyParts)) {
        entry = entry.toLower();
        if (entry == QLatin1String("*"))
            return true;
        if (entry.startsWith(QLatin1Char('[')) && entry.contains(QLatin1Char(']')))
            entry = entry.mid(1, entry.indexOf(QLatin1Char(']')) - 1); // [::1]:8080
        else if (entry.count(QLatin1Char(':')) == 1)
            entry = entry.section(QLatin1Char(':'), 0, 0); // host:port
        if (!address.isNull()) {
            if (entry.contains(QLatin1Char('/'))) {
                const auto subnet = QHostAddress::parseSubnet(entry);
                if (subnet.second >= 0 && address.isInSubnet(subnet))
                    return true;
            } else if (QHostAddress(entry) == address) {
                return true;
            }
            continue;
        }
        if (entry.startsWith(QLatin1Char('.')))
            entry = entry.mid(1);
        if (!entry.isEmpty() && (host == entry || host.endsWith(QLatin1Char('.') + entry)))
            return true;
    }
    return false;
}

QString noProxyFromEnvironment()
{
    const QString lower = qEnvironmentVariable("no_proxy");
    return lower.isEmpty() ? qEnvironmentVariable("NO_PROXY") : lower;
}

ProxyChoice decideProxy(git_repository *repo, const QByteArray &remoteName, const QUrl &url)
{
    ProxyChoice choice = fromGitConfig(repo, remoteName);
    // git's proxy settings go through curl, which still honours no_proxy
    // (found in review: a host the user excluded got the proxy).
    if (choice.mode == ProxyChoice::Mode::Explicit
        && excludedByNoProxy(noProxyFromEnvironment(), url)) {
        choice.mode = ProxyChoice::Mode::None;
        choice.source += QStringLiteral(" (not for %1: no_proxy)").arg(url.host());
        return choice;
    }
    if (choice.mode != ProxyChoice::Mode::System)
        return choice;
    // What the Qt backend's network manager would ask for its first request.
    const QList<QNetworkProxy> found = QNetworkProxyFactory::systemProxyForQuery(
        QNetworkProxyQuery(url));
    const QNetworkProxy first = found.value(0, QNetworkProxy(QNetworkProxy::NoProxy));
    if (first.type() == QNetworkProxy::HttpProxy || first.type() == QNetworkProxy::Socks5Proxy) {
        choice.mode = ProxyChoice::Mode::Explicit;
        choice.proxy = first;
    } else {
        choice.mode = ProxyChoice::Mode::None;
    }
    return choice;
}

QByteArray gitProxyUrl(const QNetworkProxy &proxy)
{
    QUrl url;
    if (proxy.type() == QNetworkProxy::Socks5Proxy)
        url.setScheme(proxy.capabilities().testFlag(QNetworkProxy::HostNameLookupCapability)
                          ? QStringLiteral("socks5h")
                          : QStringLiteral("socks5"));
    else
        url.setScheme(QStringLiteral("http"));
    url.setHost(proxy.hostName());
    url.setPort(proxy.port());
    if (!proxy.user().isEmpty()) {
        url.setUserName(proxy.user());
        url.setPassword(proxy.password());
    }
    return url.toEncoded();
}

OperationProxy::OperationProxy(git_repository *repo, const QByteArray &remoteName,
                               const QString &remoteUrl)
{
    const QUrl url(remoteUrl);
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        m_choice.mode = ProxyChoice::Mode::None;
        m_choice.source = QStringLiteral("a remote that is not http(s)");
        return;
    }
    m_choice = decideProxy(repo, remoteName, url);
    if (m_choice.mode != ProxyChoice::Mode::Explicit)
        return;
    m_url = gitProxyUrl(m_choice.proxy);
    if (activeHttpBackend() != HttpBackend::Libgit2)
        return;
    if (m_choice.proxy.type() == QNetworkProxy::Socks5Proxy)
        m_error = QStringLiteral(
                      "The proxy from %1 is a SOCKS proxy, which the libgit2 HTTP backend cannot use.")
                      .arg(m_choice.source);
    // libgit2 1.5.1 tunnels only https through a proxy (CONNECT); for http://
    // it connects to the server itself and sends the proxy's request line
    // there (httpclient.c, use_connect_proxy and server_connect).
    else if (scheme == QLatin1String("http"))
        m_error = QStringLiteral(
                      "The libgit2 HTTP backend sends http:// remotes around the proxy from %1.")
                      .arg(m_choice.source);
}

void OperationProxy::apply(git_proxy_options &options) const
{
    if (m_choice.mode == ProxyChoice::Mode::Explicit && m_error.isEmpty()) {
        options.type = GIT_PROXY_SPECIFIED;
        options.url = m_url.constData();
    } else {
        options.type = GIT_PROXY_NONE;
        options.url = nullptr;
    }
}

SyncError proxyFailure(const OperationProxy &proxy)
{
    return SyncError::local(
        proxy.error(), QStringLiteral("Use the default HTTP backend (REPODECK_HTTP_BACKEND=qt)."));
}

} // namespace repodeck::core::http
