#pragma once

#include "auth/Credential.h"

#include <QList>

#include <memory>

#include <git2.h>

namespace repodeck::core {

// Answers libgit2's credentials callback for one attempt without loops:
// each source is asked at most once per attempt, a credential known to be
// bad (rejected earlier in this process) is never offered again, and when
// nothing is left the attempt ends with GIT_EAUTH (category auth, not
// retried). After the attempt, report() tells the source whether its
// credential worked, so git's helpers forget rejected ones too.
class CredentialBroker
{
public:
    explicit CredentialBroker(QList<std::shared_ptr<CredentialSource>> sources);

    int acquire(git_credential **out, const char *url, const char *usernameFromUrl, unsigned int allowedTypes);
    // ok: the attempt succeeded; authFailed: it ended with an auth failure.
    void report(bool ok, bool authFailed);

    bool offeredAny() const { return m_offered.has_value(); }
    // The sources that were asked, for the error message (never secrets).
    QStringList triedSources() const;

    // The process-wide set of credentials that servers rejected.
    static bool isKnownBad(const CredentialRequest &request, const Credential &credential);
    static void markBad(const CredentialRequest &request, const Credential &credential);
    static CredentialRequest requestFor(const QString &url, const QString &username);

private:
    QList<std::shared_ptr<CredentialSource>> m_sources;
    int m_next = 0;
    CredentialRequest m_request;
    std::optional<Credential> m_offered;
    std::shared_ptr<CredentialSource> m_offeredBy;
    QStringList m_tried;
};

// The sources used for every attempt, in order (see docs/credentials.md):
// RepoDeck's keychain entries, git's credential helpers, then whatever the front end adds (the CLI's
// --interactive terminal prompt). Process-wide; set before syncing.
QList<std::shared_ptr<CredentialSource>> defaultCredentialSources();
void addCredentialSource(std::shared_ptr<CredentialSource> source);

} // namespace repodeck::core
