#include "auth/Keychain.h"

#include "auth/CredentialScope.h"
#include "auth/KeychainBackend.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <spdlog/spdlog.h>

namespace repodeck::core {

namespace {

KeychainResult run(keychain::Operation op, const QString &key, const QByteArray &data,
                   int timeoutMs)
{
    if (qEnvironmentVariable("REPODECK_KEYCHAIN") == QLatin1String("off"))
        return {KeychainResult::Unavailable,
                {},
                QStringLiteral("the keychain is switched off (REPODECK_KEYCHAIN=off)")};
    return keychain::runBackend(op, Keychain::service(), key, data, timeoutMs);
}

} // namespace

QString Keychain::service()
{
    const QString custom = qEnvironmentVariable("REPODECK_KEYCHAIN_SERVICE");
    return custom.isEmpty() ? QStringLiteral("RepoDeck") : custom;
}

KeychainResult Keychain::read(const QString &key, int timeoutMs)
{
    return run(keychain::Operation::Read, key, {}, timeoutMs);
}

KeychainResult Keychain::write(const QString &key, const QByteArray &data, int timeoutMs)
{
    return run(keychain::Operation::Write, key, data, timeoutMs);
}

KeychainResult Keychain::remove(const QString &key, int timeoutMs)
{
    return run(keychain::Operation::Remove, key, {}, timeoutMs);
}

bool Keychain::available(QString *why)
{
    const KeychainResult probe = read(QStringLiteral("repodeck-probe"), 5'000);
    if (probe.status == KeychainResult::Ok || probe.status == KeychainResult::NotFound)
        return true;
    if (why)
        *why = probe.error;
    return false;
}

QString Keychain::unavailableAdvice()
{
#if defined(Q_OS_WIN)
    return QStringLiteral("Windows Credential Manager did not answer.");
#elif defined(Q_OS_MACOS)
    return QStringLiteral("The macOS Keychain did not answer; unlock it in Keychain Access.");
#else
    return QStringLiteral(
        "No Secret Service keychain is running (GNOME Keyring or KWallet on a desktop session; "
        "on a server, store the token with git's credential helper instead, e.g. "
        "`git credential approve`).");
#endif
}

// ---------------------------------------------------------------------------

namespace {

QByteArray encode(const Credential &c)
{
    QJsonObject o;
    o.insert(QStringLiteral("username"), c.username);
    o.insert(QStringLiteral("secret"), c.secret);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<Credential> decode(const QByteArray &data)
{
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    const QString secret = o.value(QStringLiteral("secret")).toString();
    if (secret.isEmpty())
        return std::nullopt;
    return Credential{o.value(QStringLiteral("username")).toString(), secret,
                      QStringLiteral("keychain")};
}

} // namespace

QString KeychainCredentials::accountKey(const QString &protocol, const QString &host,
                                        const QString &username)
{
    return QStringLiteral("%1://%2@%3").arg(protocol, username, host);
}

QString KeychainCredentials::hostKey(const QString &protocol, const QString &host)
{
    return QStringLiteral("%1://%2").arg(protocol, host);
}

std::optional<Credential> KeychainCredentials::fill(const CredentialRequest &request)
{
    QStringList keys;
    if (!request.username.isEmpty())
        keys << accountKey(request.protocol, request.host, request.username);
    keys << hostKey(request.protocol, request.host);
    for (const QString &key : keys) {
        const KeychainResult r = Keychain::read(key);
        if (r.status == KeychainResult::Unavailable)
            return std::nullopt;
        if (r.status == KeychainResult::Failed) {
            // The key may hold a user name, which is often a token: name the host only.
            spdlog::warn("keychain: reading the login for {} failed: {}",
                         hostKey(request.protocol, request.host).toStdString(),
                         r.error.toStdString());
            return std::nullopt;
        }
        if (!r.ok())
            continue;
        std::optional<Credential> c = decode(r.data);
        if (c && (request.username.isEmpty() || c->username == request.username))
            return c;
    }
    return std::nullopt;
}

void KeychainCredentials::reject(const CredentialRequest &request, const Credential &credential)
{
    for (const QString &key : {accountKey(request.protocol, request.host, credential.username),
                               hostKey(request.protocol, request.host)}) {
        const KeychainResult r = Keychain::read(key);
        if (!r.ok())
            continue;
        const std::optional<Credential> stored = decode(r.data);
        if (stored && stored->username == credential.username
            && stored->secret == credential.secret) {
            Keychain::remove(key);
            spdlog::info("keychain: removed the rejected login for {}",
                         hostKey(request.protocol, request.host).toStdString());
        }
    }
}

KeychainResult KeychainCredentials::store(const CredentialRequest &request,
                                          const Credential &credential, bool asHostDefault)
{
    for (const QString &field : {request.protocol, request.host, credential.username}) {
        if (!isSafeCredentialField(field))
            return {
                KeychainResult::Failed,
                {},
                QStringLiteral(
                    "the host or user name holds a line break or NUL character; nothing was stored")};
    }
    const QByteArray value = encode(credential);
    KeychainResult r = Keychain::write(
        accountKey(request.protocol, request.host, credential.username), value);
    if (r.ok() && asHostDefault)
        r = Keychain::write(hostKey(request.protocol, request.host), value);
    return r;
}

} // namespace repodeck::core
