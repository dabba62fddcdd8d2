#pragma once

#include "git/pack/PackFile.h"

#include <QString>

#include <cstddef>

namespace repodeck::core::git::pack {

// A large object's bytes on disk while deltas still need it as a base:
// created in the pack's folder without following a link there, never
// reused (O_EXCL), and unlinked at once, so nothing stays behind whatever
// ends the process. Read back piece by piece (pread), never mapped: the
// object's pages never count as the process's memory.
class SpillFile
{
public:
    SpillFile() = default;
    ~SpillFile();
    SpillFile(const SpillFile &) = delete;
    SpillFile &operator=(const SpillFile &) = delete;

    // A new empty file in `dir` for an object of `size` bytes: refused as a
    // full disk (ENOSPC, with the path) when the file system has not that
    // much room left beside a margin, and (failure().budget set) when the
    // process's spill budget has not `size` bytes left (SpillBudget: the
    // size is reserved until this file is deleted).
    bool create(const QString &dir, quint64 size);
    bool append(const void *data, size_t size);
    bool readAt(quint64 offset, void *out, size_t size) const;
    quint64 size() const { return m_size; }
    const IoFailure &failure() const { return m_failure; }

private:
    bool fail(const char *what, int error) const;
    int m_fd = -1;
    quint64 m_size = 0;
    quint64 m_reserved = 0;
    QString m_path;
    mutable IoFailure m_failure;
};

} // namespace repodeck::core::git::pack
