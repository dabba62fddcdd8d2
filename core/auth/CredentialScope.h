#pragma once

#include <QString>
#include <QUrl>

#include <optional>

namespace repodeck::core {

// The origin a credential belongs to: scheme, host and port, as browsers,
// curl and git bind them. A credential is only ever asked for, sent to,
// approved for or erased from the origin that asked; a redirect to another
// origin starts from nothing.
struct CredentialOrigin
{
    QString scheme; // "http" or "https", lower case
    QString host;   // lower case, without brackets for IPv6
    int port = 0;   // always explicit (80/443 filled in)

    static std::optional<CredentialOrigin> fromUrl(const QUrl &url);
    static std::optional<CredentialOrigin> fromUrl(const QString &url)
    {
        return fromUrl(QUrl(url));
    }
    // What git's credential protocol calls "host": with ":port" when not the default.
    QString hostField() const;
    // scheme://host[:port], for messages and as a key.
    QString display() const;
    bool isDefaultPort() const;
    bool operator==(const CredentialOrigin &o) const
    {
        return scheme == o.scheme && host == o.host && port == o.port;
    }
    bool operator!=(const CredentialOrigin &o) const { return !(*this == o); }
};

int defaultPortOf(const QString &scheme);

// git refuses any credential field with a newline, a carriage return or a NUL
// (CVE-2020-5260, CVE-2020-11008): each would let a crafted URL add lines to
// the `git credential` protocol and ask for another host's secret. So do we,
// for every field we write anywhere (helpers, keychain keys, prompts).
bool isSafeCredentialField(const QString &value);

// The origin the transport on this thread is talking to right now, set by the
// HTTP transports (ours after following a redirect; libgit2's as seen by the
// socket stream). libgit2 passes its credentials callback the configured URL
// even after a redirect, so the broker asks this instead. Per thread, as
// libgit2 runs a transfer on one thread; cleared when a broker starts.
class ConnectedOrigin
{
public:
    static void set(const CredentialOrigin &origin, const QString &encodedPath = QString());
    static void clear();
    static std::optional<CredentialOrigin> current();
    // The path on that origin (percent-encoded, no leading '/'); may be empty.
    static QString currentPath();
};

} // namespace repodeck::core
