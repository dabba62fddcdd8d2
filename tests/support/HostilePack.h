#pragma once

#include <QByteArray>
#include <QList>

namespace repodeck::test {

// Builds crafted packs byte by byte (independently of core/git/pack, so a
// bug there cannot hide in its own test input): the shapes a hostile server
// sends to make an indexer loop, amplify memory or trust declared sizes.
class HostilePack
{
public:
    enum Type { Commit = 1, Tree = 2, Blob = 3, Tag = 4, OfsDelta = 6, RefDelta = 7 };

    struct Entry
    {
        Type type = Blob;
        QByteArray payload; // the inflated object, or the delta
        QByteArray baseId;  // RefDelta: 20 raw bytes
        int baseIndex = -1; // OfsDelta: an earlier entry of this pack
        qint64 zeros = 0;   // Blob of this many zero bytes (payload unused), compressed as a stream
    };

    // A complete pack (header, entries, SHA-1 trailer).
    static QByteArray build(const QList<Entry> &entries);

    // git's object id (raw 20 bytes) of `content` as `type`.
    static QByteArray objectId(Type type, const QByteArray &content);
    static QByteArray zeroBlobId(qint64 size);

    // Delta building blocks (git's format).
    static QByteArray deltaHeader(quint64 sourceSize, quint64 targetSize);
    static QByteArray copyOp(quint64 offset, quint64 size); // size <= 0xffffff
    static QByteArray insertOp(const QByteArray &bytes);    // 1..127 bytes
    // Copies all of a base of `size` bytes.
    static QByteArray copyAll(quint64 size);

    // Issue 14 finding 4: a blob, a REF delta that rebuilds that same blob
    // from it, a REF delta whose base nobody has. 112 bytes; libgit2 1.5.1
    // loops on it forever, allocating.
    static QByteArray loopPack();
    // A REF delta against an object that is nowhere.
    static QByteArray missingBasePack();
    // The same blob twice.
    static QByteArray duplicatePack();
    // A small blob and a delta declaring a result of `declared` bytes (16 GiB
    // by default) made of many copies of it.
    static QByteArray hugeDeclaredDeltaPack(quint64 declared = quint64(16) << 30);
    // Finding 5: a zero blob of `blobSize`, a chain of `chain` offset deltas
    // on it, each with a side delta on the same base, the chain's next link
    // first (so an indexer that keeps a base while it has children keeps all).
    static QByteArray amplificationPack(int chain = 24, qint64 blobSize = qint64(64) << 20);
    // A balanced binary tree of deltas, `depth` levels, on a zero blob of
    // `blobSize`: every node has two children of equal weight, so keeping
    // bases is only bounded by a memory budget. 2^depth - 1 objects.
    static QByteArray binaryTreePack(int depth, qint64 blobSize);

    // Issue 14, the third review: a 1 MiB blob and a chain of `chain` offset
    // deltas, each declaring and really making `declared` bytes (the first
    // by copying the blob over and over, the next ones by copying the
    // previous link whole). About 1 KB that rebuilds to chain x 2000 MiB.
    static QByteArray chainedHugeDeltaPack(int chain = 2, quint64 declared = quint64(2000) << 20);
    // `count` such deltas side by side on the same 1 MiB blob, each different.
    static QByteArray siblingHugeDeltasPack(int count, quint64 declared = quint64(2000) << 20);
    // A delta declaring `declared` bytes that makes all but the last MiB by
    // copying the blob, then copies from 2 GiB beyond its end.
    static QByteArray farCopyDeltaPack(quint64 declared = quint64(2000) << 20);
    // A delta declaring `declared` bytes that makes 1 MiB and stops.
    static QByteArray shortDeltaPack(quint64 declared = quint64(2000) << 20);
    // `count` distinct 4-byte blobs (the counter, big-endian), about 16 bytes
    // each: what costs an indexer per object, not per byte. The header
    // declares `declared` objects (0: `count`), so it may lie.
    static QByteArray tinyBlobsPack(quint32 count, quint32 declared = 0);
    // A 4-byte blob and a chain of `count` deltas, each on the one before
    // and each making another 4-byte blob (the counter): what an indexer
    // keeps per delta. Offset deltas, or REF_DELTAs naming the base's id.
    static QByteArray tinyDeltaChainPack(quint32 count, bool ref);
};

} // namespace repodeck::test
