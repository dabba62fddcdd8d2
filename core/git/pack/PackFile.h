#pragma once

#include <QByteArray>
#include <QString>

namespace repodeck::core::git::pack {

// What a failed file operation saw: the errno right after the call (Qt's
// QFile reports "Unknown error" for a full disk), the path and the verb.
struct IoFailure
{
    int error = 0;
    QString path;
    QString what; // "write", "create", "rename", ...
    // Not the disk's own: RepoDeck's budget of spill files (SpillBudget)
    // had not `needed` bytes left of its `budget`.
    quint64 budget = 0;
    quint64 needed = 0;

    // A sentence the classifier reads: ENOSPC/EDQUOT say "No space left" or
    // "Disk quota exceeded" with the path; EACCES/EROFS name the folder.
    QString message() const;
    // Sets it as libgit2's last error (class OS) and returns -1.
    int raise() const;
};

// A file written with plain system calls, so errno is never lost.
class PackFile
{
public:
    PackFile() = default;
    ~PackFile();
    PackFile(const PackFile &) = delete;
    PackFile &operator=(const PackFile &) = delete;

    bool create(const QString &path); // fails if it exists
    bool write(const void *data, size_t size);
    bool writeAt(quint64 offset, const void *data, size_t size);
    bool truncate(quint64 size);
    bool sync();
    bool close();
    quint64 size() const { return m_size; }
    const QString &path() const { return m_path; }
    const IoFailure &failure() const { return m_failure; }

private:
    bool fail(const char *what);
    int m_fd = -1;
    quint64 m_size = 0;
    QString m_path;
    IoFailure m_failure;
};

bool renameFile(const QString &from, const QString &to, IoFailure *failure);
// Writes `bytes` to a temporary name beside `path`, then renames it there.
bool writeFileAtomically(const QString &path, const QByteArray &bytes, IoFailure *failure);

} // namespace repodeck::core::git::pack
