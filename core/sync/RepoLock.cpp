#include "sync/RepoLock.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QSysInfo>

#ifndef Q_OS_WIN
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace repodeck::core {

namespace {

// QLockFile writes PID, program, host name, machine id and boot id: a few
// hundred bytes. Anything larger is not a lock RepoDeck wrote, and
// QLockFile would read its whole first line into memory.
constexpr qint64 kMaxLockFileBytes = 4096;
// A lock file without a PID is what a kill between its creation and its
// first write leaves (QLockFile holds flock() on it from the start): once
// nobody holds it and it is this old, it is taken over.
constexpr qint64 kUnreadableStaleAfterSecs = 30;

// What is at the lock path, read without following a link and without
// blocking: QLockFile reads an existing lock with QFile, which follows a
// link and blocks forever on a named pipe.
struct LockFileState
{
    enum class Kind { Missing, Lock, Unreadable, NotAFile, TooLarge };
    Kind kind = Kind::Missing;
    QString what; // NotAFile: "a symbolic link", "a named pipe"...
    qint64 size = 0;
    qint64 ageSecs = 0;
    bool held = true; // someone holds flock() on it (or we cannot tell)
    quint64 device = 0, inode = 0;
    qint64 pid = 0;
    QString app, host;
    QByteArray machineId;
};

void parseLockText(const QByteArray &text, LockFileState *state)
{
    const QList<QByteArray> lines = text.split('\n');
    bool ok = false;
    const qint64 pid = lines.value(0).trimmed().toLongLong(&ok);
    if (!ok || pid <= 0 || lines.size() < 2) {
        state->kind = LockFileState::Kind::Unreadable;
        return;
    }
    state->kind = LockFileState::Kind::Lock;
    state->pid = pid;
    state->app = QString::fromUtf8(lines.value(1));
    state->host = QString::fromUtf8(lines.value(2));
    state->machineId = lines.value(3);
}

#ifndef Q_OS_WIN
QString kindOf(mode_t mode)
{
    if (S_ISLNK(mode))
        return QStringLiteral("a symbolic link");
    if (S_ISFIFO(mode))
        return QStringLiteral("a named pipe");
    if (S_ISDIR(mode))
        return QStringLiteral("a folder");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return QStringLiteral("a device");
    return QStringLiteral("not a plain file");
}

LockFileState inspect(const QString &path)
{
    LockFileState state;
    const QByteArray native = QFile::encodeName(path);
    struct stat st
    {};
    if (::lstat(native.constData(), &st) != 0)
        return state; // Missing
    if (!S_ISREG(st.st_mode)) {
        state.kind = LockFileState::Kind::NotAFile;
        state.what = kindOf(st.st_mode);
        return state;
    }
    const int fd = ::open(native.constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return state;
        state.kind = errno == ELOOP ? LockFileState::Kind::NotAFile
                                    : LockFileState::Kind::Unreadable;
        state.what = QStringLiteral("a symbolic link");
        return state;
    }
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { // swapped since the lstat
        ::close(fd);
        state.kind = LockFileState::Kind::NotAFile;
        state.what = kindOf(st.st_mode);
        return state;
    }
    state.device = static_cast<quint64>(st.st_dev);
    state.inode = static_cast<quint64>(st.st_ino);
    state.size = static_cast<qint64>(st.st_size);
    state.ageSecs = QDateTime::currentSecsSinceEpoch() - static_cast<qint64>(st.st_mtime);
    if (state.size > kMaxLockFileBytes) {
        ::close(fd);
        state.kind = LockFileState::Kind::TooLarge;
        return state;
    }
    QByteArray text(kMaxLockFileBytes + 1, Qt::Uninitialized);
    qsizetype got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd, text.data() + got, static_cast<size_t>(text.size() - got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    text.truncate(got);
    // The live owner holds an exclusive flock() from the moment it created the file.
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
        state.held = false;
        ::flock(fd, LOCK_UN);
    }
    ::close(fd);
    if (got > kMaxLockFileBytes) {
        state.kind = LockFileState::Kind::TooLarge;
        return state;
    }
    parseLockText(text, &state);
    return state;
}

bool removeIfStillTheSame(const QString &path, const LockFileState &seen)
{
    struct stat st
    {};
    const QByteArray native = QFile::encodeName(path);
    if (::lstat(native.constData(), &st) != 0 || !S_ISREG(st.st_mode)
        || static_cast<quint64>(st.st_dev) != seen.device
        || static_cast<quint64>(st.st_ino) != seen.inode)
        return false;
    return ::unlink(native.constData()) == 0;
}
#else
LockFileState inspect(const QString &path)
{
    LockFileState state;
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink())
        return state;
    if (info.isSymLink() || info.isJunction() || !info.isFile()) {
        state.kind = LockFileState::Kind::NotAFile;
        state.what = info.isDir() ? QStringLiteral("a folder") : QStringLiteral("a link");
        return state;
    }
    state.size = info.size();
    state.ageSecs = info.lastModified().secsTo(QDateTime::currentDateTime());
    if (state.size > kMaxLockFileBytes) {
        state.kind = LockFileState::Kind::TooLarge;
        return state;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        state.kind = LockFileState::Kind::Unreadable;
        return state;
    }
    parseLockText(file.read(kMaxLockFileBytes), &state);
    return state; // held stays true: an unreadable lock is never taken over here
}

bool removeIfStillTheSame(const QString &, const LockFileState &)
{
    return false;
}
#endif

bool onThisMachine(const LockFileState &state)
{
    const QByteArray ours = QSysInfo::machineUniqueId();
    if (!state.machineId.isEmpty() && !ours.isEmpty())
        return state.machineId == ours;
    return state.host.isEmpty() || state.host == QSysInfo::machineHostName();
}

} // namespace

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
    m_detail.clear();
    m_hint.clear();
    m_previousOwnerDied = false;

    // Found in the hardening pass: QLockFile reads an existing lock file
    // through a link, blocks forever on a named pipe (the sync hung, beyond
    // any cancel) and reads a huge file's first line whole; a lock file
    // without a PID (a kill right after its creation) kept the repository
    // busy for ever. Such files are looked at here first, safely.
    const LockFileState before = inspect(lockPath);
    switch (before.kind) {
    case LockFileState::Kind::NotAFile:
        m_detail = QStringLiteral("%1 is %2, not a lock file RepoDeck wrote; it was left as it is")
                       .arg(lockPath, before.what);
        m_hint = QStringLiteral("If nobody else uses this folder, delete %1, then sync again.")
                     .arg(lockPath);
        return State::Error;
    case LockFileState::Kind::TooLarge:
        m_detail = QStringLiteral(
                       "%1 is too large (%2 bytes) to be a lock file RepoDeck wrote; it was left as it is")
                       .arg(lockPath)
                       .arg(before.size);
        m_hint = QStringLiteral("If nobody else uses this folder, delete %1, then sync again.")
                     .arg(lockPath);
        return State::Error;
    case LockFileState::Kind::Unreadable:
        if (before.held || before.ageSecs < kUnreadableStaleAfterSecs) {
            m_detail = QStringLiteral(
                           "a lock file without an owner's PID (%1), still being written or held")
                           .arg(lockPath);
            return State::Busy;
        }
        {
            // The same guard QLockFile uses before removing a stale lock, so
            // two processes never both remove and recreate it.
            QLockFile guard(lockPath + QStringLiteral(".rmlock"));
            guard.setStaleLockTime(0);
            if (!guard.tryLock(0)) {
                m_detail = QStringLiteral("another process is taking over %1").arg(lockPath);
                return State::Busy;
            }
            const LockFileState again = inspect(lockPath);
            if (again.kind == LockFileState::Kind::Unreadable && !again.held
                && again.inode == before.inode && again.device == before.device)
                removeIfStillTheSame(lockPath, again);
        }
        break;
    case LockFileState::Kind::Missing:
    case LockFileState::Kind::Lock: break;
    }

    auto lock = std::make_unique<QLockFile>(lockPath);
    // Never consider a lock stale by age: a long clone legitimately holds it
    // for hours. Only a dead owner (QLockFile: same machine and boot, and no
    // process of that PID running that program), or a reboot, makes it
    // stale; a live owner's flock() keeps even that from removing it.
    lock->setStaleLockTime(0);
    const bool existed = before.kind != LockFileState::Kind::Missing;

    if (lock->tryLock(0)) {
        // It existed and we still got it: its owner died.
        m_previousOwnerDied = existed;
        m_lock = std::move(lock);
        return State::Acquired;
    }
    switch (lock->error()) {
    case QLockFile::LockFailedError: {
        const LockFileState now = inspect(lockPath);
        if (now.kind != LockFileState::Kind::Lock) {
            m_detail = QStringLiteral("a lock file that is being replaced (%1)").arg(lockPath);
            return State::Busy;
        }
        m_detail = QStringLiteral("PID %1 on %2 (%3)").arg(now.pid).arg(now.host, now.app);
        if (!onThisMachine(now)) {
            // Only that machine can tell whether its owner still runs.
            m_detail += QStringLiteral(
                            ", another computer: if RepoDeck is not running there, delete %1")
                            .arg(lockPath);
        }
        return State::Busy;
    }
    case QLockFile::PermissionError:
        m_detail = QStringLiteral("cannot create %1: permission denied").arg(lockPath);
        return State::Error;
    default: m_detail = QStringLiteral("cannot create %1").arg(lockPath); return State::Error;
    }
}

void RepoLock::release()
{
    if (m_lock) {
        m_lock->unlock();
        m_lock.reset();
    }
}

} // namespace repodeck::core
