#pragma once

#include <QString>

#include <memory>

class QProcess;

namespace repodeck::test {

// A real `git daemon` serving git:// on 127.0.0.1 (fetch and push).
// Unlike the in-process servers this needs no thread of its own: the sockets
// live in the daemon process, and its output goes straight to our stderr, so
// nothing has to be serviced while the test thread blocks.
class GitDaemonServer
{
public:
    GitDaemonServer();
    ~GitDaemonServer();

    GitDaemonServer(const GitDaemonServer &) = delete;
    GitDaemonServer &operator=(const GitDaemonServer &) = delete;

    // Serves every repository below `baseDir` and returns once a TCP connect
    // succeeds (at most ~10 s). Retries with a new port if another process
    // won the race for the one we picked.
    bool start(const QString &baseDir);
    void stop();
    bool isRunning() const;

    quint16 port() const;
    // git://127.0.0.1:PORT/<repoName>
    QString url(const QString &repoName) const;

private:
    bool startOnce(const QString &baseDir, quint16 port);

    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

// Asks the kernel for a currently unused TCP port on 127.0.0.1. Another
// process could take it before the caller binds it, so callers must cope.
quint16 pickFreeLocalPort();

// Polls until something listens on 127.0.0.1:port or `timeoutMs` passes.
// On Linux it reads /proc/net/tcp instead of connecting, so the server never
// sees (and logs) an empty probe connection.
bool waitForTcpListener(quint16 port, int timeoutMs);

} // namespace repodeck::test
