#pragma once

#include "net/http/HttpPoolHandle.h"
#include "net/http/HttpCredentials.h"

#include <QByteArray>
#include <QSet>
#include <QUrl>

#include <memory>

#include <git2.h>
#include <git2/sys/transport.h>

namespace repodeck::core::http {

struct HttpStream;

// The smart-HTTP subtransport of one libgit2 transport (one remote
// connection), running on the worker thread that runs libgit2:
//   *_LS     GET  <base>/info/refs?service=git-upload-pack|git-receive-pack
//   UPLOADPACK / RECEIVEPACK: libgit2 writes the request body, then reads;
//            the first read POSTs <base>/git-upload-pack|git-receive-pack.
// It waits for the answer's head, then follows redirects (info/refs only,
// at most 5, never from https to http; later requests use the new base),
// answers 401 once per credential source, records the exact status and
// Retry-After in the thread's AttemptContext, and fails with the messages
// ErrorClassifier knows.
class HttpSubtransport
{
public:
    static git_smart_subtransport *create(git_transport *transport, git_remote *remote);

    int executeRequest(HttpStream &stream);
    int read(HttpStream &stream, char *buffer, size_t size, size_t *bytesRead);
    void release(HttpStream &stream);

private:
    static int action(git_smart_subtransport_stream **out, git_smart_subtransport *base,
                      const char *url, git_smart_service_t service);
    static int close(git_smart_subtransport *base);
    static void free(git_smart_subtransport *base);

    int prepare(const char *url);
    HttpRequestSpec buildRequest(const HttpStream &stream) const;
    int followRedirect(const HttpResponseHead &head, const QUrl &requested, const char *suffix,
                       int count);
    // 1: retry with the certificate accepted; otherwise a libgit2 error.
    int checkCertificate(const HttpFailure &failure);
    QString hostText() const;
    // Tells m_credentials which origin m_base is on.
    void noteOrigin();

    git_smart_subtransport m_parent; // first: libgit2 hands us back this pointer
    git_transport *m_transport = nullptr;
    git_remote *m_remote = nullptr;
    std::unique_ptr<HttpPoolHandle> m_pool;
    HttpHeaders m_customHeaders;
    QByteArray m_givenUrl; // as libgit2 passed it (may carry user info)
    QByteArray m_base;     // encoded, without user info or trailing '/', after redirects
    HttpCredentials m_credentials;
    QSet<QByteArray> m_certificatesAsked;
};

} // namespace repodeck::core::http
