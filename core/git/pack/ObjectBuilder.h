#pragma once

#include "git/pack/DeltaResolver.h"
#include "git/pack/DeltaStream.h"
#include "git/pack/ObjectHasher.h"
#include "git/pack/PackFile.h"
#include "git/pack/SpillFile.h"

#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace repodeck::core::git::pack {

// An object's bytes: in memory, or (a large one) in a spill file.
struct StoredObject
{
    Bytes bytes;
    std::unique_ptr<SpillFile> file;
    quint64 size = 0;

    bool spilled() const { return file != nullptr; }
    ObjectView view() const;
    void clear();
};

// Why a build failed: a message for the run, or a file operation's failure
// (a full disk); neither when the run was stopped meanwhile.
struct BuildFailure
{
    QString message;
    bool isIo = false;
    IoFailure io;
};

// Builds one object of a pack, for one resolver worker: a whole object
// inflated, or a delta applied to its base; small ones in memory (as
// before), those over the stream threshold piece by piece (DeltaStream)
// into their hash and, when `keep`, a spill file.
class ObjectBuilder
{
public:
    ObjectBuilder(const unsigned char *pack, size_t packSize, const PackTable &entries,
                  const ResolveOptions &options, const std::atomic<bool> &stop,
                  std::atomic<quint64> &work, std::atomic<quint64> &streamed);

    // Object `i` built from `base` (or inflated, when null) into `out`,
    // hashed as `type` into `*oid` when oid is given. `keep`: the bytes are
    // needed afterwards (a large object then goes to a spill file).
    bool build(quint32 i, const StoredObject *base, git_object_t type, bool keep, git_oid *oid,
               StoredObject &out);
    const BuildFailure &failure() const { return m_failure; }

private:
    bool fail(const QString &message);
    bool failIo(const IoFailure &failure);
    bool failDelta(quint32 i, DeltaError err);
    bool inflate(quint32 i, Bytes &out);
    bool inMemory(quint32 i, const StoredObject *base, git_object_t type, git_oid *oid,
                  StoredObject &out);
    bool streamed(quint32 i, const StoredObject *base, git_object_t type, bool keep,
                  quint64 declared, git_oid *oid, StoredObject &out);
    bool entryInPack(quint32 i) const
    {
        return m_entries.endOf(i) <= m_packSize && m_entries[i].data() <= m_entries.endOf(i);
    }
    QString spillDir() const;

    const unsigned char *m_pack;
    size_t m_packSize;
    const PackTable &m_entries;
    const ResolveOptions &m_options;
    const std::atomic<bool> &m_stop;
    std::atomic<quint64> &m_work;
    std::atomic<quint64> &m_streamed;
    BuildFailure m_failure;
    Bytes m_delta;
    ObjectHasher m_hasher;
};

} // namespace repodeck::core::git::pack
