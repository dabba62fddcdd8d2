#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

class QProcess;

namespace repodeck::test {

// A real nginx on 127.0.0.1 in front of another local server: TLS with
// HTTP/2 and HTTP/1.1 offered through ALPN (the client chooses), every
// request proxied to http://127.0.0.1:<upstream port> (an HttpGitServer, say).
// It runs as one foreground process (no master, no daemon) whose
// configuration, logs, pid and temporary files all live in a private
// temporary directory, and is killed by stop() or the destructor.
class NginxServer
{
public:
    NginxServer();
    ~NginxServer();
    NginxServer(const NginxServer &) = delete;
    NginxServer &operator=(const NginxServer &) = delete;

    static QString executablePath(); // empty if nginx is not installed

    // Listens on a fresh 127.0.0.1 port and returns once it accepts
    // connections (at most ~10 s; a port lost to another process is retried).
    // False with the reason in error() otherwise.
    bool start(quint16 upstreamPort, const QByteArray &certificateChainPem,
               const QByteArray &privateKeyPem);
    void stop();
    QString error() const { return m_error; }

    quint16 port() const { return m_port; }
    // https://<host>:PORT/<repoName> (host 127.0.0.1 unless given)
    QString url(const QString &repoName, const QString &host = QStringLiteral("127.0.0.1")) const;

    // One "METHOD target protocol status" per finished request, oldest first,
    // e.g. "GET /r.git/info/refs?service=git-upload-pack HTTP/2.0 200".
    // nginx writes a line once the response is sent, so a client may see the
    // answer an instant before its line is here: wait for it with a bound.
    QStringList accessLog() const;

private:
    bool startOnce(quint16 upstreamPort);
    QString errorLogTail() const;

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace repodeck::test
