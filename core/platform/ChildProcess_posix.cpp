#include "platform/ChildProcess.h"

#include <QtGlobal>

#ifndef Q_OS_WIN

#include <QProcess>
#include <QVariant>

#include <csignal>

#include <unistd.h>

namespace repodeck::core {

namespace {
constexpr const char *kGroup = "repodeck.processGroup";
}

void startsOwnGroup(QProcess &process)
{
    // Runs in the child between fork and exec: async-signal-safe calls only.
    process.setChildProcessModifier([] { ::setpgid(0, 0); });
    // Kept: once the shell has exited processId() is 0, but what it
    // started may still run in the group.
    QObject::connect(&process, &QProcess::started, [p = &process] {
        p->setProperty(kGroup, QVariant::fromValue(p->processId()));
    });
}

void killTree(QProcess &process, int waitMs)
{
    const qint64 pid = process.property(kGroup).toLongLong();
    if (pid > 0)
        ::kill(-pid_t(pid), SIGKILL); // the group; fails harmlessly if it is gone
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(waitMs);
    }
}

} // namespace repodeck::core

#endif
