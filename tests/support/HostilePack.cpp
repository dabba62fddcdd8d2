#include "HostilePack.h"

#include <QCryptographicHash>

#include <zlib.h>

#include <stdexcept>

namespace repodeck::test {

namespace {

QByteArray deflateBytes(const QByteArray &in)
{
    uLongf size = compressBound(static_cast<uLong>(in.size()));
    QByteArray out(static_cast<qsizetype>(size), Qt::Uninitialized);
    if (compress2(reinterpret_cast<Bytef *>(out.data()), &size,
                  reinterpret_cast<const Bytef *>(in.constData()), static_cast<uLong>(in.size()), 9)
        != Z_OK)
        throw std::runtime_error("compress failed");
    out.truncate(static_cast<qsizetype>(size));
    return out;
}

// Zeros never exist in memory as a whole: deflated from a 1 MiB page.
QByteArray deflateZeros(qint64 count)
{
    z_stream z{};
    deflateInit(&z, 9);
    const QByteArray page(1 << 20, '\0');
    QByteArray out;
    char buf[1 << 16];
    qint64 left = count;
    do {
        const qint64 n = std::min<qint64>(left, page.size());
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(page.constData()));
        z.avail_in = static_cast<uInt>(n);
        left -= n;
        const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = reinterpret_cast<Bytef *>(buf);
            z.avail_out = sizeof buf;
            deflate(&z, flush);
            out.append(buf, static_cast<qsizetype>(sizeof buf - z.avail_out));
        } while (z.avail_out == 0);
    } while (left > 0);
    deflateEnd(&z);
    return out;
}

QByteArray typeName(HostilePack::Type type)
{
    switch (type) {
    case HostilePack::Commit: return "commit";
    case HostilePack::Tree: return "tree";
    case HostilePack::Tag: return "tag";
    default: return "blob";
    }
}

QByteArray entryHeader(int type, quint64 size)
{
    QByteArray h;
    unsigned char c = static_cast<unsigned char>((type << 4) | (size & 15));
    size >>= 4;
    while (size) {
        h.append(char(c | 0x80));
        c = static_cast<unsigned char>(size & 0x7f);
        size >>= 7;
    }
    h.append(char(c));
    return h;
}

QByteArray ofsDistance(quint64 distance)
{
    QByteArray out;
    out.prepend(char(distance & 0x7f));
    while (distance >>= 7) {
        --distance;
        out.prepend(char(0x80 | (distance & 0x7f)));
    }
    return out;
}

QByteArray varint(quint64 v)
{
    QByteArray out;
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        out.append(char(c));
    } while (v);
    return out;
}

} // namespace

QByteArray HostilePack::build(const QList<Entry> &entries)
{
    QByteArray pack("PACK", 4);
    const quint32 n = static_cast<quint32>(entries.size());
    const char head[8] = {0, 0, 0, 2, char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    pack.append(head, 8);
    QList<qint64> offsets;
    for (const Entry &e : entries) {
        offsets.append(pack.size());
        const quint64 size = e.zeros > 0 ? quint64(e.zeros) : quint64(e.payload.size());
        pack.append(entryHeader(e.type, size));
        if (e.type == OfsDelta)
            pack.append(ofsDistance(quint64(offsets.last() - offsets.at(e.baseIndex))));
        else if (e.type == RefDelta)
            pack.append(e.baseId);
        pack.append(e.zeros > 0 ? deflateZeros(e.zeros) : deflateBytes(e.payload));
    }
    pack.append(QCryptographicHash::hash(pack, QCryptographicHash::Sha1));
    return pack;
}

QByteArray HostilePack::tinyBlobsPack(quint32 count, quint32 declared)
{
    const quint32 n = declared ? declared : count;
    QByteArray pack("PACK", 4);
    const char head[8] = {0, 0, 0, 2, char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    pack.append(head, 8);
    pack.reserve(qsizetype(count) * 16 + 64);
    const QByteArray header = entryHeader(Blob, 4);
    // One zlib stream reset per blob (a new one each would cost more than
    // the indexing being measured).
    z_stream z{};
    deflateInit(&z, Z_BEST_SPEED);
    for (quint32 i = 0; i < count; ++i) {
        unsigned char be[4] = {uchar(i >> 24), uchar(i >> 16), uchar(i >> 8), uchar(i)};
        unsigned char out[64];
        deflateReset(&z);
        z.next_in = be;
        z.avail_in = 4;
        z.next_out = out;
        z.avail_out = sizeof out;
        deflate(&z, Z_FINISH);
        pack.append(header);
        pack.append(reinterpret_cast<const char *>(out), qsizetype(sizeof out - z.avail_out));
    }
    deflateEnd(&z);
    pack.append(QCryptographicHash::hash(pack, QCryptographicHash::Sha1));
    return pack;
}

QByteArray HostilePack::tinyDeltaChainPack(quint32 count, bool ref)
{
    const quint32 n = count + 1;
    QByteArray pack("PACK", 4);
    const char head[8] = {0, 0, 0, 2, char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    pack.append(head, 8);
    pack.reserve(qsizetype(n) * (ref ? 44 : 24) + 64);
    z_stream z{};
    deflateInit(&z, Z_BEST_SPEED);
    const auto deflated = [&z](const QByteArray &in) {
        unsigned char out[64];
        deflateReset(&z);
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData()));
        z.avail_in = uInt(in.size());
        z.next_out = out;
        z.avail_out = sizeof out;
        deflate(&z, Z_FINISH);
        return QByteArray(reinterpret_cast<const char *>(out), qsizetype(sizeof out - z.avail_out));
    };
    const auto counter = [](quint32 i) {
        const char be[4] = {char(i >> 24), char(i >> 16), char(i >> 8), char(i)};
        return QByteArray(be, 4);
    };
    QByteArray previous = counter(0);
    qint64 previousOffset = pack.size();
    pack.append(entryHeader(Blob, 4));
    pack.append(deflated(previous));
    for (quint32 i = 1; i <= count; ++i) {
        const QByteArray content = counter(i);
        const qint64 offset = pack.size();
        const QByteArray delta = deltaHeader(4, 4) + insertOp(content);
        pack.append(entryHeader(ref ? RefDelta : OfsDelta, quint64(delta.size())));
        if (ref) {
            pack.append(objectId(Blob, previous));
        } else {
            // git's offset encoding: big-endian 7-bit groups, each but the
            // last one less one.
            quint64 distance = quint64(offset - previousOffset);
            char bytes[10];
            int pos = sizeof bytes - 1;
            bytes[pos] = char(distance & 127);
            while (distance >>= 7)
                bytes[--pos] = char(128 | (--distance & 127));
            pack.append(bytes + pos, qsizetype(sizeof bytes) - pos);
        }
        pack.append(deflated(delta));
        previous = content;
        previousOffset = offset;
    }
    deflateEnd(&z);
    pack.append(QCryptographicHash::hash(pack, QCryptographicHash::Sha1));
    return pack;
}

QByteArray HostilePack::objectId(Type type, const QByteArray &content)
{
    QCryptographicHash h(QCryptographicHash::Sha1);
    h.addData(typeName(type) + ' ' + QByteArray::number(content.size()));
    h.addData(QByteArray(1, '\0'));
    h.addData(content);
    return h.result();
}

QByteArray HostilePack::zeroBlobId(qint64 size)
{
    QCryptographicHash h(QCryptographicHash::Sha1);
    h.addData("blob " + QByteArray::number(size));
    h.addData(QByteArray(1, '\0'));
    const QByteArray page(1 << 20, '\0');
    for (qint64 left = size; left > 0; left -= page.size())
        h.addData(QByteArrayView(page.constData(), std::min<qint64>(left, page.size())));
    return h.result();
}

QByteArray HostilePack::deltaHeader(quint64 sourceSize, quint64 targetSize)
{
    return varint(sourceSize) + varint(targetSize);
}

QByteArray HostilePack::copyOp(quint64 offset, quint64 size)
{
    unsigned char op = 0x80;
    QByteArray args;
    for (int i = 0; i < 4; ++i) {
        if (const unsigned char b = (offset >> (8 * i)) & 0xff) {
            op |= 1 << i;
            args.append(char(b));
        }
    }
    for (int i = 0; i < 3; ++i) {
        if (const unsigned char b = (size >> (8 * i)) & 0xff) {
            op |= 0x10 << i;
            args.append(char(b));
        }
    }
    return char(op) + args;
}

QByteArray HostilePack::insertOp(const QByteArray &bytes)
{
    return char(bytes.size()) + bytes;
}

QByteArray HostilePack::copyAll(quint64 size)
{
    QByteArray ops;
    const quint64 piece = 0xff0000; // a multiple of 64 KiB, under the 24-bit limit
    for (quint64 at = 0; at < size; at += piece)
        ops += copyOp(at, std::min(piece, size - at));
    return ops;
}

QByteArray HostilePack::loopPack()
{
    const QByteArray content("hello");
    const QByteArray id = objectId(Blob, content);
    Entry blob{Blob, content, {}, -1, 0};
    Entry same{RefDelta, deltaHeader(5, 5) + copyOp(0, 5), id, -1, 0};
    Entry missing{RefDelta, deltaHeader(5, 5) + copyOp(0, 5), QByteArray(20, '\x42'), -1, 0};
    return build({blob, same, missing});
}

QByteArray HostilePack::missingBasePack()
{
    const QByteArray content("a blob of ours\n");
    Entry blob{Blob, content, {}, -1, 0};
    Entry missing{RefDelta, deltaHeader(9, 4) + insertOp("abcd"), QByteArray(20, '\x42'), -1, 0};
    return build({blob, missing});
}

QByteArray HostilePack::duplicatePack()
{
    const QByteArray content("twice\n");
    return build({Entry{Blob, content, {}, -1, 0}, Entry{Blob, content, {}, -1, 0}});
}

QByteArray HostilePack::hugeDeclaredDeltaPack(quint64 declared)
{
    const QByteArray content(4096, 'x');
    QByteArray delta = deltaHeader(4096, declared);
    const QByteArray op = copyOp(0, 4096);
    // Enough real ops to produce far more than any budget, compressed to little.
    QByteArray ops;
    for (int i = 0; i < 1 << 20; ++i)
        ops += op;
    return build({Entry{Blob, content, {}, -1, 0}, Entry{OfsDelta, delta + ops, {}, 0, 0}});
}

QByteArray HostilePack::amplificationPack(int chain, qint64 blobSize)
{
    QList<Entry> entries;
    entries.append(Entry{Blob, {}, {}, -1, blobSize});
    int base = 0;
    quint64 size = quint64(blobSize);
    for (int i = 0; i < chain; ++i) {
        // Next link: the base plus one byte; side: the base plus another.
        const QByteArray next = deltaHeader(size, size + 1) + copyAll(size)
                                + insertOp(QByteArray(1, char('a' + i % 26)));
        const QByteArray side = deltaHeader(size, size + 1) + copyAll(size) + insertOp("#");
        entries.append(Entry{OfsDelta, next, {}, base, 0});
        entries.append(Entry{OfsDelta, side, {}, base, 0});
        base = entries.size() - 2;
        size += 1;
    }
    return build(entries);
}

QByteArray HostilePack::binaryTreePack(int depth, qint64 blobSize)
{
    QList<Entry> entries;
    entries.append(Entry{Blob, {}, {}, -1, blobSize});
    QList<int> level{0};
    QList<quint64> sizes{quint64(blobSize)};
    int tag = 0;
    for (int d = 1; d < depth; ++d) {
        QList<int> nextLevel;
        QList<quint64> nextSizes;
        for (int k = 0; k < level.size(); ++k) {
            for (int side = 0; side < 2; ++side) {
                const quint64 s = sizes[k];
                const QByteArray tail = QByteArray::number(tag++).rightJustified(8, '0');
                entries.append(Entry{
                    OfsDelta, deltaHeader(s, s + 8) + copyAll(s) + insertOp(tail), {}, level[k], 0});
                nextLevel.append(entries.size() - 1);
                nextSizes.append(s + 8);
            }
        }
        level = nextLevel;
        sizes = nextSizes;
    }
    return build(entries);
}

namespace {

constexpr quint64 kMiB = quint64(1) << 20;

// `size` bytes made of whole copies of a 1 MiB base, then `tail` inserted.
QByteArray copiesOfBase(quint64 size, const QByteArray &tail = {})
{
    QByteArray ops;
    const QByteArray whole = HostilePack::copyOp(0, kMiB);
    const quint64 body = size - quint64(tail.size());
    for (quint64 at = 0; at + kMiB <= body; at += kMiB)
        ops += whole;
    if (const quint64 rest = body % kMiB)
        ops += HostilePack::copyOp(0, rest);
    if (!tail.isEmpty())
        ops += HostilePack::insertOp(tail);
    return ops;
}

// A 1 MiB blob that is not all zeros (so no link equals another by chance).
QByteArray baseBlob()
{
    QByteArray b(int(kMiB), 'r');
    for (int i = 0; i < b.size(); i += 4096)
        b[i] = char('a' + (i / 4096) % 26);
    return b;
}

} // namespace

QByteArray HostilePack::chainedHugeDeltaPack(int chain, quint64 declared)
{
    QList<Entry> entries{Entry{Blob, baseBlob(), {}, -1, 0}};
    entries.append(Entry{OfsDelta, deltaHeader(kMiB, declared) + copiesOfBase(declared), {}, 0, 0});
    for (int i = 1; i < chain; ++i) {
        // The previous link whole but its last byte, and a byte of its own.
        const QByteArray ops = copyAll(declared - 1) + insertOp(QByteArray(1, char('A' + i % 26)));
        entries.append(
            Entry{OfsDelta, deltaHeader(declared, declared) + ops, {}, int(entries.size()) - 1, 0});
    }
    return build(entries);
}

QByteArray HostilePack::siblingHugeDeltasPack(int count, quint64 declared)
{
    QList<Entry> entries{Entry{Blob, baseBlob(), {}, -1, 0}};
    for (int i = 0; i < count; ++i) {
        const QByteArray tail = QByteArray::number(i).rightJustified(8, '0');
        entries.append(
            Entry{OfsDelta, deltaHeader(kMiB, declared) + copiesOfBase(declared, tail), {}, 0, 0});
    }
    return build(entries);
}

QByteArray HostilePack::farCopyDeltaPack(quint64 declared)
{
    const QByteArray ops = copiesOfBase(declared - kMiB) + copyOp(quint64(2) << 30, kMiB);
    return build({Entry{Blob, baseBlob(), {}, -1, 0},
                  Entry{OfsDelta, deltaHeader(kMiB, declared) + ops, {}, 0, 0}});
}

QByteArray HostilePack::shortDeltaPack(quint64 declared)
{
    return build({Entry{Blob, baseBlob(), {}, -1, 0},
                  Entry{OfsDelta, deltaHeader(kMiB, declared) + copyOp(0, kMiB), {}, 0, 0}});
}

} // namespace repodeck::test
