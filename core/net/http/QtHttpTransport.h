#pragma once

#include <git2.h>

namespace repodeck::core::http {

// libgit2 transport factory (git_transport_cb) for http:// and https://:
// libgit2's smart protocol over a stateless-RPC subtransport whose requests
// go through Qt Network (see HttpSubtransport.cpp). Register it with
// git_transport_register(); `param` is unused.
int createQtHttpTransport(git_transport **out, git_remote *owner, void *param);

} // namespace repodeck::core::http
