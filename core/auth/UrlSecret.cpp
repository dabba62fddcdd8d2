#include "auth/UrlSecret.h"

#include "auth/CredentialBroker.h"
#include "auth/Keychain.h"

namespace repodeck::core {

UrlToStore prepareUrlForStorage(const RemoteUrl &url)
{
    UrlToStore out;
    const bool http = url.kind() == RemoteUrl::Kind::Http || url.kind() == RemoteUrl::Kind::Https;
    if (!url.hasPassword()) {
        out.url = http ? url.redacted() : url.original();
        if (http && out.url != url.original())
            out.notice = QStringLiteral(
                "The user name in the URL was not stored (it is often a token); the keychain, "
                "git's credential helper or a sign-in supplies credentials.");
        return out;
    }
    if (!http) {
        out.error = QStringLiteral(
            "the URL contains a password, which RepoDeck only keeps for http(s) URLs; use an "
            "SSH key (the agent or ~/.ssh/config) instead.");
        return out;
    }
    if (url.userName().isEmpty()) {
        out.error = QStringLiteral(
            "the URL has a password but no user name; write it as https://USER:TOKEN@host/path.");
        return out;
    }
    QString why;
    if (!Keychain::available(&why)) {
        out.error = QStringLiteral(
                        "the URL contains a password and no keychain is available to keep it (%1). %2 "
                        "Nothing was stored; add the URL without the password.")
                        .arg(why.isEmpty() ? QStringLiteral("no answer") : why,
                             Keychain::unavailableAdvice());
        return out;
    }
    const CredentialRequest request = CredentialBroker::requestFor(url.withoutPassword(),
                                                                   url.userName());
    const Credential credential{url.userName(), url.password(), QStringLiteral("keychain")};
    const KeychainResult stored = KeychainCredentials::store(request, credential, false);
    if (!stored.ok()) {
        out.error = QStringLiteral(
                        "the keychain did not store the password (%1); nothing was stored. Add the URL "
                        "without the password.")
                        .arg(stored.error);
        return out;
    }
    out.url = url.withoutPassword();
    out.notice = QStringLiteral(
                     "The password for %1 on %2 is in the system keychain (service \"%3\"); the workspace "
                     "keeps the URL without it.")
                     .arg(url.userName(), request.host, Keychain::service());
    return out;
}

} // namespace repodeck::core
