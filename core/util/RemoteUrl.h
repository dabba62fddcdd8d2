#pragma once

#include <QString>

namespace repodeck::core {

// A remote as a user typed it: https, http, git, ssh, scp-style
// (user@host:path), file:// or a local path.
class RemoteUrl
{
public:
    enum class Kind { Invalid, Http, Https, Git, Ssh, File };

    static RemoteUrl parse(const QString &text);

    Kind kind() const { return m_kind; }
    bool isValid() const { return m_kind != Kind::Invalid; }
    bool isNetwork() const { return m_kind != Kind::Invalid && m_kind != Kind::File; }
    // Why it is invalid, naming the fix. Empty when valid.
    QString error() const { return m_error; }
    QString host() const { return m_host; }
    bool hasPassword() const { return m_hasPassword; }
    // http(s) user info as typed; the password only ever goes to the keychain.
    QString userName() const { return m_userName; }
    QString password() const { return m_password; }
    // The URL as typed minus the password (the user name stays).
    QString withoutPassword() const { return m_withoutPassword; }
    // Safe to show, log and store: http(s) user info removed entirely (the
    // user name is often a token), ssh keeps the user (not a secret).
    QString redacted() const { return m_redacted; }
    QString original() const { return m_original; }

private:
    Kind m_kind = Kind::Invalid;
    QString m_original;
    QString m_redacted;
    QString m_host;
    QString m_error;
    QString m_userName;
    QString m_password;
    QString m_withoutPassword;
    bool m_hasPassword = false;
};

// An ssh:// or scp-style remote split the way ssh is given it:
// "ssh://user@host:2222/path" or "user@host:path". The OpenSSH transport,
// the host-key scan and the window's trust requests all read a remote
// through parseSshUrl, so they agree on its host.
struct SshTarget
{
    QString user;
    QString host;
    int port = 0; // 0: not given (ssh's own default or ~/.ssh/config)
    QString path;
    // False without a host or path, with a user or host that ssh would read
    // as an option ('-' first), or with a control character.
    bool valid = false;

    // "host", or "host:port" when the URL gives a port: one host key's name
    // in RepoDeck's requests.
    QString hostAndPort() const;
};
SshTarget parseSshUrl(const QString &url);

// Removes credentials from every URL inside free text (libgit2 messages can
// echo the URL they were given).
QString redactUrlsInText(const QString &text);

// Server text (an ERR line, a header, ssh's stderr) made safe to show: escape
// sequences and other control characters (C0 but newline and tab, DEL, C1)
// become U+FFFD, so a server cannot retitle, clear or repaint a terminal.
QString withoutControlCharacters(const QString &text);

// Host keys: the unit the scheduler's host gate works on (one cap, breaker and
// retry budget per host and port), also the `host` label of the metrics. Not
// an SSH host key. One definition, so every caller names a host alike.

// "127.0.0.1:9418", "github.com": the host in lower case, with the port when
// the URL names one; "local" for paths, file:// and URLs that do not parse.
QString hostKeyOf(const QString &url);
// Loopback hosts and local paths stay reachable when the machine is offline.
bool isLoopbackHostKey(const QString &hostKey);

} // namespace repodeck::core
