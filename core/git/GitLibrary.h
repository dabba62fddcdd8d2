#pragma once

#include <QString>

struct git_repository;

namespace repodeck::core::git {

// Initialises libgit2 once per process. Returns an error text or empty.
// Front ends call initializeNetwork() (net/NetworkSetup.h), which also
// installs RepoDeck's stream and transports.
QString initialize();

QString libgit2Version();

// For a repository RepoDeck has just created: on Windows sets Git for
// Windows' core.longpaths, without which libgit2 refuses every work tree path
// over MAX_PATH (260 characters) although it writes such paths with the
// \\?\ prefix Windows accepts at any length; elsewhere does nothing.
int allowLongPaths(git_repository *repo);

} // namespace repodeck::core::git
