#pragma once

#include <QString>

#include <optional>

namespace repodeck::core {

// What a server asked credentials for (never holds a secret).
struct CredentialRequest
{
    QString protocol; // "https" or "http"
    QString host;     // with ":port" when not the default
    QString path;     // repository path, without a leading slash
    QString username; // from the URL, if any
};

// A user name and secret from one source. The secret is kept only in
// memory, never logged or written by RepoDeck itself.
struct Credential
{
    QString username;
    QString secret;
    QString source; // "git-credential", "keychain", "prompt" (for messages)
};

// One place credentials come from (git's helpers, the OS keychain, a person).
class CredentialSource
{
public:
    virtual ~CredentialSource() = default;
    virtual QString name() const = 0;
    virtual std::optional<Credential> fill(const CredentialRequest &request) = 0;
    // The server accepted / rejected what fill() returned.
    virtual void approve(const CredentialRequest &request, const Credential &credential) = 0;
    virtual void reject(const CredentialRequest &request, const Credential &credential) = 0;
};

} // namespace repodeck::core
