#pragma once

#include "git/pack/DeltaStream.h"
#include "git/pack/PackFormat.h"

#include <QString>

#include <atomic>
#include <functional>
#include <mutex>

namespace repodeck::core::git::pack {

struct ResolveProgress
{
    unsigned int indexedObjects = 0;
    unsigned int indexedDeltas = 0;
    quint64 work = 0; // grows with every inflate and delta applied, restores included
};

struct ResolveOptions
{
    quint64 maxObjectSize = kMaxObjectSize;
    // Bytes of delta bases kept in memory while their deltas wait, all
    // workers together. Over it, the oldest kept bases are dropped and
    // rebuilt when needed (as git's index-pack does with its base cache).
    quint64 memoryBudget = quint64(128) << 20;
    // Objects over this size are streamed, never held whole (DeltaStream.h);
    // those a delta still needs are kept in spill files in `spillDir`.
    quint64 streamThreshold = kStreamThreshold;
    QString spillDir;
    // Bytes of spilled bases kept at once, all workers together; over it
    // the oldest are dropped and rebuilt when needed, as in memory.
    quint64 diskBudget = quint64(4) << 30;
    int threads = 0; // 0: one per core, at most 8
    // Called on the thread that runs run(), about every 100 ms and once at
    // the end; a non-zero return stops the workers and is run()'s result.
    std::function<int(const ResolveProgress &)> progress;
};

// Rebuilds every object of a pack on all cores (libgit2's indexer.c does
// it on one): each worker takes whole trees of deltas, a base and what is
// built on it, depth first on a heap stack. Ids come from libgit2's own
// hash (git_odb_hash: collision detection included).
class DeltaResolver
{
public:
    // `pack` is the whole pack (a map of the file); the entries' offsets
    // point into it. The resolver fills in each entry it resolves.
    DeltaResolver(const unsigned char *pack, size_t packSize, PackTable &entries,
                  ResolveOptions options);

    // Resolves the trees below `roots` (indexes of whole objects). Deltas
    // whose base is not below any root stay unresolved (see unresolved()).
    // 0 on success, the progress callback's non-zero, or -1 (see error()).
    int run(const std::vector<quint32> &roots);

    const QString &error() const { return m_error; }
    // The error is a file operation's (a full disk): libgit2 class OS.
    bool ioError() const { return m_ioError; }
    size_t unresolvedCount() const;
    // Base ids of the REF_DELTAs nothing in the pack resolved: what a thin
    // pack expects the repository to have.
    std::vector<git_oid> missingBases() const;
    quint64 peakHeldBytes() const { return m_peakHeld; }
    quint64 rebuiltBases() const { return m_rebuilt; }
    quint64 peakSpilledBytes() const { return m_peakSpilled; }
    quint64 streamedObjects() const { return m_streamed; }

private:
    class Worker;
    friend class Worker;
    void failWith(const QString &why);
    void noteHeld(qint64 delta);
    void noteSpilled(qint64 delta);
    void failWithIo(const IoFailure &failure);
    // The base id a REF_DELTA names, in the pack.
    const unsigned char *refBase(quint32 i) const;

    const unsigned char *m_pack;
    size_t m_packSize;
    PackTable &m_entries;
    ResolveOptions m_options;
    QString m_error;
    std::mutex m_errorMutex;
    std::atomic<bool> m_stop{false};
    std::atomic<quint64> m_held{0};
    std::atomic<quint64> m_peakHeld{0};
    std::atomic<quint64> m_rebuilt{0};
    std::atomic<quint64> m_spilled{0};
    std::atomic<quint64> m_peakSpilled{0};
    std::atomic<quint64> m_streamed{0};
    bool m_ioError = false;
    std::atomic<quint64> m_work{0};
    std::atomic<unsigned int> m_indexed{0};
    std::atomic<unsigned int> m_indexedDeltas{0};
};

} // namespace repodeck::core::git::pack
