#include "net/http/ProxySettings.h"

#include "git/GitHandles.h"

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
    spdlog::warn("ignoring {} from a repository's own configuration: only the user's git configuration may "
                 "choose a proxy", key.toStdString());
    git_config *user = nullptr;
    if (git_config_open_default(&user) < 0) {
        git_error_clear();
        return std::nullopt;
    }
    git::Config owned(user);
    return readConfig(owned.get(), key);
}

git::Config openConfig(git_remote *remote)
{
    git_config *raw = nullptr;
    git_repository *repo = remote ? git_remote_owner(remote) : nullptr;
    const int rc = repo ? git_repository_config_snapshot(&raw, repo) : git_config_open_default(&raw);
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
    const QString text = value.contains(QLatin1String("://")) ? value : QStringLiteral("http://") + value;
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("not a proxy URL: %1").arg(QUrl(text).toDisplayString(QUrl::RemoveUserInfo));
        return std::nullopt;
    }
    QNetworkProxy::ProxyType type;
    if (scheme == QLatin1String("http")) {
        type = QNetworkProxy::HttpProxy;
    } else if (scheme == QLatin1String("socks5") || scheme == QLatin1String("socks5h")) {
        type = QNetworkProxy::Socks5Proxy;
    } else {
        *error = QStringLiteral("unsupported proxy scheme %1 (use http:// or socks5://)").arg(scheme);
        return std::nullopt;
    }
    QNetworkProxy proxy(type, url.host(), static_cast<quint16>(url.port(kGitDefaultProxyPort)));
    if (!url.userName().isEmpty()) {
        proxy.setUser(url.userName());
        proxy.setPassword(url.password());
    }
    return proxy;
}

ProxyChoice chooseProxy(git_remote *remote, const git_proxy_options &options)
{
    if (options.type == GIT_PROXY_NONE) {
        ProxyChoice none;
        none.mode = ProxyChoice::Mode::None;
        none.source = QStringLiteral("the fetch options");
        return none;
    }
    if (options.type == GIT_PROXY_SPECIFIED && options.url)
        return fromValue(QString::fromUtf8(options.url), QStringLiteral("the fetch options' proxy"));

    if (git::Config config = openConfig(remote)) {
        const char *name = remote ? git_remote_name(remote) : nullptr;
        if (name) {
            const QByteArray key = QByteArray("remote.") + name + ".proxy";
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

} // namespace repodeck::core::http
