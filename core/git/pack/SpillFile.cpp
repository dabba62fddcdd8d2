#include "git/pack/SpillFile.h"

#include "git/pack/SpillBudget.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>

#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#define RD_CLOSE _close
#define RD_WRITE _write
#else
#include <sys/statvfs.h>
#include <unistd.h>
#define RD_CLOSE ::close
#define RD_WRITE ::write
#endif

namespace repodeck::core::git::pack {

namespace {

// Room kept free beside a spilled object (the pack, its index, the refs).
constexpr quint64 kFreeMargin = quint64(64) << 20;

} // namespace

SpillFile::~SpillFile()
{
    if (m_fd >= 0)
        RD_CLOSE(m_fd);
    SpillBudget::release(m_reserved);
}

bool SpillFile::fail(const char *what, int error) const
{
    m_failure = IoFailure{error, m_path, QString::fromLatin1(what)};
    return false;
}

bool SpillFile::create(const QString &dir, quint64 size)
{
    m_path = QDir(dir).filePath(
        QStringLiteral("tmp_repodeck_object_%1")
            .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0')));
    // Before the file exists: a build over the budget costs no disk.
    if (m_reserved == 0) {
        if (!SpillBudget::reserve(size)) {
            m_failure = IoFailure{0, m_path, QStringLiteral("create"), SpillBudget::limit(), size};
            return false;
        }
        m_reserved = size;
    }
#ifdef _WIN32
    m_fd = _open(QFile::encodeName(m_path).constData(),
                 _O_RDWR | _O_CREAT | _O_EXCL | _O_BINARY | _O_TEMPORARY, 0600);
    if (m_fd < 0)
        return fail("create", errno);
#else
    struct statvfs fs
    {};
    if (::statvfs(QFile::encodeName(dir).constData(), &fs) == 0) {
        const quint64 free = quint64(fs.f_bavail) * quint64(fs.f_frsize);
        if (free < size + kFreeMargin)
            return fail("write", ENOSPC);
    }
    m_fd = ::open(QFile::encodeName(m_path).constData(),
                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (m_fd < 0)
        return fail("create", errno);
    ::unlink(QFile::encodeName(m_path).constData());
#endif
    return true;
}

bool SpillFile::append(const void *data, size_t size)
{
    const auto *p = static_cast<const char *>(data);
    while (size > 0) {
        const auto n = RD_WRITE(m_fd, p,
                                static_cast<unsigned int>(std::min<size_t>(size, 1u << 30)));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail("write", n == 0 ? ENOSPC : errno);
        p += n;
        size -= static_cast<size_t>(n);
        m_size += static_cast<quint64>(n);
    }
    return true;
}

bool SpillFile::readAt(quint64 offset, void *out, size_t size) const
{
    auto *p = static_cast<char *>(out);
    while (size > 0) {
#ifdef _WIN32
        if (_lseeki64(m_fd, static_cast<qint64>(offset), SEEK_SET) < 0)
            return fail("read", errno);
        const auto n = _read(m_fd, p, static_cast<unsigned int>(std::min<size_t>(size, 1u << 30)));
#else
        const auto n = ::pread(m_fd, p, std::min<size_t>(size, 1u << 30),
                               static_cast<off_t>(offset));
#endif
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail("read", n == 0 ? EIO : errno);
        p += n;
        size -= static_cast<size_t>(n);
        offset += static_cast<quint64>(n);
    }
    return true;
}

} // namespace repodeck::core::git::pack
