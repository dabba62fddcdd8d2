#include "platform/ChildProcess.h"

#include <QtGlobal>

#ifdef Q_OS_WIN

#include <QProcess>

namespace repodeck::core {

void startsOwnGroup(QProcess &)
{
    // Nothing to set before start: see ChildProcess.h.
}

void killTree(QProcess &process, int waitMs)
{
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(waitMs);
    }
}

} // namespace repodeck::core

#endif
