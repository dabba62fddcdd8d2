#include "auth/TerminalPrompt.h"

#include "auth/Keychain.h"

#include <cstdio>
#include <cstring>
#include <string>

#ifndef _WIN32
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#endif

namespace repodeck::core {

namespace {

#ifndef _WIN32
// Echo goes off before the prompt is shown, and without flushing input, so
// an answer typed (or sent) right after the prompt is neither echoed nor lost.
std::string readLine(int fd, bool echo, const char *prompt)
{
    termios saved{};
    const bool isTty = tcgetattr(fd, &saved) == 0;
    if (isTty && !echo) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(fd, TCSANOW, &quiet);
    }
    [[maybe_unused]] const ssize_t shown = ::write(fd, prompt, std::strlen(prompt));
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n')
        line.push_back(c);
    if (isTty && !echo) {
        tcsetattr(fd, TCSANOW, &saved);
        [[maybe_unused]] const ssize_t n = ::write(fd, "\n", 1);
    }
    return line;
}
#endif

} // namespace

bool TerminalPrompt::available()
{
#ifdef _WIN32
    return false; // not implemented on Windows yet: the desktop app signs in instead
#else
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    ::close(fd);
    return true;
#endif
}

std::optional<Credential> TerminalPrompt::fill(const CredentialRequest &request)
{
#ifdef _WIN32
    Q_UNUSED(request);
    return std::nullopt;
#else
    QMutexLocker lock(&m_mutex); // one question at a time
    // One answer per origin: what was typed for http://host is not sent to https://host.
    const QString origin = request.protocol + QStringLiteral("://") + request.host;
    if (m_answers.contains(origin))
        return m_answers.value(origin);
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    const std::string question = "\nSign in to " + request.host.toStdString() + " ("
                                 + request.protocol.toStdString() + "://"
                                 + request.host.toStdString() + "/" + request.path.toStdString()
                                 + ")\n";
    [[maybe_unused]] const ssize_t n = ::write(fd, question.data(), question.size());
    std::string user = request.username.toStdString();
    if (user.empty())
        user = readLine(fd, true, "Username: ");
    const std::string secret = readLine(fd, false, "Password or token: ");
    ::close(fd);
    std::optional<Credential> answer;
    if (!secret.empty())
        answer = Credential{QString::fromStdString(user), QString::fromStdString(secret), name()};
    m_answers.insert(origin, answer);
    return answer;
#endif
}

void TerminalPrompt::approve(const CredentialRequest &request, const Credential &credential)
{
    // Asked once, stored safely: an answer the server accepted goes to the
    // system keychain when there is one (never anywhere else), so the next
    // run needs no terminal.
    QMutexLocker lock(&m_mutex);
    const QString origin = request.protocol + QStringLiteral("://") + request.host;
    if (m_stored.contains(origin) || !Keychain::available())
        return;
    m_stored.insert(origin);
    CredentialRequest where = request;
    where.path.clear();
    const bool ok = KeychainCredentials::store(where, credential, true).ok();
#ifndef _WIN32
    const int fd = ::open("/dev/tty", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        const std::string note = ok ? "(the sign-in for " + request.host.toStdString()
                                          + " is now in the system keychain)\n"
                                    : std::string(
                                        "(the system keychain did not keep the sign-in)\n");
        [[maybe_unused]] const ssize_t n = ::write(fd, note.data(), note.size());
        ::close(fd);
    }
#else
    Q_UNUSED(ok);
#endif
}

void TerminalPrompt::reject(const CredentialRequest &request, const Credential &)
{
    // Rejected: do not ask again in this run (no prompt loops).
    QMutexLocker lock(&m_mutex);
    m_answers.insert(request.protocol + QStringLiteral("://") + request.host, std::nullopt);
}

} // namespace repodeck::core
