#include "git/pack/DeltaStream.h"

#include <algorithm>
#include <cstring>

namespace repodeck::core::git::pack {

bool ObjectView::read(quint64 offset, size_t n, unsigned char *out) const
{
    if (offset > size || n > size - offset)
        return false;
    if (data) {
        std::memcpy(out, data + offset, n);
        return true;
    }
    return file && file->readAt(offset, out, n);
}

Inflater::Inflater(const unsigned char *in, quint64 inSize)
    : m_in(in)
    , m_inLeft(inSize)
{
    m_ok = inflateInit(&m_z) == Z_OK;
}

Inflater::~Inflater()
{
    if (m_ok)
        inflateEnd(&m_z);
}

bool Inflater::read(unsigned char *out, size_t max, size_t *got)
{
    *got = 0;
    if (!m_ok)
        return false;
    if (m_ended)
        return true;
    m_z.next_out = out;
    m_z.avail_out = static_cast<uInt>(std::min<size_t>(max, 1u << 30));
    while (m_z.avail_out > 0) {
        if (m_z.avail_in == 0 && m_inLeft > 0) {
            m_z.next_in = const_cast<unsigned char *>(m_in);
            m_z.avail_in = static_cast<uInt>(std::min<quint64>(m_inLeft, 1u << 30));
            m_in += m_z.avail_in;
            m_inLeft -= m_z.avail_in;
        }
        const int rc = inflate(&m_z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            m_ended = true;
            break;
        }
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && m_z.avail_in == 0 && m_inLeft > 0))
            return m_ok = false;
    }
    *got = static_cast<size_t>(m_z.next_out - out);
    return true;
}

bool ObjectSink::write(const unsigned char *data, size_t size)
{
    if (stopped())
        return false;
    if (m_work && ((m_written + size) >> 20) != (m_written >> 20))
        ++*m_work;
    m_written += size;
    if (m_hasher && !m_hasher->update(data, size))
        return false;
    if (!m_file)
        return true;
    if (m_buffer.size() + size > kStreamPiece && !flush())
        return false;
    if (size >= kStreamPiece) {
        if (!m_file->append(data, size))
            return !(m_fileFailed = true);
        return true;
    }
    m_buffer.insert(m_buffer.end(), data, data + size);
    return true;
}

bool ObjectSink::flush()
{
    if (!m_file || m_buffer.empty())
        return true;
    const bool ok = m_file->append(m_buffer.data(), m_buffer.size());
    m_buffer.clear();
    if (!ok)
        m_fileFailed = true;
    return ok;
}

StreamResult streamObject(const unsigned char *in, quint64 inSize, quint64 size, ObjectSink &sink)
{
    Inflater z(in, inSize);
    Bytes piece(kStreamPiece);
    size_t got = 0;
    do {
        if (!z.read(piece.data(), piece.size(), &got) || z.total() > size)
            return StreamResult::Corrupt;
        if (got && !sink.write(piece.data(), got))
            return sink.stopped() ? StreamResult::Stopped : StreamResult::SinkFailed;
    } while (got > 0);
    if (!z.ended() || z.total() != size)
        return StreamResult::Corrupt;
    return sink.flush() ? StreamResult::Ok : StreamResult::SinkFailed;
}

namespace {

// A delta's ops read from its inflating stream, whatever the piece
// boundaries: the longest op (an insert) is 128 bytes, kept contiguous.
class DeltaOps
{
public:
    DeltaOps(const unsigned char *in, quint64 inSize)
        : m_z(in, inSize)
        , m_buf(kStreamPiece + 128)
    {
    }

    // At least `n` bytes available (fewer only at the end of the stream).
    bool fill(size_t n)
    {
        if (m_len - m_pos >= n || m_z.ended())
            return true;
        std::memmove(m_buf.data(), m_buf.data() + m_pos, m_len - m_pos);
        m_len -= m_pos;
        m_pos = 0;
        while (m_len < n && !m_z.ended()) {
            size_t got = 0;
            if (!m_z.read(m_buf.data() + m_len, m_buf.size() - m_len, &got))
                return false;
            m_len += got;
            if (got == 0)
                break;
        }
        return true;
    }
    size_t avail() const { return m_len - m_pos; }
    const unsigned char *at() const { return m_buf.data() + m_pos; }
    void skip(size_t n) { m_pos += n; }
    bool atEnd() { return fill(1) && avail() == 0; }
    quint64 total() const { return m_z.total(); }
    bool ended() const { return m_z.ended(); }

    bool varint(quint64 *v)
    {
        if (!fill(10))
            return false;
        quint64 out = 0;
        int shift = 0;
        unsigned char c = 0;
        do {
            if (avail() == 0 || shift > 63)
                return false;
            c = *at();
            skip(1);
            out |= static_cast<quint64>(c & 0x7f) << shift;
            shift += 7;
        } while (c & 0x80);
        *v = out;
        return true;
    }

private:
    Inflater m_z;
    Bytes m_buf;
    size_t m_pos = 0;
    size_t m_len = 0;
};

struct Op
{
    bool copy = false;
    quint64 offset = 0;
    quint64 size = 0;
    const unsigned char *bytes = nullptr; // an insert's
};

// The next op, checked against the base and what is left to make.
DeltaError nextOp(DeltaOps &ops, quint64 baseSize, quint64 left, Op *op)
{
    if (!ops.fill(128))
        return DeltaError::Truncated;
    const unsigned char *p = ops.at();
    const unsigned char *end = p + ops.avail();
    const unsigned char c = *p++;
    if (c & 0x80) {
        quint64 off = 0, n = 0;
        for (int i = 0; i < 4; ++i) {
            if (c & (1 << i)) {
                if (p >= end)
                    return DeltaError::Truncated;
                off |= static_cast<quint64>(*p++) << (8 * i);
            }
        }
        for (int i = 0; i < 3; ++i) {
            if (c & (0x10 << i)) {
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
        *op = Op{true, off, n, nullptr};
    } else if (c) {
        if (c > end - p)
            return DeltaError::Truncated;
        if (c > left)
            return DeltaError::TargetOverflow;
        *op = Op{false, 0, c, p};
        p += c;
    } else {
        return DeltaError::ReservedOpcode;
    }
    ops.skip(static_cast<size_t>(p - ops.at()));
    return DeltaError::None;
}

// One pass over the ops: with no sink, only the checks.
StreamResult deltaPass(const unsigned char *in, quint64 inSize, quint64 deltaSize,
                       const ObjectView &base, quint64 maxResult, ObjectSink *sink,
                       const ObjectSink &stopSource, DeltaError *deltaError)
{
    DeltaOps ops(in, inSize);
    auto bad = [&](DeltaError e) {
        *deltaError = e;
        return StreamResult::BadDelta;
    };
    quint64 source = 0, target = 0;
    if (!ops.varint(&source) || !ops.varint(&target))
        return bad(DeltaError::Truncated);
    if (source != base.size)
        return bad(DeltaError::SourceMismatch);
    if (target > maxResult || target > kMaxObjectSize)
        return bad(DeltaError::TooLarge);
    Bytes piece(sink && !base.data ? kStreamPiece : 0);
    quint64 left = target;
    for (quint64 n = 0; !ops.atEnd(); ++n) {
        if (ops.total() > deltaSize)
            return StreamResult::Corrupt;
        if ((n & 0xfff) == 0 && stopSource.stopped())
            return StreamResult::Stopped;
        Op op;
        if (const DeltaError e = nextOp(ops, base.size, left, &op); e != DeltaError::None)
            return bad(e);
        left -= op.size;
        if (!sink)
            continue;
        if (!op.copy) {
            if (!sink->write(op.bytes, static_cast<size_t>(op.size)))
                return sink->stopped() ? StreamResult::Stopped : StreamResult::SinkFailed;
        } else if (base.data) {
            if (!sink->write(base.data + op.offset, static_cast<size_t>(op.size)))
                return sink->stopped() ? StreamResult::Stopped : StreamResult::SinkFailed;
        } else {
            for (quint64 at = 0; at < op.size;) {
                const size_t n = static_cast<size_t>(std::min<quint64>(op.size - at, piece.size()));
                if (!base.read(op.offset + at, n, piece.data()))
                    return StreamResult::BaseReadFailed;
                if (!sink->write(piece.data(), n))
                    return sink->stopped() ? StreamResult::Stopped : StreamResult::SinkFailed;
                at += n;
            }
        }
    }
    if (!ops.ended() || ops.total() != deltaSize)
        return StreamResult::Corrupt;
    if (left != 0)
        return bad(DeltaError::ShortResult);
    return !sink || sink->flush() ? StreamResult::Ok : StreamResult::SinkFailed;
}

} // namespace

StreamResult streamDelta(const unsigned char *in, quint64 inSize, quint64 deltaSize,
                         const ObjectView &base, quint64 maxResult, ObjectSink &sink,
                         DeltaError *deltaError)
{
    *deltaError = DeltaError::None;
    const StreamResult checked = deltaPass(in, inSize, deltaSize, base, maxResult, nullptr, sink,
                                           deltaError);
    if (checked != StreamResult::Ok)
        return checked;
    return deltaPass(in, inSize, deltaSize, base, maxResult, &sink, sink, deltaError);
}

bool peekDeltaSizes(const unsigned char *in, quint64 inSize, quint64 *source, quint64 *target)
{
    Inflater z(in, inSize);
    unsigned char head[20];
    size_t have = 0, got = 0;
    do {
        if (!z.read(head + have, sizeof head - have, &got))
            return false;
        have += got;
    } while (got > 0 && have < sizeof head);
    return readDeltaSizes(head, have, source, target);
}

} // namespace repodeck::core::git::pack
