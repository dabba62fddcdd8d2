#pragma once

#include "auth/Credential.h"

#include <QHash>
#include <QMutex>
#include <QSet>

namespace repodeck::core {

// `repodeck-cli sync --interactive` on a terminal: asks for a user name and
// password on the controlling terminal (the password without echo), at most
// once per host per run, one question at a time even with many workers.
// Never used without a terminal.
class TerminalPrompt : public CredentialSource
{
public:
    static bool available(); // a controlling terminal exists

    QString name() const override { return QStringLiteral("prompt"); }
    std::optional<Credential> fill(const CredentialRequest &request) override;
    // Stores the accepted answer in the system keychain, when there is one.
    void approve(const CredentialRequest &request, const Credential &credential) override;
    void reject(const CredentialRequest &request, const Credential &) override;

private:
    QMutex m_mutex;
    QHash<QString, std::optional<Credential>> m_answers; // by origin: asked once
    QSet<QString> m_stored;
};

} // namespace repodeck::core
