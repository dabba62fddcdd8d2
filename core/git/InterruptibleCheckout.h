#pragma once

// A fast-forward's checkout in a user's working copy that stops with the
// attempt (its time, a cancel) and that the next sync can finish.
//
// libgit2 writes the files (a SAFE checkout: it never overwrites what it
// did not write), but every blob it is about to write is read through an
// object-database backend of ours first: once the attempt must stop, that
// read fails and libgit2 returns before the file is opened, so no file is
// ever left half written by a stop. The work tree is then a mix of the old
// and the new commit's files, with HEAD and the index still at the old one;
// a record in the git folder says which update was under way, and the next
// fast-forward recognises those files as its own (each equal to the new
// commit's) instead of reporting them as local changes. Anything else that
// differs is the user's and is kept.
//
// A kill (not a stop) can still cut the file being written short. The
// backend notes the id of each blob it passes on in
// .git/repodeck-fast-forward-writing before libgit2 opens the file; a file
// that is a strict start of that blob (as checked out) is the kill's, and is
// written whole.

#include <git2.h>

#include <QString>
#include <QStringList>

#include <functional>

namespace repodeck::core::git {

// A SAFE checkout of `target` (a commit or tree) over HEAD's tree that
// stops between files when `shouldStop` says so: then -1 with the error
// "checkout stopped" and *stopped set. Other results are libgit2's
// (GIT_ECONFLICT when files are in the way).
int checkoutUnlessStopped(git_repository *repo, const git_object *target,
                          const std::function<bool()> &shouldStop, bool *stopped);

// .git/repodeck-fast-forward: "<from> <to>\n", written before a
// fast-forward's checkout and removed once the branch has moved.
bool recordFastForward(git_repository *repo, const git_oid &from, const git_oid &to);
void forgetFastForward(git_repository *repo);
bool readFastForward(git_repository *repo, git_oid *from, git_oid *to);

// After a fast-forward from `from` (HEAD's commit) to `to` stopped part
// way: whether every difference between HEAD and the work tree is one that
// update made (the file as `to` has it, or gone where `to` has none).
// Those that are not go to *unexplained (at most a few names) and
// *unexplainedCount. Files `to` adds that the stopped checkout already
// wrote (untracked, equal to `to`'s) are removed when everything else is
// explained, so that a SAFE checkout can write them again. 0 or a libgit2
// error.
int settleStoppedFastForward(git_repository *repo, const git_oid &from, const git_oid &to,
                             bool *explained, QStringList *unexplained, int *unexplainedCount);

// Files a fast-forward from HEAD to `to` would have to delete that git
// does not track: a folder `to` replaces with a file or link, holding
// untracked or ignored files. libgit2 deleted the tracked ones, then failed
// on the folder, leaving the work tree half changed; checked first, nothing
// is written. At most `max` paths (relative, '/'-separated).
QStringList untrackedInTheWay(git_repository *repo, const git_object *to, int max = 3);

} // namespace repodeck::core::git
