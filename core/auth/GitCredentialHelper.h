#pragma once

#include "auth/Credential.h"

namespace repodeck::core {

// git's own credential helpers through `git credential fill/approve/reject`,
// so a user's Git Credential Manager, libsecret, osxkeychain or store logins
// just work. Never prompts: terminal prompts and askpass are disabled, and a
// helper that does not answer within the timeout is killed.
class GitCredentialHelper : public CredentialSource
{
public:
    explicit GitCredentialHelper(int timeoutMs = 15'000);

    QString name() const override { return QStringLiteral("git-credential"); }
    std::optional<Credential> fill(const CredentialRequest &request) override;
    void approve(const CredentialRequest &request, const Credential &credential) override;
    void reject(const CredentialRequest &request, const Credential &credential) override;

    // The text `git credential` reads on stdin; empty when a field holds a
    // line break or NUL (nothing is then written: a crafted value could add
    // lines such as "host=another.example" to the protocol).
    static QByteArray describe(const CredentialRequest &request, const Credential *credential);

private:
    bool run(const QString &verb, const QByteArray &input, QByteArray *output);
    int m_timeoutMs;
};

} // namespace repodeck::core
