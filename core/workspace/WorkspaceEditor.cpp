#include "workspace/WorkspaceEditor.h"

#include <QDir>
#include <QFileInfo>
#include <QLockFile>

namespace repodeck::core {

QString editWorkspace(const QString &path, const std::function<QString(Workspace &)> &edit,
                      WorkspaceError *loadError)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QLockFile lock(path + QStringLiteral(".lock"));
    lock.setStaleLockTime(0);
    if (!lock.tryLock(10'000))
        return QStringLiteral("%1 is being edited by another RepoDeck process; try again.")
            .arg(path);
    auto loaded = Workspace::load(path);
    if (!loaded) {
        if (loadError)
            *loadError = loaded.error();
        return loaded.error().text();
    }
    Workspace ws = loaded.value();
    if (QString problem = edit(ws); !problem.isEmpty())
        return problem;
    return ws.save(path);
}

} // namespace repodeck::core
