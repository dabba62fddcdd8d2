#pragma once

#include "sync/SyncTypes.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QStringList>

namespace repodeck::core {
class SyncSession;
}

namespace repodeck::ui {

class WorkspaceController;

// Something only a person can decide for one host: sign in, trust an SSH
// host key, trust a certificate. Repositories that failed for that reason
// wait on it; there is at most one request per kind and host, however many
// repositories are waiting.
struct TrustRequest
{
    enum Kind { SignIn, HostKey, Certificate };
    Kind kind = SignIn;
    QString host;     // SignIn: "host[:port]"; HostKey: the SSH host; Certificate: the TLS host
    QString protocol; // SignIn: http or https
    QString url;      // one waiting repository's remote (for scanning, showing)
    QString username; // SignIn: from the URL, if any
    QByteArray certificate; // Certificate: DER the server presented
    QString message;        // the failure, as the engine worded it
    QStringList repositories;

    QString id() const { return QString::number(kind) + QLatin1Char(' ') + host; }
};

// Collects those requests from the scheduler's results and, once a person
// answered one, syncs every repository that was waiting on it again. The
// dialogs that ask are in ui/dialogs; this class holds no widgets, so it is
// tested without them.
class TrustCenter : public QObject
{
    Q_OBJECT

public:
    TrustCenter(core::SyncSession *session, WorkspaceController *workspace,
                QObject *parent = nullptr);

    QList<TrustRequest> requests() const { return m_requests; }
    const TrustRequest *request(const QString &id) const;

    // The file certificate pins are kept in (beside the workspace).
    QString pinsPath() const;
    // Why the pins file could not be read at start (the session reads it), or empty.
    QString pinsError() const;

    // Answers. Each removes the request and syncs its repositories again.
    // signIn applies the login at once for this session and, when
    // `remember`, stores it in the system keychain in the background
    // (keychainStored() tells how that went).
    void signIn(const QString &id, const QString &username, const QString &secret, bool remember);
    QString trustCertificate(const QString &id);
    void hostKeyTrusted(const QString &id); // the dialog wrote known_hosts
    // Not now: the request goes away until a repository fails for it again.
    void dismiss(const QString &id);

    // A repository's sync ended (the scheduler's results arrive here by
    // themselves; the window also feeds the failures remembered from the
    // last session, so a sign-in is offered before anything syncs again).
    void noteResult(const QString &name, const core::RepoResult &result);

signals:
    void requestsChanged();
    // error is empty when the keychain kept the sign-in.
    void keychainStored(const QString &host, const QString &error);
    void retry(const QStringList &repositories);

private:
    void resolve(const QString &id);

    core::SyncSession *m_session;
    WorkspaceController *m_workspace;
    QList<TrustRequest> m_requests;
};

} // namespace repodeck::ui
