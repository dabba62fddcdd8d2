#pragma once

#include "net/AttemptContext.h"
#include "retry/SyncError.h"

#include <QString>

struct git_repository;

namespace repodeck::core::git {

// Initialises libgit2 and installs RepoDeck's network stream, once per
// process, before any worker thread starts. Returns an error text or empty.
QString initialize();

QString libgit2Version();

// Reads the thread's last libgit2 error right after a negative return (it is
// per thread and stale otherwise) together with what the attempt observed,
// and classifies it.
SyncError captureFailure(int code, const AttemptContext *attempt, const QString &host);

// For a repository RepoDeck has just created: on Windows sets Git for
// Windows' core.longpaths, without which libgit2 refuses every work tree path
// over MAX_PATH (260 characters) although it writes such paths with the
// \\?\ prefix Windows accepts at any length; elsewhere does nothing.
int allowLongPaths(git_repository *repo);

} // namespace repodeck::core::git
