#include "util/RemoteUrl.h"

#include <QDir>
#include <QRegularExpression>
#include <QUrl>

namespace repodeck::core {

RemoteUrl RemoteUrl::parse(const QString &text)
{
    RemoteUrl r;
    r.m_original = text.trimmed();
    const QString &t = r.m_original;
    if (t.isEmpty()) {
        r.m_error = QStringLiteral("The URL is empty; give an https://, ssh://, git:// URL or a path.");
        return r;
    }
    if (t.contains(QLatin1Char(' ')) && t.contains(QLatin1String("://"))) {
        r.m_error = QStringLiteral("The URL \"%1\" contains a space; remove it or encode it as %20.").arg(t);
        return r;
    }

    static const QRegularExpression scheme(QStringLiteral(R"(^([A-Za-z][A-Za-z0-9+.-]*)://)"));
    const auto sm = scheme.match(t);
    if (sm.hasMatch()) {
        const QString s = sm.captured(1).toLower();
        QUrl url(t, QUrl::StrictMode);
        if (!url.isValid()) {
            r.m_error = QStringLiteral("The URL is not valid (%1); check its spelling.").arg(url.errorString());
            return r;
        }
        if (s == QLatin1String("https"))
            r.m_kind = Kind::Https;
        else if (s == QLatin1String("http"))
            r.m_kind = Kind::Http;
        else if (s == QLatin1String("git"))
            r.m_kind = Kind::Git;
        else if (s == QLatin1String("ssh") || s == QLatin1String("git+ssh") || s == QLatin1String("ssh+git"))
            r.m_kind = Kind::Ssh;
        else if (s == QLatin1String("file"))
            r.m_kind = Kind::File;
        else {
            r.m_error = QStringLiteral("The URL scheme \"%1\" is not supported; use https, http, ssh, git or file.").arg(s);
            return r;
        }
        r.m_host = url.host();
        if (r.m_kind != Kind::File && r.m_host.isEmpty()) {
            r.m_kind = Kind::Invalid;
            r.m_error = QStringLiteral("The URL has no host name; it should look like %1://host/path.").arg(s);
            return r;
        }
        if (r.m_kind != Kind::File && url.path().size() <= 1) {
            r.m_kind = Kind::Invalid;
            r.m_error = QStringLiteral("The URL names no repository path after the host.");
            return r;
        }
        r.m_hasPassword = !url.password().isEmpty();
        r.m_userName = url.userName();
        r.m_password = url.password();
        QUrl plain = url;
        plain.setPassword(QString());
        r.m_withoutPassword = plain.toString();
        QUrl shown = url;
        if (r.m_kind == Kind::Http || r.m_kind == Kind::Https)
            shown.setUserInfo(QString());
        else
            shown.setPassword(QString());
        r.m_redacted = shown.toString();
        return r;
    }

    // scp-style: [user@]host:path, where host has no slash before the colon.
    static const QRegularExpression scp(QStringLiteral(R"(^(?:([^@/:]+)@)?([^@/:]+):(.+)$)"));
    const auto m = scp.match(t);
    const bool windowsDrive = t.size() > 2 && t.at(1) == QLatin1Char(':') && t.at(0).isLetter()
                              && (t.at(2) == QLatin1Char('\\') || t.at(2) == QLatin1Char('/'));
    if (m.hasMatch() && !windowsDrive) {
        r.m_kind = Kind::Ssh;
        r.m_host = m.captured(2);
        r.m_redacted = t;
        r.m_withoutPassword = t;
        return r;
    }

    if (QDir::isAbsolutePath(t) || t.startsWith(QLatin1String("./")) || t.startsWith(QLatin1String("../"))) {
        r.m_kind = Kind::File;
        r.m_redacted = t;
        r.m_withoutPassword = t;
        return r;
    }
    r.m_error = QStringLiteral("\"%1\" is neither a URL nor an absolute path; use https://host/repo.git, "
                               "user@host:repo.git or /path/to/repo.").arg(t);
    return r;
}

QString redactUrlsInText(const QString &text)
{
    // scheme://user[:password]@  ->  scheme://
    static const QRegularExpression creds(QStringLiteral(R"(((?:https?|ftp)://)[^/\s@]+@)"),
                                          QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression sshPass(QStringLiteral(R"((ssh://[^/\s:@]+):[^/\s@]+@)"),
                                            QRegularExpression::CaseInsensitiveOption);
    QString out = text;
    out.replace(creds, QStringLiteral("\\1"));
    out.replace(sshPass, QStringLiteral("\\1@"));
    return out;
}

} // namespace repodeck::core
