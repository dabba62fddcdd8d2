#pragma once

#include <QString>

namespace repodeck::core {

// Initialises libgit2 (git/GitLibrary.h) and installs RepoDeck's network
// stream (timeouts), its OpenSSH transport and the configured HTTP transport,
// once per process, before any worker thread starts. Returns an error text
// or empty. Every front end calls this before its first sync.
QString initializeNetwork();

} // namespace repodeck::core
