// Windows implementation of RemoveTree.h. Compiled only on Windows; it has not
// been built in this project's CI (Debian), see docs/architecture.md.
// Symbolic links and junctions are removed as links (a directory link with
// rmdir, which on Windows removes the link, not the target).
#include "util/RemoveTree.h"

#ifdef _WIN32

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace repodeck::core {

namespace {

bool isLink(const QFileInfo &info)
{
    return info.isSymLink() || info.isJunction() || info.isShortcut();
}

QString removeEntry(const QFileInfo &info)
{
    const QString path = info.absoluteFilePath();
    if (isLink(info)) {
        if (QFile::remove(path) || QDir().rmdir(path))
            return {};
        return QStringLiteral("%1: cannot remove the link").arg(QDir::toNativeSeparators(path));
    }
    if (info.isDir()) {
        QDirIterator it(path,
                        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
        while (it.hasNext()) {
            it.next();
            if (QString e = removeEntry(it.fileInfo()); !e.isEmpty())
                return e;
        }
        return QDir().rmdir(path) ? QString()
                                  : QStringLiteral("%1: cannot remove the folder")
                                        .arg(QDir::toNativeSeparators(path));
    }
    QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::WriteUser);
    return QFile::remove(path)
               ? QString()
               : QStringLiteral("%1: cannot remove the file").arg(QDir::toNativeSeparators(path));
}

} // namespace

QString removeTreeNoFollow(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink())
        return {};
    return removeEntry(info);
}

} // namespace repodeck::core

#endif
