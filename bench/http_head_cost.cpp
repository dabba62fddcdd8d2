// What one plain-http response costs Qt Network, by the size of its head
// (docs/benchmarks.md, "HTTP transport"). A minimal server on 127.0.0.1
// answers every request with a fixed body and a head padded to N bytes; on
// one worker thread the bench alternates the transport's HttpPoolHandle (request
// to the answer's head, exactly as HttpSubtransport waits for it) and a
// blocking socket client (what libgit2's client does), and counts the
// process's read(2) calls per request from /proc/self/io.
// Usage: http_head_cost [REQUESTS=300]
#include "net/http/HttpPoolHandle.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace repodeck::core;

namespace {

std::atomic<int> g_padding{0};

qint64 readCalls()
{
    QFile io(QStringLiteral("/proc/self/io"));
    if (!io.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : io.readAll().split('\n'))
        if (line.startsWith("syscr:"))
            return line.mid(6).trimmed().toLongLong();
    return -1;
}

double median(std::vector<qint64> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : double(v[v.size() / 2]);
}

std::string response(int padding)
{
    std::string out
        = "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n"
          "Content-Length: 4\r\nConnection: close\r\n";
    if (padding > 0)
        out += "X-Padding: " + std::string(size_t(padding), 'x') + "\r\n";
    return out + "\r\n0000";
}

// Reads one request head, answers with a padded head and 4 bytes, closes.
void serve(int listener)
{
    while (true) {
        const int c = accept(listener, nullptr, nullptr);
        if (c < 0)
            return;
        std::string request;
        char buf[8192];
        while (request.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0)
                break;
            request.append(buf, size_t(n));
        }
        const std::string out = response(g_padding.load());
        if (write(c, out.data(), out.size()) < 0)
            perror("write");
        close(c);
    }
}

qint64 viaQtTransport(const QUrl &url)
{
    QElapsedTimer t;
    t.start();
    http::ProxyChoice direct; // Qt reads a proxy's answers through a buffered socket
    direct.mode = http::ProxyChoice::Mode::None;
    http::HttpPoolHandle client(direct);
    http::HttpRequestSpec spec;
    spec.url = url;
    auto exchange = client.send(spec);
    exchange->waitForHead({Millis(5000), Millis(5000), nullptr});
    const qint64 us = t.nsecsElapsed() / 1000;
    client.release(exchange);
    return us;
}

qint64 viaBlockingSocket(quint16 port)
{
    QElapsedTimer t;
    t.start();
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0)
        perror("connect");
    const std::string request = "GET /r.git/info/refs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) < 0)
        perror("write");
    std::string head;
    char buf[65536];
    while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        head.append(buf, size_t(n));
    }
    const qint64 us = t.nsecsElapsed() / 1000;
    close(fd);
    return us;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? std::max(1, atoi(argv[1])) : 300;

    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0
        || listen(listener, 64) < 0
        || getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) < 0) {
        perror("listen");
        return 1;
    }
    const quint16 port = ntohs(address.sin_port);
    std::thread(serve, listener).detach();
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/r.git/info/refs").arg(port));

    std::printf("%-10s %-34s %-34s\n", "head", "Qt transport: us (read calls)",
                "blocking socket: us (read calls)");
    // A libgit2 worker thread, as in a sync.
    QThread *worker = QThread::create([&] {
        for (const int pad : {0, 1000, 4000}) {
            g_padding = pad;
            std::vector<qint64> qt, plain;
            qint64 qtReads = 0, plainReads = 0;
            for (int i = 0; i < requests; ++i) {
                qint64 before = readCalls();
                qt.push_back(viaQtTransport(url));
                qtReads += readCalls() - before;
                before = readCalls();
                plain.push_back(viaBlockingSocket(port));
                plainReads += readCalls() - before;
            }
            const size_t headBytes = response(pad).size() - 4;
            std::printf("%5zu B    %8.0f (%5.0f)                   %8.0f (%5.0f)\n", headBytes,
                        median(qt), double(qtReads) / requests, median(plain),
                        double(plainReads) / requests);
        }
    });
    worker->start();
    while (!worker->wait(10))
        QCoreApplication::processEvents();
    delete worker;
    return 0;
}
