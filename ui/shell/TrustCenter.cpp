#include "shell/TrustCenter.h"

#include "auth/Keychain.h"
#include "auth/SessionCredentials.h"
#include "io/WorkspaceController.h"
#include "net/http/CertificatePins.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "io/Async.h"
#include "util/RemoteUrl.h"

#include <QCryptographicHash>
#include <QSslCertificate>
#include <QUrl>

namespace repodeck::ui {

TrustCenter::TrustCenter(core::SyncSession *session, WorkspaceController *workspace,
                         QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_workspace(workspace)
{
    core::SessionCredentials::instance(); // registered as a credential source once per process
    connect(m_session->scheduler(), &core::Scheduler::finished, this, &TrustCenter::noteResult);
}

QString TrustCenter::pinsError() const
{
    return m_session->pinsError();
}

QString TrustCenter::pinsPath() const
{
    return core::http::pinnedCertificatesPath(m_workspace->path());
}

const TrustRequest *TrustCenter::request(const QString &id) const
{
    for (const TrustRequest &r : m_requests) {
        if (r.id() == id)
            return &r;
    }
    return nullptr;
}

void TrustCenter::noteResult(const QString &name, const core::RepoResult &result)
{
    bool changed = false;
    // A success (or a failure of another kind) means it no longer waits.
    for (int i = m_requests.size() - 1; i >= 0; --i) {
        if (m_requests[i].repositories.removeAll(name) > 0) {
            changed = true;
            if (m_requests[i].repositories.isEmpty())
                m_requests.removeAt(i);
        }
    }
    const core::RepoSpec *spec = m_workspace->workspace().repository(name);
    if (result.outcome == core::Outcome::Failed && spec) {
        TrustRequest r;
        r.url = spec->url;
        r.message = result.error.message;
        const core::RemoteUrl url = core::RemoteUrl::parse(spec->url);
        const QUrl parsed(spec->url);
        const bool http = url.kind() == core::RemoteUrl::Kind::Http
                          || url.kind() == core::RemoteUrl::Kind::Https;
        bool wanted = true;
        switch (result.error.category) {
        case core::ErrorCategory::Auth:
            wanted = http; // SSH signs in with keys, not with a password dialog
            r.kind = TrustRequest::SignIn;
            r.protocol = parsed.scheme().toLower();
            r.host = parsed.port() > 0
                         ? QStringLiteral("%1:%2").arg(parsed.host()).arg(parsed.port())
                         : parsed.host();
            r.username = parsed.userName();
            break;
        case core::ErrorCategory::HostKey: {
            const core::SshTarget t = core::parseSshUrl(spec->url);
            r.kind = TrustRequest::HostKey;
            r.host = t.hostAndPort();
            wanted = t.valid;
            break;
        }
        case core::ErrorCategory::Tls:
            r.kind = TrustRequest::Certificate;
            r.host = parsed.host();
            r.certificate = result.error.peerCertificate;
            wanted = !r.certificate.isEmpty(); // nothing to show, nothing to pin
            break;
        default: wanted = false;
        }
        if (wanted) {
            bool merged = false;
            for (TrustRequest &existing : m_requests) {
                if (existing.id() == r.id()) {
                    if (!existing.repositories.contains(name))
                        existing.repositories << name;
                    if (!r.certificate.isEmpty())
                        existing.certificate = r.certificate; // the newest one the server presented
                    merged = true;
                }
            }
            if (!merged) {
                r.repositories << name;
                m_requests << r;
            }
            changed = true;
        }
    }
    if (changed)
        emit requestsChanged();
}

void TrustCenter::resolve(const QString &id)
{
    for (int i = 0; i < m_requests.size(); ++i) {
        if (m_requests.at(i).id() == id) {
            const QStringList waiting = m_requests.at(i).repositories;
            m_requests.removeAt(i);
            emit requestsChanged();
            emit retry(waiting);
            return;
        }
    }
}

void TrustCenter::signIn(const QString &id, const QString &username, const QString &secret,
                         bool remember)
{
    const TrustRequest *r = request(id);
    if (!r || r->kind != TrustRequest::SignIn)
        return;
    const core::Credential credential{username, secret, QStringLiteral("sign-in")};
    core::SessionCredentials::instance()->set(r->protocol, r->host, credential);
    if (remember) {
        core::CredentialRequest where;
        where.protocol = r->protocol;
        where.host = r->host;
        // The keychain may show its own unlock prompt: never block the window on it.
        const QString host = r->host;
        runAsync(
            this,
            [where, credential] {
            return core::KeychainCredentials::store(where, credential, true);
            },
            [this, host](const core::KeychainResult &stored) {
            emit keychainStored(host,
                                stored.ok()
                                    ? QString()
                                    : tr("The keychain did not keep the sign-in for %1 (%2); it "
                                         "applies until RepoDeck quits.")
                                          .arg(host, stored.error.isEmpty()
                                                         ? core::Keychain::unavailableAdvice()
                                                         : stored.error));
        });
    }
    resolve(id);
}

QString TrustCenter::trustCertificate(const QString &id)
{
    const TrustRequest *r = request(id);
    if (!r || r->kind != TrustRequest::Certificate)
        return {};
    const QSslCertificate cert(r->certificate, QSsl::Der);
    const QString subject = cert.isNull() ? QString() : cert.subjectDisplayName();
    const QString error = core::http::savePinnedCertificate(
        pinsPath(), r->host, QCryptographicHash::hash(r->certificate, QCryptographicHash::Sha256),
        subject);
    if (error.isEmpty())
        resolve(id);
    return error;
}

void TrustCenter::hostKeyTrusted(const QString &id)
{
    resolve(id);
}

void TrustCenter::dismiss(const QString &id)
{
    for (int i = 0; i < m_requests.size(); ++i) {
        if (m_requests.at(i).id() == id) {
            m_requests.removeAt(i);
            emit requestsChanged();
            return;
        }
    }
}

} // namespace repodeck::ui
