#include "util/RemoteUrl.h"

#include <algorithm>

#include <QDir>
#include <QRegularExpression>
#include <QHostAddress>
#include <QUrl>

namespace repodeck::core {

namespace {

// scp-style: [user@]host:path, where host has no slash before the colon.
const QRegularExpression &scpPattern()
{
    static const QRegularExpression scp(QStringLiteral(R"(^(?:([^@/:]+)@)?([^@/:]+):(.+)$)"));
    return scp;
}

// What an error message may quote of a URL it refuses: everything between
// "scheme://" and the last '@' of the authority is dropped, since a refused
// URL may still hold a password.
QString shownInError(const QString &t)
{
    const qsizetype schemeEnd = t.indexOf(QLatin1String("://"));
    if (schemeEnd < 0) {
        // No scheme: a "user:password@" in front is dropped all the same.
        const qsizetype at = t.indexOf(QLatin1Char('@'));
        const qsizetype colon = t.indexOf(QLatin1Char(':'));
        return at > 0 && colon >= 0 && colon < at ? t.mid(at + 1) : t;
    }
    const qsizetype query = t.indexOf(QLatin1Char('?'));
    if (query >= 0)
        return shownInError(t.left(query)) + QStringLiteral("?…");
    const qsizetype authority = schemeEnd + 3;
    qsizetype end = t.indexOf(QLatin1Char('/'), authority);
    if (end < 0)
        end = t.size();
    const qsizetype at = t.lastIndexOf(QLatin1Char('@'), end - 1);
    if (at < authority)
        return t;
    return t.left(authority) + t.mid(at + 1);
}

// CR, LF, NUL and the other control characters end a field of git's
// credential protocol and of ssh's command line: refused raw and
// percent-encoded, anywhere in the URL, as git does (CVE-2020-5260).
bool hasControlCharacter(const QString &t)
{
    for (qsizetype i = 0; i < t.size(); ++i) {
        const char16_t c = t.at(i).unicode();
        if (c < 0x20 || c == 0x7f)
            return true;
        if (c == u'%' && i + 2 < t.size()) {
            bool ok = false;
            const int v = t.mid(i + 1, 2).toInt(&ok, 16);
            if (ok && (v < 0x20 || v == 0x7f))
                return true;
        }
    }
    return false;
}

// Letters, digits, '-', '_' and '.': what a DNS name or an ssh config alias
// can hold. Anything else is a typo that would otherwise retry DNS forever.
bool plausibleHostName(const QString &host)
{
    static const QRegularExpression ok(
        QStringLiteral("^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?$"));
    return ok.match(host).hasMatch();
}

// "ht!tp:/x" or "htps//x": a scheme with a typo. Returns the URL the user
// most likely meant, or empty.
QString suggestedUrl(const QString &t)
{
    static const QRegularExpression mangled(QStringLiteral("^([A-Za-z!._+-]{3,8}):?/+(.+)$"));
    const auto m = mangled.match(t);
    if (!m.hasMatch())
        return {};
    QString letters = m.captured(1).toLower();
    letters.remove(QRegularExpression(QStringLiteral("[^a-z]")));
    for (const char *known : {"https", "http", "ssh", "git", "file"}) {
        const QString k = QLatin1String(known);
        if (letters == k
            || (letters.size() + 1 == k.size() && k.startsWith(letters.left(2))
                && k.endsWith(letters.right(1))))
            return k + QLatin1String("://") + m.captured(2);
    }
    return {};
}

QString badHostMessage(const QString &host, const QString &t)
{
    QString msg = QStringLiteral(
                      "The host name \"%1\" has characters no host name can have; host names hold "
                      "only letters, digits, '-' and '.'.")
                      .arg(host);
    if (const QString s = suggestedUrl(t); !s.isEmpty())
        msg += QStringLiteral(" Did you mean %1 ?").arg(shownInError(s));
    return msg;
}

} // namespace

RemoteUrl RemoteUrl::parse(const QString &text)
{
    RemoteUrl r;
    r.m_original = text.trimmed();
    const QString &t = r.m_original;
    if (t.isEmpty()) {
        r.m_error = QStringLiteral(
            "The URL is empty; give an https://, ssh://, git:// URL or a path.");
        return r;
    }
    if (hasControlCharacter(t)) {
        // Concatenated, not arg(): "%0A" in a template is a place marker.
        r.m_error = QStringLiteral("The URL \"") + shownInError(t).simplified()
                    + QStringLiteral(
                        "\" contains a control character (such as an encoded line break, %0A); "
                        "RepoDeck refuses it, as git does. Check where the URL came from.");
        return r;
    }
    if (t.contains(QLatin1Char(' ')) && t.contains(QLatin1String("://"))) {
        r.m_error = QStringLiteral(
                        "The URL \"%1\" contains a space; remove it or encode it as %20.")
                        .arg(shownInError(t));
        return r;
    }

    static const QRegularExpression scheme(QStringLiteral(R"(^([A-Za-z][A-Za-z0-9+.-]*)://)"));
    const auto sm = scheme.match(t);
    if (sm.hasMatch()) {
        const QString s = sm.captured(1).toLower();
        QUrl url(t, QUrl::StrictMode);
        if (!url.isValid()) {
            // QUrl's own message quotes the URL, password included.
            r.m_error = QStringLiteral("The URL \"%1\" is not valid; check its spelling.")
                            .arg(shownInError(t));
            return r;
        }
        if (s == QLatin1String("https"))
            r.m_kind = Kind::Https;
        else if (s == QLatin1String("http"))
            r.m_kind = Kind::Http;
        else if (s == QLatin1String("git"))
            r.m_kind = Kind::Git;
        else if (s == QLatin1String("ssh") || s == QLatin1String("git+ssh")
                 || s == QLatin1String("ssh+git"))
            r.m_kind = Kind::Ssh;
        else if (s == QLatin1String("file"))
            r.m_kind = Kind::File;
        else {
            r.m_error = QStringLiteral(
                            "The URL scheme \"%1\" is not supported; use https, http, ssh, git or file.")
                            .arg(s);
            return r;
        }
        r.m_host = url.host();
        if (r.m_kind != Kind::File && r.m_host.isEmpty()) {
            r.m_kind = Kind::Invalid;
            r.m_error = QStringLiteral(
                            "The URL has no host name; it should look like %1://host/path.")
                            .arg(s);
            return r;
        }
        if (r.m_kind != Kind::File && url.path().size() <= 1) {
            r.m_kind = Kind::Invalid;
            r.m_error = QStringLiteral("The URL names no repository path after the host.");
            return r;
        }
        if (r.m_kind == Kind::Ssh
            && (r.m_host.startsWith(QLatin1Char('-'))
                || url.userName().startsWith(QLatin1Char('-')))) {
            r.m_kind = Kind::Invalid;
            r.m_error = QStringLiteral(
                "An ssh user or host name may not start with '-' (ssh would read it as an "
                "option); check the URL.");
            return r;
        }
        // A token in the query (?private_token=...) would be stored, shown
        // and logged like the rest of the URL (found in review).
        if (url.hasQuery()) {
            static const QRegularExpression secretKey(
                QStringLiteral(
                    "(^|&)[^=&]*(token|key|secret|passw|pwd|auth|sig|access|credential)[^=&]*="),
                QRegularExpression::CaseInsensitiveOption);
            if (secretKey.match(url.query(QUrl::FullyDecoded)).hasMatch()) {
                r.m_kind = Kind::Invalid;
                r.m_error = QStringLiteral(
                                "The URL for %1 carries a secret in its query string (after '?'); "
                                "remove it and store the token with a credential helper or as "
                                "https://TOKEN@host/... (RepoDeck moves that into the keychain).")
                                .arg(r.m_host);
                return r;
            }
        }
        r.m_hasPassword = !url.password().isEmpty();
        r.m_userName = url.userName();
        r.m_password = url.password();
        QUrl plain = url;
        plain.setPassword(QString());
        // Spaces stay encoded (%20): what is stored must parse again.
        r.m_withoutPassword = plain.toString(QUrl::EncodeSpaces);
        QUrl shown = url;
        if (r.m_kind == Kind::Http || r.m_kind == Kind::Https)
            shown.setUserInfo(QString());
        else
            shown.setPassword(QString());
        r.m_redacted = shown.toString(QUrl::EncodeSpaces);
        return r;
    }

    const auto m = scpPattern().match(t);
    const bool windowsDrive = t.size() > 2 && t.at(1) == QLatin1Char(':') && t.at(0).isLetter()
                              && (t.at(2) == QLatin1Char('\\') || t.at(2) == QLatin1Char('/'));
    if (m.hasMatch() && !windowsDrive) {
        const QString user = m.captured(1);
        const QString host = m.captured(2);
        if (user.startsWith(QLatin1Char('-')) || host.startsWith(QLatin1Char('-'))) {
            r.m_error = QStringLiteral(
                "An ssh user or host name may not start with '-' (ssh would read it as an "
                "option); check the URL.");
            return r;
        }
        if (!plausibleHostName(host)) {
            r.m_error = badHostMessage(host, t);
            return r;
        }
        r.m_kind = Kind::Ssh;
        r.m_host = host;
        r.m_redacted = t;
        r.m_withoutPassword = t;
        return r;
    }

    if (QDir::isAbsolutePath(t) || t.startsWith(QLatin1String("./"))
        || t.startsWith(QLatin1String("../"))) {
        r.m_kind = Kind::File;
        r.m_redacted = t;
        r.m_withoutPassword = t;
        return r;
    }
    r.m_error = QStringLiteral(
                    "\"%1\" is neither a URL nor an absolute path; use https://host/repo.git, "
                    "user@host:repo.git or /path/to/repo.")
                    .arg(shownInError(t));
    if (const QString s = suggestedUrl(t); !s.isEmpty())
        r.m_error += QStringLiteral(" Did you mean %1 ?").arg(shownInError(s));
    return r;
}

SshTarget parseSshUrl(const QString &url)
{
    SshTarget t;
    if (url.contains(QLatin1String("://"))) {
        const QUrl u(url);
        if (!u.isValid() || u.host().isEmpty())
            return t;
        t.user = u.userName();
        t.host = u.host();
        t.port = u.port(0);
        t.path = u.path(QUrl::FullyDecoded);
        // ssh://host/~user/repo means a path relative to a home directory.
        if (t.path.startsWith(QLatin1String("/~")))
            t.path = t.path.mid(1);
    } else {
        const auto m = scpPattern().match(url);
        if (!m.hasMatch())
            return t;
        t.user = m.captured(1);
        t.host = m.captured(2);
        t.path = m.captured(3);
    }
    // A user or host starting with '-' would be read by ssh (or by the
    // program in GIT_SSH_COMMAND, which gets no "--") as an option such as
    // -oProxyCommand=...; a control character would split the command line.
    auto unsafe = [](const QString &field) {
        if (field.startsWith(QLatin1Char('-')))
            return true;
        return std::any_of(field.begin(), field.end(),
                           [](QChar c) { return c.unicode() < 0x20 || c.unicode() == 0x7f; });
    };
    t.valid = !t.host.isEmpty() && !t.path.isEmpty() && !unsafe(t.host) && !unsafe(t.user)
              && !std::any_of(t.path.begin(), t.path.end(),
                              [](QChar c) { return c.unicode() < 0x20; });
    return t;
}

QString SshTarget::hostAndPort() const
{
    return port > 0 ? QStringLiteral("%1:%2").arg(host).arg(port) : host;
}

QString withoutControlCharacters(const QString &text)
{
    QString out = text;
    for (QChar &c : out) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7f && u <= 0x9f))
            c = QChar(QChar::ReplacementCharacter);
    }
    return out;
}

QString redactUrlsInText(const QString &text)
{
    // scheme://user[:password]@  ->  scheme://
    static const QRegularExpression creds(QStringLiteral(R"(((?:https?|ftp)://)[^/\s]+@)"),
                                          QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression sshPass(QStringLiteral(R"((ssh://[^/\s:@]+):[^/\s@]+@)"),
                                            QRegularExpression::CaseInsensitiveOption);
    QString out = text;
    out.replace(creds, QStringLiteral("\\1"));
    out.replace(sshPass, QStringLiteral("\\1@"));
    return out;
}

QString hostKeyOf(const QString &url)
{
    const RemoteUrl remote = RemoteUrl::parse(url);
    if (!remote.isNetwork())
        return QStringLiteral("local");
    const QUrl parsed(remote.redacted());
    const int port = parsed.port();
    QString host = remote.host().toLower();
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']'); // IPv6: the port stays readable
    return port > 0 ? QStringLiteral("%1:%2").arg(host).arg(port) : host;
}

bool isLoopbackHostKey(const QString &key)
{
    if (key == QLatin1String("local"))
        return true;
    // "[v6]:port", "[v6]", "host:port" or "host".
    const QString host = key.startsWith(QLatin1Char('['))
                             ? key.mid(1, key.indexOf(QLatin1Char(']')) - 1)
                             : key.section(QLatin1Char(':'), 0, 0);
    if (host == QLatin1String("localhost"))
        return true;
    // An address only: a name such as 127.example.com is not loopback.
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace repodeck::core
