#include "auth/CredentialBroker.h"

#include "auth/GitCredentialHelper.h"
#include "auth/Keychain.h"

#include <QCryptographicHash>
#include <QMutex>
#include <QSet>
#include <QUrl>

namespace repodeck::core {

namespace {

QMutex g_badMutex;
QSet<QByteArray> g_bad; // SHA-256 of host, user and secret: no secret kept in memory twice

QByteArray fingerprint(const CredentialRequest &r, const Credential &c)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(r.protocol.toUtf8() + '\0' + r.host.toUtf8() + '\0' + c.username.toUtf8() + '\0' + c.secret.toUtf8());
    return h.result();
}

} // namespace

CredentialBroker::CredentialBroker(QList<std::shared_ptr<CredentialSource>> sources)
    : m_sources(std::move(sources))
{
}

CredentialRequest CredentialBroker::requestFor(const QString &url, const QString &username)
{
    const QUrl u(url);
    CredentialRequest r;
    r.protocol = u.scheme();
    r.host = u.port() > 0 ? QStringLiteral("%1:%2").arg(u.host()).arg(u.port()) : u.host();
    r.path = u.path().mid(1);
    r.username = username.isEmpty() ? u.userName() : username;
    return r;
}

bool CredentialBroker::isKnownBad(const CredentialRequest &request, const Credential &credential)
{
    QMutexLocker lock(&g_badMutex);
    return g_bad.contains(fingerprint(request, credential));
}

void CredentialBroker::markBad(const CredentialRequest &request, const Credential &credential)
{
    QMutexLocker lock(&g_badMutex);
    g_bad.insert(fingerprint(request, credential));
}

int CredentialBroker::acquire(git_credential **out, const char *url, const char *usernameFromUrl,
                              unsigned int allowedTypes)
{
    if (!(allowedTypes & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
        return GIT_PASSTHROUGH;
    m_request = requestFor(QString::fromUtf8(url), QString::fromUtf8(usernameFromUrl ? usernameFromUrl : ""));
    // A second call in one attempt means the last credential was rejected.
    if (m_offered) {
        markBad(m_request, *m_offered);
        m_offeredBy->reject(m_request, *m_offered);
        m_offered.reset();
        m_offeredBy.reset();
    }
    while (m_next < m_sources.size()) {
        const std::shared_ptr<CredentialSource> source = m_sources.at(m_next++);
        m_tried << source->name();
        const std::optional<Credential> c = source->fill(m_request);
        if (!c || isKnownBad(m_request, *c))
            continue;
        if (git_credential_userpass_plaintext_new(out, c->username.toUtf8().constData(),
                                                  c->secret.toUtf8().constData()) < 0)
            return -1;
        m_offered = c;
        m_offeredBy = source;
        return 0;
    }
    git_error_set_str(GIT_ERROR_HTTP,
                      m_tried.isEmpty() ? "remote authentication required and no credential source is available"
                                        : "authentication failed: no credential was accepted");
    return GIT_EAUTH;
}

void CredentialBroker::report(bool ok, bool authFailed)
{
    if (!m_offered)
        return;
    if (ok) {
        m_offeredBy->approve(m_request, *m_offered);
    } else if (authFailed) {
        markBad(m_request, *m_offered);
        m_offeredBy->reject(m_request, *m_offered);
    }
    m_offered.reset();
    m_offeredBy.reset();
}

QStringList CredentialBroker::triedSources() const
{
    return m_tried;
}

namespace {
QMutex g_sourcesMutex;
QList<std::shared_ptr<CredentialSource>> g_extraSources;
} // namespace

QList<std::shared_ptr<CredentialSource>> defaultCredentialSources()
{
    QList<std::shared_ptr<CredentialSource>> sources{std::make_shared<KeychainCredentials>(),
                                                     std::make_shared<GitCredentialHelper>()};
    QMutexLocker lock(&g_sourcesMutex);
    return sources + g_extraSources;
}

void addCredentialSource(std::shared_ptr<CredentialSource> source)
{
    QMutexLocker lock(&g_sourcesMutex);
    g_extraSources << std::move(source);
}

} // namespace repodeck::core
