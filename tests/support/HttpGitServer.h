#pragma once

#include "ServerThread.h"

#include <QByteArray>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QWaitCondition>

#include <atomic>

namespace repodeck::test {

class HttpGitConnection;
class HttpGitServerWorker;

// Smart-HTTP git server on 127.0.0.1 backed by the real CGI
// `git http-backend`, with injectable HTTP-level faults.
//
// Sockets and CGI processes live in a private thread, so the server keeps
// answering while the test thread blocks on the CLI or libgit2. All public
// methods are thread-safe. Every response carries "Connection: close".
//
// Fault precedence per request: stall, failNext, alwaysStatus, redirects,
// Basic/Bearer auth, then http-backend. Optionally HTTPS (setTls). A
// `pathFilter` is a substring of the request target
// ("/repo.git/info/refs?service=git-upload-pack"); empty matches everything.
class HttpGitServer
{
public:
    HttpGitServer();
    ~HttpGitServer();

    HttpGitServer(const HttpGitServer &) = delete;
    HttpGitServer &operator=(const HttpGitServer &) = delete;

    // Serves the repositories below `projectRoot` (GIT_PROJECT_ROOT) on a
    // fresh 127.0.0.1 port. Fetch and push are both enabled.
    bool start(const QString &projectRoot);
    void stop();

    quint16 port() const;
    // http://127.0.0.1:PORT/<repoName> (https and the host set below when configured)
    QString url(const QString &repoName) const;
    // http://user:password@127.0.0.1:PORT/<repoName>
    QString urlWithCredentials(const QString &repoName, const QString &user,
                               const QString &password) const;

    // The next `count` matching requests get `status` with a short text body,
    // plus "Retry-After: N" when retryAfterSeconds >= 0.
    void failNext(int status, int count = 1, int retryAfterSeconds = -1,
                  const QString &pathFilter = QString());
    // Every matching request gets `status` (401 adds WWW-Authenticate); 0 clears.
    void setAlwaysStatus(int status, const QString &pathFilter = QString());
    // Requests without "Authorization: Basic" for user:password get 401 with
    // WWW-Authenticate. Authenticated requests reach the CGI with REMOTE_USER.
    void requireBasicAuth(const QString &user, const QString &password);
    void clearBasicAuth();
    // Read matching requests completely, then never answer and keep the socket
    // open: a server that went silent. Turning it off does not release
    // requests already held; stop() does.
    void setStallAfterHeaders(bool stall, const QString &pathFilter = QString());
    // HTTPS from the next start() on: this PEM certificate (chain) and key.
    // An empty certificate switches back to plain HTTP.
    void setTls(const QByteArray &certificateChainPem, const QByteArray &privateKeyPem);
    // The host url() writes (default 127.0.0.1), e.g. a name only a proxy resolves.
    void setUrlHost(const QString &host);

    // Like failNext(), with a verbatim Retry-After value (an HTTP-date, say).
    void failNextWithRetryAfter(int status, int count, const QByteArray &retryAfter,
                                const QString &pathFilter = QString());
    // Requests for /<fromRepo>/REST get `status` with "Location: <toUrl>/REST"
    // (checked after failNext and alwaysStatus, before auth).
    void addRedirect(const QString &fromRepo, const QString &toUrl, int status = 302);
    // Requests without "Authorization: Bearer <token>" get 401 with
    // "WWW-Authenticate: Bearer". Replaces requireBasicAuth().
    void requireBearerToken(const QString &token);
    // http-backend answers go out with "Transfer-Encoding: chunked" and/or,
    // when the request accepts it, "Content-Encoding: gzip".
    void setChunkedResponses(bool chunked);
    void setGzipResponses(bool gzip);
    int chunkedResponseCount() const;
    int gzipResponseCount() const;
    // A header of the last complete request (empty if absent).
    QByteArray lastRequestHeader(const QByteArray &name) const;

    // Clears all faults, redirects, auth and encodings (counters are kept).
    void clearFaults();

    // Complete requests received (faulted, stalled and served alike).
    int requestCount() const;
    // "METHOD target status" per answered request in answer order; stalled
    // requests are logged with status 0 when they are parked.
    QStringList requestLog() const;
    void resetCounters();
    // Blocks until requestCount() >= n or the timeout passes.
    bool waitForRequests(int n, int timeoutMs) const;

private:
    friend class HttpGitConnection;
    friend class HttpGitServerWorker;

    enum class Action { Backend, Respond, Stall };
    struct Decision
    {
        Action action = Action::Backend;
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers;
        QString remoteUser;
        bool chunked = false;
        bool gzip = false;
    };

    // Called by the worker for each complete request.
    Decision decide(const QByteArray &target, const QList<QPair<QByteArray, QByteArray>> &headers);
    void logResponse(const QByteArray &method, const QByteArray &target, int status);
    void countEncodings(bool chunked, bool gzip);

    ServerThread m_thread;
    HttpGitServerWorker *m_worker = nullptr; // lives in m_thread
    std::atomic<quint16> m_port{0};

    mutable QMutex m_mutex;
    mutable QWaitCondition m_requestArrived;
    int m_failStatus = 0;
    int m_failCount = 0;
    QByteArray m_failRetryAfter; // empty = none
    QString m_failFilter;
    int m_alwaysStatus = 0;
    QString m_alwaysFilter;
    QByteArray
        m_expectedAuthorization; // "Basic base64(user:password)" / "Bearer token"; empty = no auth
    QString m_authUser;
    QList<QPair<QString, QPair<QString, int>>> m_redirects; // fromRepo -> (toUrl, status)
    bool m_chunked = false;
    bool m_gzip = false;
    int m_chunkedCount = 0;
    int m_gzipCount = 0;
    QList<QPair<QByteArray, QByteArray>> m_lastHeaders;
    QByteArray m_tlsCertificate;
    QByteArray m_tlsKey;
    QString m_urlHost = QStringLiteral("127.0.0.1");
    bool m_stall = false;
    QString m_stallFilter;
    int m_requestCount = 0;
    QStringList m_requestLog;
};

} // namespace repodeck::test
