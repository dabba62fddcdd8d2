#pragma once

#include <QString>

#include <memory>

class QLockFile;

namespace repodeck::core {

// RepoDeck's own lock on one repository, shared by threads and processes
// (including other machines on shared storage): a lock file holding the
// owner's PID, host and program. A lock whose owner is gone is stale; taking
// it over tells the caller that the previous owner died mid-operation, which
// is when libgit2's leftovers may be cleaned.
class RepoLock
{
public:
    enum class State { Acquired, Busy, Error };

    RepoLock();
    ~RepoLock();
    RepoLock(const RepoLock &) = delete;
    RepoLock &operator=(const RepoLock &) = delete;

    State tryAcquire(const QString &lockPath);
    void release();

    bool previousOwnerDied() const { return m_previousOwnerDied; }
    // For Busy: "PID 1234 on host (repodeck-cli)"; for Error: the reason.
    QString detail() const { return m_detail; }
    // What the user can do, when RepoDeck cannot decide alone (a file that
    // is not a lock, a lock of another computer); may be empty.
    QString hint() const { return m_hint; }
    QString path() const { return m_path; }

    // Where the lock lives: inside the git directory of an existing
    // repository, beside the target while it is being cloned.
    static QString lockPathForGitDir(const QString &gitDir);
    static QString lockPathForClone(const QString &targetPath);

private:
    std::unique_ptr<QLockFile> m_lock;
    QString m_path;
    QString m_detail;
    QString m_hint;
    bool m_previousOwnerDied = false;
};

} // namespace repodeck::core
