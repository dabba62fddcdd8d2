#include "git/pack/PackFile.h"

#include <git2.h>

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#define RD_OPEN _open
#define RD_WRITE _write
#define RD_CLOSE _close
#define RD_SEEK _lseeki64
#define RD_TRUNCATE _chsize_s
#define RD_SYNC _commit
#define RD_FLAGS (_O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY)
#else
#include <unistd.h>
#define RD_OPEN ::open
#define RD_WRITE ::write
#define RD_CLOSE ::close
#define RD_SEEK ::lseek
#define RD_TRUNCATE ::ftruncate
#define RD_SYNC ::fsync
#define RD_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC)
#endif

namespace repodeck::core::git::pack {

QString IoFailure::message() const
{
    if (budget > 0)
        return QStringLiteral(
                   "RepoDeck's disk budget of %1 MiB for large objects kept while indexing is used up: "
                   "%2 MiB more were needed for %3 (a local limit, for all repositories syncing at once; "
                   "REPODECK_PACK_DISK_MB sets it)")
            .arg(budget >> 20)
            .arg((needed + (1 << 20) - 1) >> 20)
            .arg(path);
    const QString reason = QString::fromLocal8Bit(std::generic_category().message(error).c_str());
    const QString folder = QFileInfo(path).absolutePath();
    switch (error) {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return QStringLiteral("cannot %1 %2: %3")
            .arg(what, path, reason); // the classifier says "disk full"
    case EACCES:
    case EPERM:
    case EROFS:
        return QStringLiteral("cannot %1 %2 in the folder %3: %4")
            .arg(what, QFileInfo(path).fileName(), folder, reason);
    default: return QStringLiteral("cannot %1 %2: %3").arg(what, path, reason);
    }
}

int IoFailure::raise() const
{
    git_error_set_str(GIT_ERROR_OS, message().toUtf8().constData());
    return -1;
}

PackFile::~PackFile()
{
    if (m_fd >= 0)
        RD_CLOSE(m_fd);
}

bool PackFile::fail(const char *what)
{
    m_failure = IoFailure{errno, m_path, QString::fromLatin1(what)};
    return false;
}

bool PackFile::create(const QString &path)
{
    m_path = path;
    m_fd = RD_OPEN(QFile::encodeName(path).constData(), RD_FLAGS, 0644);
    return m_fd >= 0 || fail("create");
}

bool PackFile::write(const void *data, size_t size)
{
    if (!writeAt(m_size, data, size))
        return false;
    return true;
}

bool PackFile::writeAt(quint64 offset, const void *data, size_t size)
{
    if (RD_SEEK(m_fd, static_cast<qint64>(offset), SEEK_SET) < 0)
        return fail("write");
    const auto *p = static_cast<const char *>(data);
    while (size > 0) {
        const unsigned int piece = static_cast<unsigned int>(std::min<size_t>(size, 1u << 30));
        const auto n = RD_WRITE(m_fd, p, piece);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC; // a write that makes no progress: the device is full
            return fail("write");
        }
        p += n;
        size -= static_cast<size_t>(n);
        offset += static_cast<quint64>(n);
        m_size = std::max(m_size, offset);
    }
    return true;
}

bool PackFile::truncate(quint64 size)
{
    if (RD_TRUNCATE(m_fd, static_cast<qint64>(size)) != 0)
        return fail("write");
    m_size = size;
    return true;
}

bool PackFile::sync()
{
    return RD_SYNC(m_fd) == 0 || fail("write");
}

bool PackFile::close()
{
    if (m_fd < 0)
        return true;
    const int rc = RD_CLOSE(m_fd);
    m_fd = -1;
    return rc == 0 || fail("write");
}

bool renameFile(const QString &from, const QString &to, IoFailure *failure)
{
    if (std::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0)
        return true;
    *failure = IoFailure{errno, to, QStringLiteral("move the pack to")};
    return false;
}

bool writeFileAtomically(const QString &path, const QByteArray &bytes, IoFailure *failure)
{
    const QString temp = path + QStringLiteral(".tmp");
    QFile::remove(temp);
    PackFile f;
    if (!f.create(temp) || !f.write(bytes.constData(), static_cast<size_t>(bytes.size()))
        || !f.close()) {
        *failure = f.failure();
        failure->path = path;
        f.close();
        QFile::remove(temp);
        return false;
    }
    if (!renameFile(temp, path, failure)) {
        QFile::remove(temp);
        return false;
    }
    return true;
}

} // namespace repodeck::core::git::pack
