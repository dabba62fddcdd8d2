#pragma once

#include "auth/Credential.h"

#include <QHash>
#include <QList>

#include <memory>

#include <git2.h>

namespace repodeck::core {

// Answers libgit2's credentials callback for one attempt without loops:
// each source is asked at most once per attempt and origin, a credential
// known to be bad (rejected earlier in this process) is never offered again,
// and when nothing is left the attempt ends with GIT_EAUTH (category auth,
// not retried). After the attempt, report() tells the source whether its
// credential worked, so git's helpers forget rejected ones too.
//
// Credentials are bound to their origin (scheme, host, port; see
// CredentialScope.h): the request names the origin the transport is talking
// to after any redirect (ConnectedOrigin), not the configured URL, and a
// rejection only ever erases what was offered to the origin that rejected it.
// A request with a line break or NUL in any field is refused before any
// source sees it.
class CredentialBroker
{
public:
    explicit CredentialBroker(QList<std::shared_ptr<CredentialSource>> sources);

    int acquire(git_credential **out, const char *url, const char *usernameFromUrl,
                unsigned int allowedTypes);
    // ok: the attempt succeeded; authFailed: it ended with an auth failure.
    void report(bool ok, bool authFailed);

    // The sources that were asked, for the error message (never secrets).
    QStringList triedSources() const;

    // The process-wide set of credentials that servers rejected.
    static bool isKnownBad(const CredentialRequest &request, const Credential &credential);
    static void markBad(const CredentialRequest &request, const Credential &credential);
    // What to ask for `url` (path kept percent-encoded: it is never decoded
    // into the credential protocol).
    static CredentialRequest requestFor(const QString &url, const QString &username);
    // Every field free of CR, LF and NUL.
    static bool isSafe(const CredentialRequest &request);

private:
    struct OriginState
    {
        CredentialRequest request;
        int next = 0;
        std::optional<Credential> offered;
        std::shared_ptr<CredentialSource> offeredBy;
    };
    void rejectOffered(OriginState &state);

    QList<std::shared_ptr<CredentialSource>> m_sources;
    QHash<QString, OriginState> m_origins; // by CredentialOrigin::display()
    QString m_lastOrigin;                  // the origin asked most recently
    QStringList m_tried;
};

// The sources used for every attempt, in order (see docs/credentials.md):
// RepoDeck's keychain entries, git's credential helpers, then whatever the front end adds (the CLI's
// --interactive terminal prompt). Process-wide; set before syncing.
QList<std::shared_ptr<CredentialSource>> defaultCredentialSources();
void addCredentialSource(std::shared_ptr<CredentialSource> source);

} // namespace repodeck::core
