#pragma once

#include "auth/Credential.h"

#include <QByteArray>
#include <QString>

namespace repodeck::core {

// What one keychain operation ended with. `error` is for people and never
// contains the secret.
struct KeychainResult
{
    enum Status { Ok, NotFound, Unavailable, Failed };
    Status status = Failed;
    QByteArray data;
    QString error;

    bool ok() const { return status == Ok; }
};

// The operating system's keychain (Windows Credential Manager, macOS
// Keychain, the Secret Service on Linux) through QtKeychain. Every
// operation runs on one keychain thread with its own event loop, so any
// thread (a sync worker inside libgit2's callback, the GUI) may call it and
// waits at most `timeoutMs`. There is no plain-text fallback: when no
// keychain answers, the status is Unavailable and nothing is written.
// Entries are stored under the service "RepoDeck" (REPODECK_KEYCHAIN_SERVICE
// overrides it, for tests and side-by-side installs); REPODECK_KEYCHAIN=off
// makes it unavailable (tests that must not touch a developer's keyring,
// machines where it should never be used).
class Keychain
{
public:
    static KeychainResult read(const QString &key, int timeoutMs = 15'000);
    static KeychainResult write(const QString &key, const QByteArray &data, int timeoutMs = 15'000);
    static KeychainResult remove(const QString &key, int timeoutMs = 15'000);
    // A probe read: true when a keychain answered at all.
    static bool available(QString *why = nullptr);
    static QString service();
    // Why nothing can be stored, in words for the person who asked.
    static QString unavailableAdvice();
};

// HTTP(S) logins in the keychain. One entry per account, under the key
// "PROTOCOL://USER@HOST" (the host with its port when not the default), and
// one per host, "PROTOCOL://HOST", for sign-ins made without a user name in
// the URL. The value is the user name and the secret (JSON).
class KeychainCredentials : public CredentialSource
{
public:
    QString name() const override { return QStringLiteral("keychain"); }
    std::optional<Credential> fill(const CredentialRequest &request) override;
    void approve(const CredentialRequest &, const Credential &) override {}
    // A rejected login is deleted (as `git credential reject` erases it), so
    // no later run replays it; the desktop app then asks to sign in again.
    void reject(const CredentialRequest &request, const Credential &credential) override;

    static QString accountKey(const QString &protocol, const QString &host,
                              const QString &username);
    static QString hostKey(const QString &protocol, const QString &host);
    // Stores under the account key, and under the host key when asked.
    static KeychainResult store(const CredentialRequest &request, const Credential &credential,
                                bool asHostDefault);
};

} // namespace repodeck::core
