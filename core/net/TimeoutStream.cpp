#include "net/TimeoutStream.h"

#include "net/AttemptContext.h"
#include "net/SocketApi.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <git2.h>
#include <git2/sys/stream.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <netdb.h>
#include <sys/socket.h>
#endif

namespace repodeck::core {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSliceMs = 50; // how quickly a cancel is noticed

// Used when libgit2 opens a connection outside any attempt (should not
// happen in RepoDeck, but never hang if it does).
const Millis kFallbackConnect{30'000};
const Millis kFallbackStall{120'000};

int remainingMs(Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, kSliceMs));
}

// getaddrinfo cannot be interrupted, so it runs on its own thread; if we stop
// waiting, the thread finishes on its own and frees what it found.
struct Resolution
{
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    int rc = 0;
    addrinfo *result = nullptr;
    ~Resolution()
    {
        if (result)
            freeaddrinfo(result);
    }
};

// The first four members mirror libgit2 1.5.1's private git_socket_stream
// (parent, host, port, socket): its SSH transport creates the standard stream
// through the registry and then reads the raw socket out of it for libssh2
// (src/libgit2/transports/ssh.c). Keeping that prefix makes SSH use our
// bounded connect instead of crashing; SSH reads then bypass this stream.
struct TimeoutStream
{
    git_stream parent;
    char *cHost = nullptr;
    char *cPort = nullptr;
    sock::Handle socket = sock::kInvalid;
    // Ours only from here on.
    std::string host;
    std::string port;
    Clock::time_point lastActivity = Clock::now();
};

AttemptContext *context()
{
    return AttemptContext::current();
}

Millis connectLimit()
{
    return context() ? context()->connectTimeout() : kFallbackConnect;
}

Millis stallLimit()
{
    return context() ? context()->stallTimeout() : kFallbackStall;
}

// Sets libgit2's error and remembers the fault for classification.
int fail(StreamFault fault, const std::string &text, Millis limit = Millis(0))
{
    if (auto *ctx = context())
        ctx->recordFault(fault, limit);
    git_error_set_str(GIT_ERROR_NET, text.c_str());
    return -1;
}

// Returns 0 to keep waiting, or -1 with the error set.
int checkInterrupted(const char *what)
{
    auto *ctx = context();
    if (!ctx)
        return 0;
    switch (ctx->checkInterrupted()) {
    case StreamFault::Cancelled:
        git_error_set_str(GIT_ERROR_NET, (std::string(what) + " cancelled").c_str());
        return -1;
    case StreamFault::AttemptTimeout:
        git_error_set_str(GIT_ERROR_NET, (std::string(what) + ": attempt timed out").c_str());
        return -1;
    default:
        return 0;
    }
}

addrinfo *resolve(const std::string &host, const std::string &port, Clock::time_point deadline,
                  std::shared_ptr<Resolution> *keep)
{
    auto res = std::make_shared<Resolution>();
    *keep = res;
    std::thread([res, host, port] {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo *out = nullptr;
        const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &out);
        std::lock_guard lock(res->mutex);
        res->rc = rc;
        res->result = out;
        res->finished = true;
        res->done.notify_all();
    }).detach();

    std::unique_lock lock(res->mutex);
    while (!res->finished) {
        if (checkInterrupted("name resolution") < 0)
            return nullptr;
        if (Clock::now() >= deadline) {
            fail(StreamFault::ConnectTimeout, "timed out resolving " + host, connectLimit());
            return nullptr;
        }
        res->done.wait_for(lock, std::chrono::milliseconds(kSliceMs));
    }
    if (res->rc != 0 || !res->result) {
        fail(StreamFault::Resolve, "failed to resolve address for " + host + ": "
                                       + gai_strerror(res->rc));
        return nullptr;
    }
    return res->result;
}

int streamConnect(git_stream *base)
{
    auto *s = reinterpret_cast<TimeoutStream *>(base);
    const Clock::time_point deadline = Clock::now() + connectLimit();
    std::shared_ptr<Resolution> keep;
    addrinfo *list = resolve(s->host, s->port, deadline, &keep);
    if (!list)
        return -1;

    int lastErr = 0;
    for (addrinfo *ai = list; ai; ai = ai->ai_next) {
        sock::Handle h = sock::openNonBlocking(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (h == sock::kInvalid) {
            lastErr = sock::lastError();
            continue;
        }
        int rc = sock::connectStart(h, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && sock::connectInProgress(rc)) {
            rc = -1;
            while (true) {
                if (checkInterrupted("connect") < 0) {
                    sock::closeHandle(h);
                    return -1;
                }
                if (Clock::now() >= deadline) {
                    sock::closeHandle(h);
                    return fail(StreamFault::ConnectTimeout,
                                "timed out connecting to " + s->host + ":" + s->port, connectLimit());
                }
                const auto w = sock::waitWritable(h, std::max(1, remainingMs(deadline)));
                if (w == sock::Wait::Timeout)
                    continue;
                rc = w == sock::Wait::Ready ? sock::pendingError(h) : sock::lastError();
                break;
            }
        }
        if (rc == 0) {
            s->socket = h;
            s->lastActivity = Clock::now();
            return 0;
        }
        lastErr = rc;
        sock::closeHandle(h);
    }
    const std::string text = "failed to connect to " + s->host + ":" + s->port + ": " + sock::errorText(lastErr);
    return fail(sock::isRefused(lastErr) ? StreamFault::Refused : StreamFault::None, text);
}

ssize_t streamRead(git_stream *base, void *data, size_t len)
{
    auto *s = reinterpret_cast<TimeoutStream *>(base);
    while (true) {
        if (checkInterrupted("receive") < 0)
            return -1;
        const Clock::time_point stallAt = s->lastActivity + stallLimit();
        if (Clock::now() >= stallAt)
            return fail(StreamFault::StallTimeout, "no data received from " + s->host, stallLimit());
        const auto w = sock::waitReadable(s->socket, std::max(1, remainingMs(stallAt)));
        if (w == sock::Wait::Timeout)
            continue;
        int err = 0;
        const long long n = sock::receive(s->socket, data, len, &err);
        if (n >= 0) {
            s->lastActivity = Clock::now();
            if (auto *ctx = context())
                ctx->addBytesReceived(n);
            return static_cast<ssize_t>(n);
        }
        if (sock::wouldBlock(err))
            continue;
        return fail(sock::isReset(err) ? StreamFault::Reset : StreamFault::None,
                    "error receiving data from " + s->host + ": " + sock::errorText(err));
    }
}

ssize_t streamWrite(git_stream *base, const char *data, size_t len, int)
{
    auto *s = reinterpret_cast<TimeoutStream *>(base);
    size_t sent = 0;
    while (sent < len) {
        if (checkInterrupted("send") < 0)
            return -1;
        const Clock::time_point stallAt = s->lastActivity + stallLimit();
        if (Clock::now() >= stallAt)
            return fail(StreamFault::StallTimeout, "could not send to " + s->host, stallLimit());
        const auto w = sock::waitWritable(s->socket, std::max(1, remainingMs(stallAt)));
        if (w == sock::Wait::Timeout)
            continue;
        int err = 0;
        const long long n = sock::sendSome(s->socket, data + sent, len - sent, &err);
        if (n > 0) {
            sent += static_cast<size_t>(n);
            s->lastActivity = Clock::now();
            continue;
        }
        if (n < 0 && sock::wouldBlock(err))
            continue;
        return fail(sock::isReset(err) ? StreamFault::Reset : StreamFault::None,
                    "error sending data to " + s->host + ": " + sock::errorText(err));
    }
    return static_cast<ssize_t>(sent);
}

int streamClose(git_stream *base)
{
    auto *s = reinterpret_cast<TimeoutStream *>(base);
    if (s->socket != sock::kInvalid) {
        sock::closeHandle(s->socket);
        s->socket = sock::kInvalid;
    }
    return 0;
}

void streamFree(git_stream *base)
{
    streamClose(base);
    auto *s = reinterpret_cast<TimeoutStream *>(base);
    std::free(s->cHost);
    std::free(s->cPort);
    delete s;
}

int streamInit(git_stream **out, const char *host, const char *port)
{
    auto *s = new TimeoutStream;
    std::memset(&s->parent, 0, sizeof s->parent);
    s->parent.version = GIT_STREAM_VERSION;
    s->parent.connect = streamConnect;
    s->parent.read = streamRead;
    s->parent.write = streamWrite;
    s->parent.close = streamClose;
    s->parent.free = streamFree;
    s->host = host ? host : "";
    s->port = port ? port : "";
    s->cHost = strdup(s->host.c_str());
    s->cPort = strdup(s->port.c_str());
    *out = &s->parent;
    return 0;
}

} // namespace

bool installTimeoutStream()
{
    if (!sock::initialize())
        return false;
    git_stream_registration reg{};
    reg.version = GIT_STREAM_VERSION;
    reg.init = streamInit;
    reg.wrap = nullptr;
    return git_stream_register(GIT_STREAM_STANDARD, &reg) == 0;
}

} // namespace repodeck::core
