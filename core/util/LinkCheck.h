#pragma once

#include <QFileInfo>
#include <QString>

namespace repodeck::core {

// QSaveFile writes through a symbolic link to its target. A workspace or
// state file in a shared folder can be replaced by a link to any file of the
// user's (~/.bashrc, another program's settings), which the next save would
// overwrite. Returns why `path` may not be written (it is a link), or empty.
inline QString refuseWritingThroughLink(const QString &path)
{
    const QFileInfo info(path);
    if (info.isSymLink() || info.isJunction())
        return QStringLiteral(
                   "%1 is a link to %2; RepoDeck does not write through links. Remove the link (or "
                   "point RepoDeck at the real file) and try again.")
            .arg(path, info.symLinkTarget());
    return {};
}

} // namespace repodeck::core
