#pragma once

#include <QByteArray>
#include <QString>

#include <git2.h>

namespace repodeck::core::http {

// Answers 401s for one transport: each credential source is tried at most
// once, so a server that keeps rejecting ends the attempt instead of looping
// (libgit2's own transport asks up to 15 times, its SSH forever).
//
// Sources, in order: the user name and password in the URL, then libgit2's
// credentials callback (git_transport_smart_credentials, asked for
// GIT_CREDENTIAL_USERPASS_PLAINTEXT). A credential with an empty user name is
// a token: it is sent as "Authorization: Bearer <token>" when the server's
// challenge offers Bearer or no Basic, otherwise as Basic with an empty user.
// The accepted header is then sent with every later request of the transport.
class HttpCredentials
{
public:
    void setUrlCredentials(const QString &user, const QString &password);

    // Called on a 401 with its WWW-Authenticate value. Returns 0 with a new
    // authorization() to retry with, or a libgit2 error (GIT_EAUTH when every
    // source was used or none exists) with git_error set.
    int next(git_transport *transport, const QByteArray &challenge, const QString &host);

    QByteArray authorization() const { return m_authorization; }
    // A redirect to another host: what was meant for the old one is not sent.
    void forgetAuthorization() { m_authorization.clear(); }

private:
    static QByteArray header(const QString &user, const QString &secret, const QByteArray &challenge);
    int rejected(const QString &host) const;

    QString m_urlUser;
    QString m_urlPassword;
    bool m_urlUsed = false;
    bool m_callbackAsked = false;
    bool m_sentAny = false;
    QByteArray m_authorization;
};

} // namespace repodeck::core::http
