#pragma once

#include <QStringList>

namespace repodeck::core {

// Removes what a killed libgit2 operation leaves in a git directory: ref and
// index `.lock` files (which make the next fetch fail) and temporary packs.
// Call only while holding the repository's RepoLock after its previous owner
// died; returns the paths removed, for the log.
QStringList cleanAfterCrash(const QString &gitDir);

// Deletes a directory tree that RepoDeck itself created (a partial clone).
// Refuses, returning false, for anything that is not named like ours.
bool removePartialClone(const QString &tempDir);

// The temporary directory a clone of `target` is built in before the rename.
QString partialClonePath(const QString &target);

} // namespace repodeck::core
