#include "net/http/HttpCredentials.h"

#include <QList>

#include <git2/sys/credential.h>
#include <git2/sys/transport.h>

namespace repodeck::core::http {

namespace {

// Whether a WWW-Authenticate value offers `scheme` ("Basic realm=..., Bearer").
bool offers(const QByteArray &challenge, const QByteArray &scheme)
{
    for (QByteArray part : challenge.split(',')) {
        part = part.trimmed();
        const qsizetype space = part.indexOf(' ');
        const QByteArray token = space < 0 ? part : part.left(space);
        if (token.compare(scheme, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

void HttpCredentials::setUrlCredentials(const CredentialOrigin &origin, const QString &user,
                                        const QString &password)
{
    m_urlOrigin = origin;
    m_urlUser = user;
    m_urlPassword = password;
}

void HttpCredentials::setOrigin(const CredentialOrigin &origin, const QString &encodedPath)
{
    m_origin = origin;
    m_path = encodedPath;
}

QByteArray HttpCredentials::authorization() const
{
    return m_origin ? m_state.value(m_origin->display()).authorization : QByteArray();
}

QByteArray HttpCredentials::header(const QString &user, const QString &secret,
                                   const QByteArray &challenge)
{
    if (user.isEmpty() && (offers(challenge, "Bearer") || !offers(challenge, "Basic")))
        return "Bearer " + secret.toUtf8();
    return "Basic " + (user + QLatin1Char(':') + secret).toUtf8().toBase64();
}

int HttpCredentials::rejected(const QString &host) const
{
    git_error_set_str(GIT_ERROR_HTTP,
                      QStringLiteral(
                          "authentication to %1 failed: the server rejected the credentials "
                          "(http status code: 401)")
                          .arg(host)
                          .toUtf8()
                          .constData());
    return GIT_EAUTH;
}

int HttpCredentials::next(git_transport *transport, const QByteArray &challenge,
                          const QString &host)
{
    if (!m_origin) {
        git_error_set_str(GIT_ERROR_HTTP,
                          "internal error: credentials asked before a request was sent");
        return -1;
    }
    PerOrigin &state = m_state[m_origin->display()];
    const bool urlOrigin = atUrlOrigin();
    if (urlOrigin && !state.urlUsed && !m_urlPassword.isEmpty() && isSafeCredentialField(m_urlUser)
        && isSafeCredentialField(m_urlPassword)) {
        state.urlUsed = true;
        state.sentAny = true;
        state.authorization = header(m_urlUser, m_urlPassword, challenge);
        return 0;
    }
    if (state.callbackAsked)
        return rejected(host);
    state.callbackAsked = true;

    git_error_clear();
    git_credential *credential = nullptr;
    // libgit2 hands its callback the configured URL whatever origin asked:
    // the broker reads the origin from here instead.
    ConnectedOrigin::set(*m_origin, m_path);
    const QByteArray user = urlOrigin ? m_urlUser.toUtf8() : QByteArray();
    const int rc = git_transport_smart_credentials(&credential, transport,
                                                   user.isEmpty() ? nullptr : user.constData(),
                                                   GIT_CREDENTIAL_USERPASS_PLAINTEXT);
    if (rc == GIT_PASSTHROUGH || rc > 0 || (rc == 0 && !credential)) {
        if (state.sentAny)
            return rejected(host);
        git_error_set_str(GIT_ERROR_HTTP,
                          "remote authentication required but no callback set "
                          "(http status code: 401)");
        return GIT_EAUTH;
    }
    if (rc < 0) {
        if (!git_error_last())
            git_error_set_str(GIT_ERROR_HTTP,
                              "no credentials for the server (http status code: 401)");
        return rc;
    }
    if (credential->credtype != GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
        git_credential_free(credential);
        git_error_set_str(GIT_ERROR_HTTP,
                          "the credentials callback returned a credential type that "
                          "HTTP cannot use (user/password or token needed)");
        return GIT_EAUTH;
    }
    const auto *plain = reinterpret_cast<const git_credential_userpass_plaintext *>(credential);
    const QString username = QString::fromUtf8(plain->username ? plain->username : "");
    const QString secret = QString::fromUtf8(plain->password ? plain->password : "");
    git_credential_free(credential);
    if (!isSafeCredentialField(username) || !isSafeCredentialField(secret)) {
        // A Bearer token with a line break would add headers of its own.
        git_error_set_str(GIT_ERROR_HTTP,
                          "the credential for the server holds a line break or NUL character "
                          "and was not sent; store it again without one");
        return GIT_EAUTH;
    }
    state.authorization = header(username, secret, challenge);
    state.sentAny = true;
    return 0;
}

} // namespace repodeck::core::http
