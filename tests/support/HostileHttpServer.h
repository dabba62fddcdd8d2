#pragma once

#include "ServerThread.h"

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QString>

#include <atomic>

namespace repodeck::test {

class HostileHttpWorker;

// An HTTP server on 127.0.0.1 that behaves as an attacker's would, for the
// tests of what RepoDeck must never do (hand out credentials, follow a
// redirect with them, inflate a bomb). It records every request it receives
// with its Authorization header, and answers each one by the first rule that
// applies:
//   redirectTo():  3xx with Location <base><same target>, to another origin
//                  (after a 401 for requests without credentials, if asked);
//   serveGzipBomb(): GET .../info/refs gets a smart-HTTP ref advertisement
//                  that inflates to `decodedBytes`, sent gzip-encoded whether
//                  the client asked for it or not;
//   serveEndlessUnauthorized(), serveEndlessProgress(): answers that never end;
//   otherwise:     401 with "WWW-Authenticate: Basic realm=..." (a server that
//                  asks for credentials and never accepts any).
// Every answer carries "Connection: close". Sockets live in their own thread,
// so it answers while the test thread blocks. Thread-safe.
class HostileHttpServer
{
public:
    struct Seen
    {
        QByteArray method;
        QByteArray target;
        QByteArray authorization; // empty when none was sent
    };

    HostileHttpServer();
    ~HostileHttpServer();
    HostileHttpServer(const HostileHttpServer &) = delete;
    HostileHttpServer &operator=(const HostileHttpServer &) = delete;

    bool start();
    void stop();
    quint16 port() const;
    // http://127.0.0.1:PORT/<path> (path as given: already percent-encoded)
    QString url(const QString &path) const;

    void redirectTo(const QString &base, int status = 302);
    // With redirectTo(): a request without Authorization gets 401 first, so
    // the client has credentials for this origin when it is redirected.
    void setAuthBeforeRedirect(bool on);
    // `varied`: every ref line of a 1 MiB block has its own name and id, so
    // the body compresses about as well as a real advertisement (below any
    // ratio limit) and only a limit on the total stops it.
    void serveGzipBomb(qint64 decodedBytes, bool varied = false);
    // The same advertisement without any Content-Encoding: only a limit on
    // what is read in memory stops it.
    void serveHugeAdvertisement(qint64 bytes);
    // Every request gets 401 (with WWW-Authenticate) and a body that never
    // ends (Content-Length of a terabyte, sent as fast as the client reads).
    void serveEndlessUnauthorized();
    // A valid ref advertisement; then the fetch's POST gets NAK and side-band
    // progress messages that never end (no Content-Length: up to the close).
    void serveEndlessProgress();
    // Answers a CONNECT (as a proxy would) with 200 and header lines that
    // never end.
    void serveEndlessConnectAnswer();
    // Keep-alive: answers each request 200 (text/plain, "hello <target>")
    // and keeps the connection open, but closes it (FIN, no answer) when a
    // second request arrives on it: a server whose keep-alive timeout ends
    // the connection just as the client reuses it.
    void serveKeepAliveClosingOnReuse();
    // As a proxy: every request (CONNECT or absolute form) gets 407 with
    // "Proxy-Authenticate: <scheme>".
    void serveProxyAuthRequired(const QByteArray &scheme);
    // Connections accepted so far.
    int connections() const;
    void clear();

    QList<Seen> seen() const;
    // Every Authorization header received, decoded when Basic ("user:secret").
    QList<QByteArray> credentialsSeen() const;
    // Bytes of the bomb's gzip body (0 before serveGzipBomb).
    qint64 bombSize() const;

    // A gzip member whose content is `prefix`, then `block` `count` times,
    // then `suffix`; built from compressed pieces, so gigabytes cost
    // milliseconds. Public for the decoder tests.
    static QByteArray gzipRepeated(const QByteArray &prefix, const QByteArray &block, qint64 count,
                                   const QByteArray &suffix);

    // The same gzip member in three parts: head, `piece` to be sent `count`
    // times, tail. The server streams it so that its own memory stays small
    // (the test measures the client's in the same process).
    struct GzipParts
    {
        QByteArray head;
        QByteArray piece;
        qint64 count = 0;
        QByteArray tail;
        qint64 size() const { return head.size() + piece.size() * count + tail.size(); }
    };
    static GzipParts gzipParts(const QByteArray &prefix, const QByteArray &block, qint64 count,
                               const QByteArray &suffix);

private:
    friend class HostileHttpWorker;
    struct Answer
    {
        bool keepOpen = false; // the connection stays for another request
        bool closeOnReuse = false;
        QByteArray head;
        QByteArray body;
        GzipParts streamed; // sent after body when count > 0
    };
    Answer answer(const QByteArray &method, const QByteArray &target,
                  const QByteArray &authorization);

    ServerThread m_thread;
    HostileHttpWorker *m_worker = nullptr;
    std::atomic<quint16> m_port{0};
    mutable QMutex m_mutex;
    QString m_redirectBase;
    int m_redirectStatus = 302;
    bool m_authBeforeRedirect = false;
    GzipParts m_bomb;
    bool m_bombGzip = true;
    bool m_endless401 = false;
    bool m_endlessProgress = false;
    bool m_endlessConnect = false;
    bool m_keepAliveClosing = false;
    QByteArray m_proxyAuthScheme;
    std::atomic<int> m_connections{0};
    QList<Seen> m_seen;
};

} // namespace repodeck::test
