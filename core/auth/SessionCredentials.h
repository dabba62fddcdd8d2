#pragma once

#include "auth/Credential.h"

#include <QHash>
#include <QMutex>

#include <memory>

namespace repodeck::core {

// Sign-ins a person gave the desktop app in this session, kept in memory
// only (used when they chose not to remember them, or when no keychain is
// available). One per protocol and host. Process-wide: instance() registers
// itself as a credential source (after the keychain and git's helpers) the
// first time it is asked for.
class SessionCredentials : public CredentialSource
{
public:
    static std::shared_ptr<SessionCredentials> instance();

    QString name() const override { return QStringLiteral("sign-in"); }
    std::optional<Credential> fill(const CredentialRequest &request) override;
    void approve(const CredentialRequest &, const Credential &) override {}
    void reject(const CredentialRequest &request, const Credential &credential) override;

    void set(const QString &protocol, const QString &host, const Credential &credential);
    void clear();

private:
    static QString key(const QString &protocol, const QString &host)
    {
        return protocol + QStringLiteral("://") + host;
    }
    QMutex m_mutex;
    QHash<QString, Credential> m_byHost;
};

} // namespace repodeck::core
