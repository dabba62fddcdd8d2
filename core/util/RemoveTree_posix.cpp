// POSIX implementation of RemoveTree.h: every step is relative to an open
// directory descriptor (openat/unlinkat with O_NOFOLLOW), so a folder swapped
// for a link between two steps is never entered.
#include "util/RemoveTree.h"

#ifndef _WIN32

#include <QFile>
#include <QList>

#include <utility>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace repodeck::core {

namespace {

QString failure(const QString &what, int err)
{
    return QStringLiteral("%1: %2").arg(what, QString::fromLocal8Bit(
                                                  std::generic_category().message(err).c_str()));
}

// Empties the directory open as `dirFd` (which this function closes).
QString emptyDirectory(int dirFd, const QString &shownPath, int depth)
{
    if (depth > 4096) {
        ::close(dirFd);
        return QStringLiteral("%1: folders nested too deeply").arg(shownPath);
    }
    DIR *dir = ::fdopendir(dirFd);
    if (!dir) {
        const int err = errno;
        ::close(dirFd);
        return failure(shownPath, err);
    }
    // The names are read first: removing entries while a directory stream
    // is open may make readdir skip others.
    QList<QByteArray> names;
    // readdir is safe on a stream no other thread reads (glibc, POSIX.1-2024).
    while (dirent *entry = ::readdir(dir)) { // NOLINT(concurrency-mt-unsafe)
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
            names.append(QByteArray(entry->d_name));
    }
    QString error;
    for (const QByteArray &nameBytes : std::as_const(names)) {
        const char *name = nameBytes.constData();
        const QString shown = shownPath + QLatin1Char('/') + QFile::decodeName(nameBytes);
        struct stat st
        {};
        if (::fstatat(::dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            error = failure(shown, errno);
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            const int child = ::openat(::dirfd(dir), name,
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0) {
                error = failure(shown, errno);
                break;
            }
            error = emptyDirectory(child, shown, depth + 1);
            if (error.isEmpty() && ::unlinkat(::dirfd(dir), name, AT_REMOVEDIR) != 0)
                error = failure(shown, errno);
        } else if (::unlinkat(::dirfd(dir), name, 0) != 0 && errno != ENOENT) {
            error = failure(shown, errno);
        }
        if (!error.isEmpty())
            break;
    }
    ::closedir(dir);
    return error;
}

} // namespace

QString removeTreeNoFollow(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    struct stat st
    {};
    if (::lstat(native.constData(), &st) != 0)
        return errno == ENOENT ? QString() : failure(path, errno);
    if (!S_ISDIR(st.st_mode)) {
        // A file or a link (to anything): remove it, never what it points at.
        return ::unlink(native.constData()) == 0 || errno == ENOENT ? QString()
                                                                    : failure(path, errno);
    }
    const int fd = ::open(native.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return failure(path, errno);
    if (QString e = emptyDirectory(fd, path, 0); !e.isEmpty())
        return e;
    return ::rmdir(native.constData()) == 0 || errno == ENOENT ? QString() : failure(path, errno);
}

} // namespace repodeck::core

#endif
