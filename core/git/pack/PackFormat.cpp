#include "git/pack/PackFormat.h"

#include <QString>

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace repodeck::core::git::pack {

bool inflateEntry(const unsigned char *in, size_t inSize, quint64 size, Bytes &out)
{
    if (size > kMaxObjectSize)
        return false;
    out.resize(static_cast<size_t>(size));
    unsigned char dummy = 0;
    z_stream z{};
    if (inflateInit(&z) != Z_OK)
        return false;
    // zlib counts in 32 bits: feed and drain it in pieces of at most 1 GiB.
    quint64 inLeft = inSize;
    unsigned char *outAt = out.empty() ? &dummy : out.data();
    quint64 outLeft = out.size();
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (z.avail_in == 0 && inLeft > 0) {
            z.next_in = const_cast<unsigned char *>(in);
            z.avail_in = static_cast<uInt>(std::min<quint64>(inLeft, 1u << 30));
            in += z.avail_in;
            inLeft -= z.avail_in;
        }
        if (z.avail_out == 0 && outLeft > 0) {
            z.next_out = outAt;
            z.avail_out = static_cast<uInt>(std::min<quint64>(outLeft, 1u << 30));
            outAt += z.avail_out;
            outLeft -= z.avail_out;
        }
        if (z.avail_out == 0) {
            // Room for zlib to say the stream ended; a stream that has more
            // to give than `size` stops here with Z_BUF_ERROR.
            z.next_out = &dummy;
            z.avail_out = 0;
        }
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR
            && ((inLeft > 0 && z.avail_in == 0) || (outLeft > 0 && z.avail_out == 0)))
            rc = Z_OK; // it only wanted the next piece
    }
    const bool ok = rc == Z_STREAM_END && z.total_out == size;
    inflateEnd(&z);
    return ok;
}

namespace {

bool readVarint(const unsigned char *&p, const unsigned char *end, quint64 *size)
{
    quint64 v = 0;
    int shift = 0;
    unsigned char c = 0;
    do {
        if (p >= end || shift > 63)
            return false;
        c = *p++;
        v |= static_cast<quint64>(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    *size = v;
    return true;
}

} // namespace

const char *describe(DeltaError error)
{
    switch (error) {
    case DeltaError::None: return "no error";
    case DeltaError::Truncated: return "the delta ends early";
    case DeltaError::SourceMismatch: return "the delta was made for a base of another size";
    case DeltaError::TooLarge: return "the delta's result would be larger than 2 GiB";
    case DeltaError::CopyOutOfRange: return "the delta copies from beyond its base";
    case DeltaError::TargetOverflow: return "the delta produces more than it declares";
    case DeltaError::ReservedOpcode: return "the delta uses a reserved opcode";
    case DeltaError::ShortResult: return "the delta produces less than it declares";
    }
    return "unknown delta error";
}

bool readDeltaSizes(const unsigned char *delta, size_t size, quint64 *source, quint64 *target)
{
    const unsigned char *p = delta;
    const unsigned char *end = delta + size;
    return readVarint(p, end, source) && readVarint(p, end, target);
}

DeltaError applyDelta(const unsigned char *base, size_t baseSize, const unsigned char *delta,
                      size_t deltaSize, quint64 maxResult, Bytes &out)
{
    const unsigned char *p = delta;
    const unsigned char *end = delta + deltaSize;
    quint64 sourceSize = 0, targetSize = 0;
    if (!readVarint(p, end, &sourceSize) || !readVarint(p, end, &targetSize))
        return DeltaError::Truncated;
    if (sourceSize != baseSize)
        return DeltaError::SourceMismatch;
    if (targetSize > maxResult || targetSize > kMaxObjectSize)
        return DeltaError::TooLarge;
    // Sized from the checked header: pages a hostile delta never writes are
    // never touched, so they cost address space, not memory.
    out.resize(static_cast<size_t>(targetSize));
    unsigned char *o = out.data();
    quint64 left = targetSize;
    while (p < end) {
        const unsigned char op = *p++;
        if (op & 0x80) {
            quint64 off = 0, n = 0;
            for (int i = 0; i < 4; ++i) {
                if (op & (1 << i)) {
                    if (p >= end)
                        return DeltaError::Truncated;
                    off |= static_cast<quint64>(*p++) << (8 * i);
                }
            }
            for (int i = 0; i < 3; ++i) {
                if (op & (0x10 << i)) {
                    if (p >= end)
                        return DeltaError::Truncated;
                    n |= static_cast<quint64>(*p++) << (8 * i);
                }
            }
            if (n == 0)
                n = 0x10000;
            if (off > baseSize || n > baseSize - off)
                return DeltaError::CopyOutOfRange;
            if (n > left)
                return DeltaError::TargetOverflow;
            std::memcpy(o, base + off, static_cast<size_t>(n));
            o += n;
            left -= n;
        } else if (op) {
            if (op > end - p)
                return DeltaError::Truncated;
            if (op > left)
                return DeltaError::TargetOverflow;
            std::memcpy(o, p, op);
            p += op;
            o += op;
            left -= op;
        } else {
            return DeltaError::ReservedOpcode;
        }
    }
    return left == 0 ? DeltaError::None : DeltaError::ShortResult;
}

Bytes objectHeader(PackType type, quint64 size)
{
    Bytes h;
    unsigned char c = static_cast<unsigned char>((type << 4) | (size & 15));
    size >>= 4;
    while (size) {
        h.push_back(c | 0x80);
        c = static_cast<unsigned char>(size & 0x7f);
        size >>= 7;
    }
    h.push_back(c);
    return h;
}

} // namespace repodeck::core::git::pack

namespace repodeck::core::git::pack {

quint32 maxPackObjects()
{
    bool ok = false;
    const quint32 n = qEnvironmentVariable("REPODECK_PACK_MAX_OBJECTS").toUInt(&ok);
    return ok && n > 0 ? n : kMaxPackObjects;
}

git_oid PackTable::baseOid(const unsigned char *pack, const PackEntry &e)
{
    git_oid id{};
    if (e.type == RefDelta && e.headerSize >= GIT_OID_RAWSZ)
        git_oid_fromraw(&id, pack + e.data() - GIT_OID_RAWSZ);
    return id;
}

} // namespace repodeck::core::git::pack
