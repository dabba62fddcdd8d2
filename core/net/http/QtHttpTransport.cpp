#include "net/http/QtHttpTransport.h"

#include "net/http/HttpSubtransport.h"

#include <mutex>

#include <QCoreApplication>

#include <git2/sys/transport.h>
#include <spdlog/spdlog.h>

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
    if (!QCoreApplication::instance()) {
        // Qt Network needs an application object; a program without one
        // (none of RepoDeck's) still gets HTTP, from libgit2's own client.
        static std::once_flag once;
        std::call_once(once, [] {
            spdlog::warn(
                "no QCoreApplication: http(s) uses libgit2's built-in client in this process");
        });
        git_smart_subtransport_definition builtin{git_smart_subtransport_http, 1, nullptr};
        return git_transport_smart(out, owner, &builtin);
    }
    // git_transport_smart() creates the subtransport before it returns and
    // keeps no pointer to the definition, so the remote can ride in `param`:
    // the subtransport needs it to read the repository's proxy settings.
    git_smart_subtransport_definition definition{createSubtransport, 1, owner};
    return git_transport_smart(out, owner, &definition);
}

} // namespace repodeck::core::http
