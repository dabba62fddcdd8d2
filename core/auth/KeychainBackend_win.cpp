#include "auth/KeychainBackend.h"

#include <windows.h>
#include <wincred.h>

#include <string>

// Windows Credential Manager, called directly (QtKeychain does the same on
// Windows; calling it here spares shipping QtKeychain). Generic credentials,
// target "SERVICE/KEY", persisted for this user on this machine. The calls
// are synchronous and answer at once, so no keychain thread is needed.
namespace repodeck::core::keychain {

namespace {

std::wstring wide(const QString &s)
{
    return s.toStdWString();
}

QString lastError(const char *what)
{
    const DWORD code = GetLastError();
    return QStringLiteral("Windows Credential Manager: %1 failed (error %2)")
        .arg(QLatin1String(what))
        .arg(code);
}

} // namespace

KeychainResult runBackend(Operation op, const QString &service, const QString &key,
                          const QByteArray &data, int /*timeoutMs*/)
{
    const std::wstring target = wide(service + QLatin1Char('/') + key);
    switch (op) {
    case Operation::Read: {
        PCREDENTIALW cred = nullptr;
        if (!CredReadW(target.c_str(), CRED_TYPE_GENERIC, 0, &cred)) {
            if (GetLastError() == ERROR_NOT_FOUND)
                return {KeychainResult::NotFound, {}, {}};
            return {KeychainResult::Failed, {}, lastError("reading a login")};
        }
        KeychainResult r{KeychainResult::Ok,
                         QByteArray(reinterpret_cast<const char *>(cred->CredentialBlob),
                                    static_cast<int>(cred->CredentialBlobSize)),
                         {}};
        SecureZeroMemory(cred->CredentialBlob, cred->CredentialBlobSize);
        CredFree(cred);
        return r;
    }
    case Operation::Write: {
        if (data.size() > CRED_MAX_CREDENTIAL_BLOB_SIZE)
            return {KeychainResult::Failed,
                    {},
                    QStringLiteral(
                        "Windows Credential Manager holds at most %1 bytes a login; this one is %2")
                        .arg(CRED_MAX_CREDENTIAL_BLOB_SIZE)
                        .arg(data.size())};
        QByteArray copy = data;
        CREDENTIALW cred{};
        cred.Type = CRED_TYPE_GENERIC;
        cred.TargetName = const_cast<LPWSTR>(target.c_str());
        cred.CredentialBlobSize = static_cast<DWORD>(copy.size());
        cred.CredentialBlob = reinterpret_cast<LPBYTE>(copy.data());
        cred.Persist = CRED_PERSIST_LOCAL_MACHINE;
        const std::wstring user = wide(service);
        cred.UserName = const_cast<LPWSTR>(user.c_str());
        const bool ok = CredWriteW(&cred, 0);
        SecureZeroMemory(copy.data(), static_cast<SIZE_T>(copy.size()));
        if (!ok)
            return {KeychainResult::Failed, {}, lastError("storing a login")};
        return {KeychainResult::Ok, {}, {}};
    }
    case Operation::Remove:
        if (!CredDeleteW(target.c_str(), CRED_TYPE_GENERIC, 0)) {
            if (GetLastError() == ERROR_NOT_FOUND)
                return {KeychainResult::NotFound, {}, {}};
            return {KeychainResult::Failed, {}, lastError("removing a login")};
        }
        return {KeychainResult::Ok, {}, {}};
    }
    return {KeychainResult::Failed, {}, QStringLiteral("unknown keychain operation")};
}

} // namespace repodeck::core::keychain
