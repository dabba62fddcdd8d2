// Windows implementation of SocketApi.h, cross-built with mingw-w64 and run
// under Wine (docs/windows.md).
#include "net/SocketApi.h"

#ifdef _WIN32

#include <winsock2.h>
#include <ws2tcpip.h>

namespace repodeck::core::sock {

const Handle kInvalid = static_cast<Handle>(INVALID_SOCKET);

bool initialize()
{
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0;
}

Handle openNonBlocking(int family, int type, int protocol)
{
    SOCKET s = ::socket(family, type, protocol);
    if (s == INVALID_SOCKET)
        return kInvalid;
    u_long one = 1;
    ::ioctlsocket(s, FIONBIO, &one);
    return static_cast<Handle>(s);
}

int connectStart(Handle s, const void *addr, std::size_t len)
{
    if (::connect(static_cast<SOCKET>(s), static_cast<const sockaddr *>(addr),
                  static_cast<int>(len))
        == 0)
        return 0;
    return WSAGetLastError();
}

bool connectInProgress(int code)
{
    return code == WSAEWOULDBLOCK || code == WSAEINPROGRESS;
}

int pendingError(Handle s)
{
    int err = 0;
    int len = sizeof err;
    if (::getsockopt(static_cast<SOCKET>(s), SOL_SOCKET, SO_ERROR, reinterpret_cast<char *>(&err),
                     &len)
        != 0)
        return WSAGetLastError();
    return err;
}

static Wait waitFor(Handle s, short events, int timeoutMs)
{
    WSAPOLLFD p{static_cast<SOCKET>(s), events, 0};
    const int r = ::WSAPoll(&p, 1, timeoutMs);
    if (r == 0)
        return Wait::Timeout;
    return r < 0 ? Wait::Error : Wait::Ready;
}

Wait waitReadable(Handle s, int timeoutMs)
{
    return waitFor(s, POLLRDNORM, timeoutMs);
}
Wait waitWritable(Handle s, int timeoutMs)
{
    return waitFor(s, POLLWRNORM, timeoutMs);
}

long long receive(Handle s, void *buf, std::size_t len, int *error)
{
    const int n = ::recv(static_cast<SOCKET>(s), static_cast<char *>(buf), static_cast<int>(len),
                         0);
    *error = n < 0 ? WSAGetLastError() : 0;
    return n;
}

long long sendSome(Handle s, const char *buf, std::size_t len, int *error)
{
    const int n = ::send(static_cast<SOCKET>(s), buf, static_cast<int>(len), 0);
    *error = n < 0 ? WSAGetLastError() : 0;
    return n;
}

bool wouldBlock(int error)
{
    return error == WSAEWOULDBLOCK || error == WSAEINTR;
}
bool isReset(int error)
{
    return error == WSAECONNRESET || error == WSAECONNABORTED || error == WSAENETRESET;
}
bool isRefused(int error)
{
    return error == WSAECONNREFUSED;
}
void setReceiveBuffer(Handle s, int bytes)
{
    ::setsockopt(static_cast<SOCKET>(s), SOL_SOCKET, SO_RCVBUF,
                 reinterpret_cast<const char *>(&bytes), sizeof bytes);
}

void closeHandle(Handle s)
{
    ::closesocket(static_cast<SOCKET>(s));
}

std::string errorText(int error)
{
    char buf[256] = {};
    FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                   static_cast<DWORD>(error), 0, buf, sizeof buf, nullptr);
    std::string text = buf;
    // System messages end with ".\r\n"; the reports add their own punctuation.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    if (text.empty())
        text = "Windows socket error " + std::to_string(error);
    return text;
}

// getaddrinfo returns a WSA error code on Windows (gai_strerror is the wide
// FormatMessage text there, and not thread-safe).
std::string resolveErrorText(int code)
{
    return errorText(code);
}

int lastError()
{
    return WSAGetLastError();
}

} // namespace repodeck::core::sock

#endif
