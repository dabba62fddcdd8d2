#pragma once

#include "auth/CredentialScope.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <optional>

#include <git2.h>

namespace repodeck::core::http {

// Answers 401s for one transport: each credential source is tried at most
// once per origin, so a server that keeps rejecting ends the attempt instead
// of looping (libgit2's own transport asks up to 15 times, its SSH forever).
//
// Sources, in order: the user name and password in the URL, then libgit2's
// credentials callback (git_transport_smart_credentials, asked for
// GIT_CREDENTIAL_USERPASS_PLAINTEXT). A credential with an empty user name is
// a token: it is sent as "Authorization: Bearer <token>" when the server's
// challenge offers Bearer or no Basic, otherwise as Basic with an empty user.
// The accepted header is then sent with every later request to that origin.
//
// Everything is bound to an origin (scheme, host, port): the URL's user info
// only to the configured URL's origin, an Authorization header only to the
// origin that challenged for it. After a redirect to another origin nothing
// of the old one is sent, and the callback is asked about the new origin
// (ConnectedOrigin), never the configured one.
class HttpCredentials
{
public:
    void setUrlCredentials(const CredentialOrigin &origin, const QString &user,
                           const QString &password);
    // The origin (and percent-encoded repository path) requests now go to.
    void setOrigin(const CredentialOrigin &origin, const QString &encodedPath);

    // Called on a 401 with its WWW-Authenticate value. Returns 0 with a new
    // authorization() to retry with, or a libgit2 error (GIT_EAUTH when every
    // source was used or none exists) with git_error set.
    int next(git_transport *transport, const QByteArray &challenge, const QString &host);

    // The header for the current origin; empty before it challenged.
    QByteArray authorization() const;

private:
    struct PerOrigin
    {
        bool urlUsed = false;
        bool callbackAsked = false;
        bool sentAny = false;
        QByteArray authorization;
    };
    static QByteArray header(const QString &user, const QString &secret,
                             const QByteArray &challenge);
    int rejected(const QString &host) const;
    bool atUrlOrigin() const { return m_urlOrigin && m_origin && *m_urlOrigin == *m_origin; }

    std::optional<CredentialOrigin> m_urlOrigin;
    QString m_urlUser;
    QString m_urlPassword;
    std::optional<CredentialOrigin> m_origin;
    QString m_path;
    QHash<QString, PerOrigin> m_state; // by CredentialOrigin::display()
};

} // namespace repodeck::core::http
