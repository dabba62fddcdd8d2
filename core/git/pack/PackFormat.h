#pragma once

#include <git2.h>

#include <QtGlobal>

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

// The pack format's pure parts (no files, no threads, no libgit2 state),
// in the spirit of libgit2's delta.c: what a hostile server controls is
// checked here, before anything is allocated from it.
namespace repodeck::core::git::pack {

// resize() without zero-filling: a result sized from a delta's declared
// size costs memory only for the pages its ops really write.
template<typename T>
struct UninitializedAllocator : std::allocator<T>
{
    template<typename U>
    struct rebind
    {
        using other = UninitializedAllocator<U>;
    };
    UninitializedAllocator() = default;
    template<typename U>
    UninitializedAllocator(const UninitializedAllocator<U> &) noexcept
    {
    }
    template<typename U>
    void construct(U *p) noexcept(std::is_nothrow_default_constructible_v<U>)
    {
        ::new (static_cast<void *>(p)) U;
    }
    template<typename U, typename... Args>
    void construct(U *p, Args &&...args)
    {
        ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
    }
};
using Bytes = std::vector<unsigned char, UninitializedAllocator<unsigned char>>;

enum PackType : quint8 { Commit = 1, Tree = 2, Blob = 3, Tag = 4, OfsDelta = 6, RefDelta = 7 };

// The largest object (or delta result) accepted, as libgit2 upstream has:
// anything larger is refused from its declared size, before allocating.
constexpr quint64 kMaxObjectSize = quint64(2) << 30;

// The most objects one pack may declare. Checked against the pack header
// before anything is allocated from it: every object costs about 53 bytes
// of peak memory while the pack is indexed (PackTable, measured with tiny
// blobs), so 7 million keeps indexing under the 400 MiB memory goal
// whatever a server declares (11 million peaked at 581 MiB). That is over
// 10 times libgit2's or qBittorrent's history, but under the Linux kernel's
// (about 10 million objects): a mirror that large needs
// REPODECK_PACK_MAX_OBJECTS (and the memory), as the refusal says. Tests
// make it small.
constexpr quint32 kMaxPackObjects = 7000000;
quint32 maxPackObjects();
// What one entry counts as against that limit, in quarters of a plain
// object: a REF_DELTA also keeps the lookup of its base's id (87 bytes
// against 54 for a plain object or an offset delta, 3 million of each
// measured by tst_packbounds memoryPerDeltaIsSmall; docs/benchmarks.md).
constexpr quint32 kPlainCost = 4;
constexpr quint32 deltaCost(bool ref)
{
    return ref ? 7 : 4;
}

constexpr quint32 kNoEntry = 0xffffffffu;

// One entry of a pack, as the parser found it and the resolver completes
// it: 24 bytes, its id apart (PackTable). Its zlib stream ends where the
// next entry begins (PackTable::endOf).
struct PackEntry
{
    quint64 offset = 0; // first byte of the entry header
    quint32 size = 0;   // inflated size, as the header says (checked by the parser)
    quint32 crc = 0;    // CRC-32 of the raw entry, for the .idx
    // OFS_DELTA: index of the base entry. Once resolved, for any delta: the
    // entry it was rebuilt from. kNoEntry otherwise.
    quint32 base = kNoEntry;
    quint8 headerSize = 0; // bytes before the zlib stream (a REF_DELTA's base id included)
    quint8 type = 0;       // as stored (PackType)
    quint8 objectType = 0; // the object's real type, once resolved
    bool resolved = false;

    bool isDelta() const { return type == OfsDelta || type == RefDelta; }
    quint64 data() const { return offset + headerSize; } // first byte of its zlib stream
    qint64 parent() const { return resolved && isDelta() ? qint64(base) : -1; }
};
static_assert(sizeof(PackEntry) == 24,
              "a pack entry is 24 bytes: millions of them are held at once");

// A pack's entries, in pack order, and their ids once resolved (a
// contiguous array beside them, sized when resolving starts).
class PackTable
{
public:
    size_t size() const { return m_entries.size(); }
    bool empty() const { return m_entries.empty(); }
    PackEntry &operator[](size_t i) { return m_entries[i]; }
    const PackEntry &operator[](size_t i) const { return m_entries[i]; }
    std::vector<PackEntry>::const_iterator begin() const { return m_entries.begin(); }
    std::vector<PackEntry>::const_iterator end() const { return m_entries.end(); }
    void reserve(size_t n) { m_entries.reserve(n); }
    void push_back(const PackEntry &e) { m_entries.push_back(e); }

    // One past entry i's zlib stream: the next entry, or the pack's end.
    quint64 endOf(size_t i) const
    {
        return i + 1 < m_entries.size() ? m_entries[i + 1].offset : m_end;
    }
    void setEnd(quint64 end) { m_end = end; }
    quint64 dataEnd() const { return m_end; }

    // Entry i's id (all zero until resolved).
    git_oid &oid(size_t i) { return m_oids[i]; }
    const git_oid &oid(size_t i) const { return m_oids[i]; }
    // Makes room for every entry's id (kept for those already resolved).
    void prepareIds() { m_oids.resize(m_entries.size()); }
    // A REF_DELTA's base id, read from the pack itself (the 20 bytes
    // before its zlib stream): not held per entry.
    static git_oid baseOid(const unsigned char *pack, const PackEntry &e);

private:
    std::vector<PackEntry> m_entries;
    std::vector<git_oid> m_oids;
    quint64 m_end = 0;
};

// Inflates a zlib stream that must produce exactly `size` bytes.
// `size` must already be checked against the maximum object size.
bool inflateEntry(const unsigned char *in, size_t inSize, quint64 size, Bytes &out);

enum class DeltaError {
    None,
    Truncated,      // a size or an op ends early
    SourceMismatch, // the delta was made for a base of another size
    TooLarge,       // the declared result is over the maximum object size
    CopyOutOfRange, // a copy reads past the end of the base
    TargetOverflow, // the ops produce more than the declared result
    ReservedOpcode, // op 0
    ShortResult,    // the ops produce less than the declared result
};
const char *describe(DeltaError error);

// Reads a delta's declared base and result sizes (git's varints).
bool readDeltaSizes(const unsigned char *delta, size_t size, quint64 *source, quint64 *target);

// git's delta format: source and target sizes, then copy and insert ops.
// The result is refused from its declared size when over `maxResult`.
DeltaError applyDelta(const unsigned char *base, size_t baseSize, const unsigned char *delta,
                      size_t deltaSize, quint64 maxResult, Bytes &out);

// The entry header of a whole object (type and size varint).
Bytes objectHeader(PackType type, quint64 size);

} // namespace repodeck::core::git::pack
