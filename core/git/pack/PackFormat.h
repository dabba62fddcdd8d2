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

// One entry of a pack, as the parser found it and the resolver completes it.
struct PackEntry
{
    quint64 offset = 0;  // first byte of the entry header
    quint64 data = 0;    // first byte of its zlib stream
    quint64 end = 0;     // one past its zlib stream
    quint64 size = 0;    // inflated size, as the header says (checked by the parser)
    quint8 type = 0;     // as stored (PackType)
    quint32 crc = 0;     // CRC-32 of the raw entry, for the .idx
    qint64 base = -1;    // OFS_DELTA: index of the base entry
    git_oid baseOid{};   // REF_DELTA
    git_oid oid{};       // set once resolved
    qint64 parent = -1;  // the entry it was rebuilt from, once resolved (-1: a whole object)
    quint8 objectType = 0; // the object's real type, once resolved
    bool resolved = false;

    bool isDelta() const { return type == OfsDelta || type == RefDelta; }
};

// Inflates a zlib stream that must produce exactly `size` bytes.
// `size` must already be checked against the maximum object size.
bool inflateEntry(const unsigned char *in, size_t inSize, quint64 size, Bytes &out);

enum class DeltaError {
    None,
    Truncated,        // a size or an op ends early
    SourceMismatch,   // the delta was made for a base of another size
    TooLarge,         // the declared result is over the maximum object size
    CopyOutOfRange,   // a copy reads past the end of the base
    TargetOverflow,   // the ops produce more than the declared result
    ReservedOpcode,   // op 0
    ShortResult,      // the ops produce less than the declared result
};
const char *describe(DeltaError error);

// Reads a delta's declared base and result sizes (git's varints).
bool readDeltaSizes(const unsigned char *delta, size_t size, quint64 *source, quint64 *target);

// git's delta format: source and target sizes, then copy and insert ops.
// The result is refused from its declared size when over `maxResult`.
DeltaError applyDelta(const unsigned char *base, size_t baseSize, const unsigned char *delta, size_t deltaSize,
                      quint64 maxResult, Bytes &out);

// The entry header of a whole object (type and size varint).
Bytes objectHeader(PackType type, quint64 size);

} // namespace repodeck::core::git::pack
