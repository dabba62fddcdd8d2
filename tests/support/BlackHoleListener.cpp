#include "BlackHoleListener.h"

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace repodeck::test {

namespace {
// listen(0) still queues a connection or two on Linux; four fill it.
constexpr int kFillers = 4;
} // namespace

BlackHoleListener::~BlackHoleListener()
{
    close();
}

bool BlackHoleListener::start()
{
    close();
    const auto fail = [this](const char *call) {
        m_error = QStringLiteral("%1: %2").arg(QLatin1String(call),
                                               QString::fromLocal8Bit(std::strerror(errno)));
        close();
        return false;
    };
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    if (m_listener < 0)
        return fail("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
        return fail("bind");
    if (::listen(m_listener, 0) != 0)
        return fail("listen");
    socklen_t len = sizeof addr;
    if (::getsockname(m_listener, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return fail("getsockname");
    m_port = ntohs(addr.sin_port);
    for (int i = 0; i < kFillers; ++i) {
        const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (s < 0)
            return fail("socket");
        m_fillers << s;
        // Non-blocking: EINPROGRESS once the queue is full, which is the point.
        ::connect(s, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    }
    return true;
}

void BlackHoleListener::close()
{
    for (int s : std::as_const(m_fillers))
        ::close(s);
    m_fillers.clear();
    if (m_listener >= 0)
        ::close(m_listener);
    m_listener = -1;
    m_port = 0;
}

QString BlackHoleListener::url(const QString &scheme, const QString &path) const
{
    return QStringLiteral("%1://127.0.0.1:%2/%3").arg(scheme).arg(m_port).arg(path);
}

} // namespace repodeck::test
