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
// Fault precedence per request: stall, failNext, alwaysStatus, Basic auth,
// then http-backend. A `pathFilter` is a substring of the request target
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
    // http://127.0.0.1:PORT/<repoName>
    QString url(const QString &repoName) const;
    // http://user:password@127.0.0.1:PORT/<repoName>
    QString urlWithCredentials(const QString &repoName, const QString &user, const QString &password) const;

    // The next `count` matching requests get `status` with a short text body,
    // plus "Retry-After: N" when retryAfterSeconds >= 0.
    void failNext(int status, int count = 1, int retryAfterSeconds = -1, const QString &pathFilter = QString());
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
    // Clears all faults and auth (counters are kept).
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
    };

    // Called by the worker for each complete request.
    Decision decide(const QByteArray &target, const QByteArray &authorization);
    void logResponse(const QByteArray &method, const QByteArray &target, int status);

    ServerThread m_thread;
    HttpGitServerWorker *m_worker = nullptr; // lives in m_thread
    std::atomic<quint16> m_port{0};

    mutable QMutex m_mutex;
    mutable QWaitCondition m_requestArrived;
    int m_failStatus = 0;
    int m_failCount = 0;
    int m_failRetryAfter = -1;
    QString m_failFilter;
    int m_alwaysStatus = 0;
    QString m_alwaysFilter;
    QByteArray m_expectedAuthorization; // "Basic base64(user:password)"; empty = no auth
    QString m_authUser;
    bool m_stall = false;
    QString m_stallFilter;
    int m_requestCount = 0;
    QStringList m_requestLog;
};

} // namespace repodeck::test
