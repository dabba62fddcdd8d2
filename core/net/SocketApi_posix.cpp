#include "net/SocketApi.h"

#ifndef _WIN32

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace repodeck::core::sock {

const Handle kInvalid = -1;

bool initialize()
{
    return true;
}

Handle openNonBlocking(int family, int type, int protocol)
{
    const int s = ::socket(family, type, protocol);
    if (s < 0)
        return kInvalid;
    const int flags = ::fcntl(s, F_GETFL, 0);
    ::fcntl(s, F_SETFL, flags | O_NONBLOCK);
    ::fcntl(s, F_SETFD, FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return s;
}

void setReceiveBuffer(Handle s, int bytes)
{
    ::setsockopt(s, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

int connectStart(Handle s, const void *addr, std::size_t len)
{
    if (::connect(s, static_cast<const sockaddr *>(addr), static_cast<socklen_t>(len)) == 0)
        return 0;
    return errno;
}

bool connectInProgress(int code)
{
    return code == EINPROGRESS || code == EWOULDBLOCK || code == EAGAIN;
}

int pendingError(Handle s)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return errno;
    return err;
}

static Wait waitFor(Handle s, short events, int timeoutMs)
{
    pollfd p{s, events, 0};
    const int r = ::poll(&p, 1, timeoutMs);
    if (r == 0)
        return Wait::Timeout;
    if (r < 0)
        return errno == EINTR ? Wait::Timeout : Wait::Error;
    return Wait::Ready; // errors and hang-ups surface in the following recv/send
}

Wait waitReadable(Handle s, int timeoutMs)
{
    return waitFor(s, POLLIN, timeoutMs);
}

Wait waitWritable(Handle s, int timeoutMs)
{
    return waitFor(s, POLLOUT, timeoutMs);
}

long long receive(Handle s, void *buf, std::size_t len, int *error)
{
    const ssize_t n = ::recv(s, buf, len, 0);
    *error = n < 0 ? errno : 0;
    return n;
}

long long sendSome(Handle s, const char *buf, std::size_t len, int *error)
{
#ifdef MSG_NOSIGNAL
    const ssize_t n = ::send(s, buf, len, MSG_NOSIGNAL);
#else
    const ssize_t n = ::send(s, buf, len, 0);
#endif
    *error = n < 0 ? errno : 0;
    return n;
}

bool wouldBlock(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

bool isReset(int error)
{
    return error == ECONNRESET || error == EPIPE || error == ECONNABORTED || error == ENETRESET;
}

bool isRefused(int error)
{
    return error == ECONNREFUSED;
}

void closeHandle(Handle s)
{
    if (s >= 0)
        ::close(s);
}

std::string errorText(int error)
{
    return std::generic_category().message(error);
}

std::string resolveErrorText(int code)
{
    return gai_strerror(code);
}

int lastError()
{
    return errno;
}

} // namespace repodeck::core::sock

#endif
