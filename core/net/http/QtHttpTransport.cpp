#include "net/http/QtHttpTransport.h"

#include "net/http/HttpSubtransport.h"

#include <git2/sys/transport.h>

namespace repodeck::core::http {

namespace {

int createSubtransport(git_smart_subtransport **out, git_transport *owner, void *param)
{
    // Never fails: libgit2 1.5.1 frees a NULL subtransport on the error path.
    *out = HttpSubtransport::create(owner, static_cast<git_remote *>(param));
    return 0;
}

} // namespace

int createQtHttpTransport(git_transport **out, git_remote *owner, void *)
{
    // git_transport_smart() creates the subtransport before it returns and
    // keeps no pointer to the definition, so the remote can ride in `param`:
    // the subtransport needs it to read the repository's proxy settings.
    git_smart_subtransport_definition definition{createSubtransport, 1, owner};
    return git_transport_smart(out, owner, &definition);
}

} // namespace repodeck::core::http
