#include "sync/CrashRecovery.h"

#include "util/RemoveTree.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace repodeck::core {

QStringList cleanAfterCrash(const QString &gitDir)
{
    QStringList removed;
    const QDir dir(gitDir);
    auto removeFile = [&](const QString &path) {
        if (QFile::remove(path))
            removed << path;
    };

    // Top-level locks libgit2 takes during fetch, clone and checkout.
    for (const char *name : {"packed-refs.lock", "HEAD.lock", "FETCH_HEAD.lock", "ORIG_HEAD.lock",
                             "config.lock", "index.lock", "shallow.lock"}) {
        const QString path = dir.filePath(QLatin1String(name));
        if (QFileInfo::exists(path))
            removeFile(path);
    }
    // A folder of the git directory that is a link (found in review: an
    // imported repository's .git/refs -> ~/projects) is never walked: the
    // cleanup would delete the user's Cargo.lock, yarn.lock...
    auto ownFolder = [&dir](const QString &sub) {
        QString path = dir.path();
        for (const QString &part : sub.split(QLatin1Char('/'))) {
            path += QLatin1Char('/') + part;
            const QFileInfo info(path);
            if (info.isSymLink() || info.isJunction() || !info.isDir())
                return false;
        }
        return true;
    };
    // Ref locks anywhere under refs/ and logs/ (links inside are not followed).
    for (const char *sub : {"refs", "logs"}) {
        if (!ownFolder(QLatin1String(sub)))
            continue;
        QDirIterator it(dir.filePath(QLatin1String(sub)), {QStringLiteral("*.lock")},
                        QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (!QFileInfo(QFileInfo(path).path())
                     .canonicalFilePath()
                     .startsWith(QFileInfo(dir.filePath(QLatin1String(sub))).canonicalFilePath()))
                continue;
            removeFile(path);
        }
    }
    if (!ownFolder(QStringLiteral("objects/pack")))
        return removed;
    // Packs still being received: libgit2 names them pack_git2_*, git tmp_pack_*.
    QDirIterator packs(dir.filePath(QStringLiteral("objects/pack")),
                       {QStringLiteral("pack_git2_*"), QStringLiteral("tmp_pack_*"),
                        QStringLiteral("tmp_idx_*")},
                       QDir::Files | QDir::Hidden);
    while (packs.hasNext())
        removeFile(packs.next());
    return removed;
}

QString partialClonePath(const QString &target)
{
    const QFileInfo info(QDir::cleanPath(target));
    return info.dir().filePath(QStringLiteral(".%1.repodeck-partial").arg(info.fileName()));
}

bool removePartialClone(const QString &tempDir)
{
    const QFileInfo info(tempDir);
    if (!info.fileName().endsWith(QLatin1String(".repodeck-partial"))
        || !info.fileName().startsWith(QLatin1Char('.')))
        return false;
    // Never through a link: a planted .NAME.repodeck-partial -> ~/ must
    // lose only the link.
    return removeTreeNoFollow(tempDir).isEmpty();
}

} // namespace repodeck::core
