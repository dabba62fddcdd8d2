#pragma once

#include "auth/Credential.h"

#include <QHash>
#include <QMutex>

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
    void approve(const CredentialRequest &, const Credential &) override {}
    void reject(const CredentialRequest &request, const Credential &) override;

private:
    QMutex m_mutex;
    QHash<QString, std::optional<Credential>> m_answers; // by host: asked once
};

} // namespace repodeck::core
