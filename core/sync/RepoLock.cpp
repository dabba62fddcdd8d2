#include "sync/RepoLock.h"

#include <QDir>
#include <QFileInfo>
#include <QLockFile>

namespace repodeck::core {

RepoLock::RepoLock() = default;

RepoLock::~RepoLock()
{
    release();
}

QString RepoLock::lockPathForGitDir(const QString &gitDir)
{
    return QDir(gitDir).filePath(QStringLiteral("repodeck.lock"));
}

QString RepoLock::lockPathForClone(const QString &targetPath)
{
    const QFileInfo info(QDir::cleanPath(targetPath));
    return info.dir().filePath(QStringLiteral(".%1.repodeck-clone.lock").arg(info.fileName()));
}

RepoLock::State RepoLock::tryAcquire(const QString &lockPath)
{
    release();
    m_path = lockPath;
    m_previousOwnerDied = false;
    auto lock = std::make_unique<QLockFile>(lockPath);
    // Never consider a lock stale by age: a long clone legitimately holds it
    // for hours. Only a dead owner makes it stale.
    lock->setStaleLockTime(0);

    qint64 pid = 0;
    QString host, app;
    const bool existed = QFileInfo::exists(lockPath);
    const bool readable = existed && lock->getLockInfo(&pid, &host, &app);

    if (lock->tryLock(0)) {
        // It existed and we still got it: its owner died (or the file was
        // unreadable, which only a kill during its creation leaves).
        m_previousOwnerDied = existed;
        m_lock = std::move(lock);
        return State::Acquired;
    }
    switch (lock->error()) {
    case QLockFile::LockFailedError:
        if (!lock->getLockInfo(&pid, &host, &app) && !readable)
            return State::Busy;
        m_detail = QStringLiteral("PID %1 on %2 (%3)").arg(pid).arg(host, app);
        return State::Busy;
    case QLockFile::PermissionError:
        m_detail = QStringLiteral("cannot create %1: permission denied").arg(lockPath);
        return State::Error;
    default:
        m_detail = QStringLiteral("cannot create %1").arg(lockPath);
        return State::Error;
    }
}

void RepoLock::release()
{
    if (m_lock) {
        m_lock->unlock();
        m_lock.reset();
    }
}

bool RepoLock::isHeld() const
{
    return m_lock && m_lock->isLocked();
}

} // namespace repodeck::core
