#include "auth/CredentialBroker.h"

#include "auth/CredentialScope.h"
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
    h.addData(r.protocol.toUtf8() + '\0' + r.host.toUtf8() + '\0' + c.username.toUtf8() + '\0'
              + c.secret.toUtf8());
    return h.result();
}

} // namespace

CredentialBroker::CredentialBroker(QList<std::shared_ptr<CredentialSource>> sources)
    : m_sources(std::move(sources))
{
    // A new attempt on this worker thread: nothing seen by an earlier one counts.
    ConnectedOrigin::clear();
}

CredentialRequest CredentialBroker::requestFor(const QString &url, const QString &username)
{
    const QUrl u(url);
    CredentialRequest r;
    const std::optional<CredentialOrigin> origin = CredentialOrigin::fromUrl(u);
    r.protocol = origin ? origin->scheme : u.scheme();
    r.host = origin ? origin->hostField() : u.host();
    r.path = u.path(QUrl::FullyEncoded).mid(1);
    r.username = username.isEmpty() ? u.userName() : username;
    return r;
}

bool CredentialBroker::isSafe(const CredentialRequest &request)
{
    return isSafeCredentialField(request.protocol) && isSafeCredentialField(request.host)
           && isSafeCredentialField(request.path) && isSafeCredentialField(request.username);
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

void CredentialBroker::rejectOffered(OriginState &state)
{
    if (!state.offered)
        return;
    markBad(state.request, *state.offered);
    state.offeredBy->reject(state.request, *state.offered);
    state.offered.reset();
    state.offeredBy.reset();
}

int CredentialBroker::acquire(git_credential **out, const char *url, const char *usernameFromUrl,
                              unsigned int allowedTypes)
{
    if (!(allowedTypes & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
        return GIT_PASSTHROUGH;
    const QString configuredUrl = QString::fromUtf8(url ? url : "");
    CredentialRequest request = requestFor(
        configuredUrl, QString::fromUtf8(usernameFromUrl ? usernameFromUrl : ""));
    const std::optional<CredentialOrigin> configured = CredentialOrigin::fromUrl(configuredUrl);
    const std::optional<CredentialOrigin> connected = ConnectedOrigin::current();
    if (configured && connected
        && (configured->scheme == QLatin1String("http")
            || configured->scheme == QLatin1String("https"))
        && *connected != *configured) {
        // libgit2 passes the configured URL even after a redirect to another
        // origin: ask for the one the transport actually talks to, and
        // without the configured URL's user name (it belongs to the old one).
        request = CredentialRequest{
            connected->scheme, connected->hostField(), ConnectedOrigin::currentPath(), {}};
    }
    if (!isSafe(request)) {
        git_error_set_str(
            GIT_ERROR_HTTP,
            "the repository URL holds a line break or NUL character (in its path or user name); "
            "RepoDeck asks no credential source about such a URL, since it could make git's "
            "credential helpers answer for another host. Correct the URL.");
        return GIT_EAUTH;
    }
    const QString key = request.protocol + QStringLiteral("://") + request.host;
    OriginState &state = m_origins[key];
    m_lastOrigin = key;
    // A second call for one origin means that origin rejected what it got.
    rejectOffered(state);
    state.request = request;
    while (state.next < m_sources.size()) {
        const std::shared_ptr<CredentialSource> source = m_sources.at(state.next++);
        if (!m_tried.contains(source->name()))
            m_tried << source->name();
        const std::optional<Credential> c = source->fill(request);
        if (!c || isKnownBad(request, *c))
            continue;
        if (git_credential_userpass_plaintext_new(out, c->username.toUtf8().constData(),
                                                  c->secret.toUtf8().constData())
            < 0)
            return -1;
        state.offered = c;
        state.offeredBy = source;
        return 0;
    }
    git_error_set_str(GIT_ERROR_HTTP,
                      m_tried.isEmpty()
                          ? "remote authentication required and no credential source is available"
                          : "authentication failed: no credential was accepted");
    return GIT_EAUTH;
}

void CredentialBroker::report(bool ok, bool authFailed)
{
    for (auto it = m_origins.begin(); it != m_origins.end(); ++it) {
        OriginState &state = it.value();
        if (!state.offered)
            continue;
        if (ok) {
            // No second 401 from that origin: it took the credential.
            state.offeredBy->approve(state.request, *state.offered);
        } else if (authFailed && it.key() == m_lastOrigin) {
            // Only the origin whose refusal ended the attempt loses its entry.
            rejectOffered(state);
        }
        state.offered.reset();
        state.offeredBy.reset();
    }
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
