#include "net/TimeoutStream.h"

#include "auth/CredentialScope.h"
#include "retry/AttemptContext.h"
#include "net/SocketApi.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <QUrl>

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
    // The HTTP origin this connection serves, learnt from what libgit2 writes
    // first (see noteOrigin); unset for git:// and before the first write.
    std::optional<CredentialOrigin> origin;
    bool originFixed = false; // TLS or a CONNECT tunnel: later writes are opaque
    // Bytes the answer to a plain-HTTP GET .../info/refs may still bring:
    // libgit2 keeps a whole ref advertisement in memory. -1: no limit.
    long long advertisementLeft = -1;
    bool gitRequestSeen = false;
};

// As the Qt transport's BodyDecoder::inMemory() total, plus room for headers.
constexpr long long kMaxAdvertisement = 128LL * 1024 * 1024 + 64 * 1024;

// libgit2's HTTP client passes its credentials callback the configured URL
// even after following a redirect to another host or port, so the broker
// would ask for (and send) the configured origin's secret to whoever
// redirected. What this socket carries says where the request really goes:
//   0x16 (a TLS handshake record) first: https to the host and port connected;
//   "CONNECT host:port ": https through a proxy tunnel to that origin;
//   "GET http://host:port/... " (absolute form): http through a proxy;
//   "GET /... ", "POST /... ": http to the host and port connected.
// The origin is published per thread (ConnectedOrigin) on every write, so it
// is the one of the request whose answer asks for credentials.
// git:// (found in review: an endless advertisement grew the process to
// 19.5 GB): the client's first packet is "git-upload-pack /path\0host=...";
// everything the server sends before the client's next write is the ref
// advertisement, bounded like an HTTP one. The next write (wants, or the
// push commands) ends the count.
void noteGitProtocolRequest(TimeoutStream *s, const char *data, size_t len)
{
    const QByteArray head = QByteArray::fromRawData(data, static_cast<qsizetype>(
                                                              std::min<size_t>(len, 64)));
    const bool request = head.size() > 4
                         && (head.mid(4).startsWith("git-upload-pack ")
                             || head.mid(4).startsWith("git-receive-pack ")
                             || head.mid(4).startsWith("git-upload-archive "));
    if (request) {
        s->gitRequestSeen = true;
        s->advertisementLeft = kMaxAdvertisement;
    } else if (s->gitRequestSeen) {
        s->advertisementLeft = -1;
    }
}

void noteOrigin(TimeoutStream *s, const char *data, size_t len)
{
    noteGitProtocolRequest(s, data, len);
    if (!s->originFixed && len > 0) {
        const QByteArray head = QByteArray::fromRawData(data, static_cast<qsizetype>(
                                                                  std::min<size_t>(len, 2048)));
        const qsizetype space = head.indexOf(' ');
        const QByteArray method = space > 0 ? head.left(space) : QByteArray();
        const bool request = method == "GET" || method == "POST" || method == "CONNECT";
        CredentialOrigin o; // the host and port this socket is connected to
        o.host = QString::fromStdString(s->host).toLower();
        if (o.host.startsWith(QLatin1Char('[')) && o.host.endsWith(QLatin1Char(']')))
            o.host = o.host.mid(1, o.host.size() - 2);
        o.port = QString::fromStdString(s->port).toInt();
        if (static_cast<unsigned char>(data[0]) == 0x16) {
            o.scheme = QStringLiteral("https");
            s->origin = o;
            s->originFixed = true;
        } else if (request) {
            const qsizetype end = head.indexOf(' ', space + 1);
            const QByteArray target = end > space ? head.mid(space + 1, end - space - 1)
                                                  : QByteArray();
            s->advertisementLeft = method == "GET" && target.contains("/info/refs")
                                       ? kMaxAdvertisement
                                       : -1;
            if (method == "CONNECT") {
                o.scheme = QStringLiteral("https");
                s->origin = CredentialOrigin::fromUrl(
                                QUrl(QStringLiteral("https://") + QString::fromLatin1(target)))
                                .value_or(o);
                s->originFixed = true;
            } else {
                o.scheme = QStringLiteral("http");
                s->origin = target.startsWith('/')
                                ? o
                                : CredentialOrigin::fromUrl(QUrl::fromEncoded(target)).value_or(o);
            }
        }
    }
    if (s->origin)
        ConnectedOrigin::set(*s->origin);
}

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
    default: return 0;
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
        fail(StreamFault::Resolve,
             "failed to resolve address for " + host + ": " + sock::resolveErrorText(res->rc));
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
        if (AttemptContext *attempt = AttemptContext::current();
            attempt && attempt->receiveBufferHint() > 0)
            sock::setReceiveBuffer(h, attempt->receiveBufferHint());
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
                                "timed out connecting to " + s->host + ":" + s->port,
                                connectLimit());
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
    const std::string text = "failed to connect to " + s->host + ":" + s->port + ": "
                             + sock::errorText(lastErr);
    return fail(sock::isRefused(lastErr) ? StreamFault::Refused : StreamFault::None, text);
}

ssize_t streamRead(git_stream *base, void *data, size_t len)
{
    auto *s = reinterpret_cast<TimeoutStream *>(base);
    // A stall is time spent waiting for the server, not time since its last
    // byte: libgit2 calls back into the indexer between reads, and resolving
    // a large delta there can take longer than the stall limit while the
    // server has long sent what comes next (found in review: a 68 KB pack
    // whose delta makes 2 GiB was reported as a stalled server, and retried).
    const Clock::time_point waitStart = Clock::now();
    while (true) {
        if (checkInterrupted("receive") < 0)
            return -1;
        const Clock::time_point stallAt = std::max(s->lastActivity, waitStart) + stallLimit();
        if (Clock::now() >= stallAt)
            return fail(StreamFault::StallTimeout, "no data received from " + s->host,
                        stallLimit());
        const auto w = sock::waitReadable(s->socket, std::max(1, remainingMs(stallAt)));
        if (w == sock::Wait::Timeout)
            continue;
        int err = 0;
        const long long n = sock::receive(s->socket, data, len, &err);
        if (n >= 0) {
            s->lastActivity = Clock::now();
            if (s->advertisementLeft >= 0 && (s->advertisementLeft -= n) < 0) {
                // An HTTP-class error: a protocol problem, not worth a retry.
                git_error_set_str(
                    GIT_ERROR_HTTP,
                    ("the ref advertisement of " + s->host
                     + " is larger than 128 MiB; "
                       "RepoDeck refuses it (a broken or hostile server). Check the URL "
                       "and the server.")
                        .c_str());
                return -1;
            }
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
    noteOrigin(s, data, len);
    size_t sent = 0;
    const Clock::time_point waitStart = Clock::now(); // as in streamRead
    while (sent < len) {
        if (checkInterrupted("send") < 0)
            return -1;
        const Clock::time_point stallAt = std::max(s->lastActivity, waitStart) + stallLimit();
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
