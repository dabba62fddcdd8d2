#pragma once

#include "git/GitHandles.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace repodeck::core::git {

// A configured remote read straight from the repository's config.
//
// Why not git_remote_lookup: in libgit2 1.5.1 it applies url.*.insteadOf by
// iterating every config entry through a PCRE2 regex, and git_regexp_match
// leaks its match data (with PCRE2 10.42's 20 KiB heap frames) on every
// entry that does not match (fixed upstream in 1.6, libgit2 #6382). That is
// over a megabyte per sync: a thousand mirrors grew the CLI to 380 MB and a
// long-running desktop app would grow without bound. git_branch_upstream
// goes through the same path. Reading the few keys we need with plain
// lookups, and fetching through an in-memory remote built from them, keeps
// git's semantics (insteadOf, fetch refspecs, prune and tagOpt settings)
// without touching that code.
struct RemoteConfig
{
    QString name;
    QString url; // as configured, insteadOf not yet applied
    QList<QByteArray> fetchSpecs;
    int prune = -1; // remote.<name>.prune, else fetch.prune; -1 = unset
    QString tagOpt; // remote.<name>.tagOpt ("--no-tags", "--tags" or empty)
    bool found = false;

    static RemoteConfig read(git_repository *repo, const QString &name);
    // url.<base>.insteadOf rewriting, as git does (longest match wins).
    static QString applyInsteadOf(git_repository *repo, const QString &url);

    // An in-memory remote for fetching: URL (insteadOf applied) and no
    // default refspec; pass fetchSpecs to git_remote_fetch.
    int createRemote(git_repository *repo, Remote *out) const;
};

// The upstream of the checked-out `branch` ("refs/heads/x"), from
// branch.<x>.remote/merge and that remote's fetch refspecs: the ref to
// compare with and fast-forward to. Empty when the branch has no upstream.
QByteArray upstreamRefOf(git_repository *repo, const QByteArray &branchRef);

} // namespace repodeck::core::git
