#pragma once

namespace repodeck::core {

// Installs the process-wide libgit2 socket stream (GIT_STREAM_STANDARD) that
// bounds DNS + connect, stalls and the whole attempt, and wakes within ~50 ms
// of a cancel. It covers http://, https:// (mbedTLS wraps it) and git://.
// Call once, after git_libgit2_init and before any worker starts.
// Returns false if libgit2 refused the registration.
bool installTimeoutStream();

} // namespace repodeck::core
