#include "git/pack/PackParser.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace repodeck::core::git::pack {

namespace {

quint32 be32(const uchar *p)
{
    return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3];
}

} // namespace

PackParser::PackParser(quint64 maxObjectSize)
    : m_maxObjectSize(std::min(maxObjectSize, kMaxObjectSize))
{
}

PackParser::~PackParser()
{
    if (m_zActive)
        inflateEnd(&m_z);
}

bool PackParser::fail(const QString &why)
{
    if (m_state != State::Failed)
        m_error = why;
    m_state = State::Failed;
    return false;
}

bool PackParser::feed(const char *data, size_t size)
{
    if (m_state == State::Failed)
        return false;
    // The pack checksum covers everything but the last 20 bytes, which are
    // not known to be the last until the stream ends: hold them back.
    m_tail.append(data, static_cast<qsizetype>(size));
    if (m_tail.size() > GIT_OID_RAWSZ) {
        m_checksum.addData(QByteArrayView(m_tail.constData(), m_tail.size() - GIT_OID_RAWSZ));
        m_tail = m_tail.right(GIT_OID_RAWSZ);
    }
    m_buf.append(data, static_cast<qsizetype>(size));
    while (true) {
        const qsizetype avail = m_buf.size() - m_pos;
        const auto *p = reinterpret_cast<const uchar *>(m_buf.constData()) + m_pos;
        Step step = Step::NeedMore;
        switch (m_state) {
        case State::Header: step = parseHeader(p, avail); break;
        case State::EntryHead: step = parseEntryHead(p, avail); break;
        case State::Inflating: step = parseInflating(p, avail); break;
        case State::Trailer:
            if (avail >= GIT_OID_RAWSZ) {
                m_trailer = QByteArray(reinterpret_cast<const char *>(p), GIT_OID_RAWSZ);
                m_pos += GIT_OID_RAWSZ;
                m_state = State::Done;
                step = Step::Progress;
            }
            break;
        case State::Done:
            if (avail > 0)
                return fail(QStringLiteral("corrupt pack: data after its checksum"));
            break;
        case State::Failed: return false;
        }
        if (step == Step::Failed)
            return false;
        if (step == Step::NeedMore)
            break;
    }
    // Drop what was parsed (cheaply: not on every small step).
    if (m_pos > (1 << 20) || m_pos == m_buf.size()) {
        m_buf.remove(0, m_pos);
        m_bufStart += static_cast<quint64>(m_pos);
        m_pos = 0;
    }
    return true;
}

PackParser::Step PackParser::bad(const QString &why)
{
    fail(why);
    return Step::Failed;
}

PackParser::Step PackParser::parseHeader(const uchar *p, qsizetype avail)
{
    if (avail < 12)
        return Step::NeedMore;
    if (std::memcmp(p, "PACK", 4) != 0)
        return bad(QStringLiteral("the server sent something that is not a pack"));
    const quint32 version = be32(p + 4);
    if (version != 2 && version != 3)
        return bad(QStringLiteral("pack version %1 is not supported").arg(version));
    m_count = be32(p + 8);
    // Refused from the header alone, before anything is allocated for it.
    if (const quint32 limit = maxPackObjects(); m_count > limit)
        return bad(
            QStringLiteral(
                "the pack declares %1 objects, over RepoDeck's limit of %2 objects in one pack "
                "(it keeps indexing under 400 MiB; a larger repository, such as the Linux "
                "kernel's 10 million, needs REPODECK_PACK_MAX_OBJECTS raised and about 55 "
                "bytes of memory an object)")
                .arg(m_count)
                .arg(limit));
    // All of it at once (no copy when growing): pages are only used as
    // entries arrive, so a header that lies costs address space only.
    m_entries.reserve(m_count);
    m_pos += 12;
    m_state = m_count ? State::EntryHead : State::Trailer;
    return Step::Progress;
}

PackParser::Step PackParser::parseEntryHead(const uchar *p, qsizetype avail)
{
    qsizetype i = 0;
    auto next = [&](uchar *c) {
        if (i >= avail)
            return false;
        *c = p[i++];
        return true;
    };
    uchar c = 0;
    if (!next(&c))
        return Step::NeedMore;
    PackEntry e;
    e.offset = m_bufStart + static_cast<quint64>(m_pos);
    e.type = (c >> 4) & 7;
    quint64 size = c & 15;
    int shift = 4;
    while (c & 0x80) {
        if (!next(&c))
            return Step::NeedMore;
        if (shift > 57)
            return bad(QStringLiteral("corrupt pack: object size too large"));
        size |= static_cast<quint64>(c & 0x7f) << shift;
        shift += 7;
    }
    if (size > m_maxObjectSize)
        return bad(
            QStringLiteral(
                "the pack holds an object of %1 bytes at offset %2, over the limit of %3 bytes")
                .arg(size)
                .arg(e.offset)
                .arg(m_maxObjectSize));
    e.size = static_cast<quint32>(size); // at most kMaxObjectSize
    if (e.type == OfsDelta) {
        if (!next(&c))
            return Step::NeedMore;
        quint64 distance = c & 0x7f;
        while (c & 0x80) {
            if (!next(&c))
                return Step::NeedMore;
            if (distance > (std::numeric_limits<quint64>::max() >> 8))
                return bad(QStringLiteral("corrupt pack: delta base offset too large"));
            distance = ((distance + 1) << 7) | (c & 0x7f);
        }
        if (distance == 0 || distance > e.offset)
            return bad(QStringLiteral("corrupt pack: delta base before the pack start"));
        const quint64 baseOffset = e.offset - distance;
        const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), baseOffset,
                                         [](const PackEntry &x, quint64 off) {
            return x.offset < off;
        });
        if (it == m_entries.end() || it->offset != baseOffset)
            return bad(QStringLiteral("corrupt pack: delta base is not an object"));
        e.base = static_cast<quint32>(it - m_entries.begin());
    } else if (e.type == RefDelta) {
        if (avail - i < GIT_OID_RAWSZ)
            return Step::NeedMore;
        i += GIT_OID_RAWSZ; // the base id stays in the pack (PackTable::baseOid)
    } else if (e.type < Commit || e.type > Tag) {
        return bad(QStringLiteral("corrupt pack: unknown object type %1").arg(e.type));
    }
    // REF_DELTAs count for more than other objects against the object
    // limit (they take more memory to resolve): refused before they pile up.
    if (e.isDelta())
        ++m_deltas;
    m_cost += e.isDelta() ? deltaCost(e.type == RefDelta) : kPlainCost;
    if (const quint32 limit = maxPackObjects(); m_cost > quint64(limit) * kPlainCost)
        return bad(
            QStringLiteral(
                "the pack's %1 objects so far, %2 of them deltas, count as more than RepoDeck's "
                "limit of %3 objects in one pack (a REF delta counts as 1.75 objects: it takes "
                "that much more memory to resolve; REPODECK_PACK_MAX_OBJECTS raises the limit)")
                .arg(m_entries.size() + 1)
                .arg(m_deltas)
                .arg(limit));
    e.headerSize = static_cast<quint8>(i);
    e.crc = static_cast<quint32>(crc32(0, p, static_cast<uInt>(i)));
    m_pos += i;
    m_current = e;
    std::memset(&m_z, 0, sizeof m_z);
    if (inflateInit(&m_z) != Z_OK)
        return bad(QStringLiteral("zlib could not start"));
    m_zActive = true;
    m_state = State::Inflating;
    return Step::Progress;
}

PackParser::Step PackParser::parseInflating(const uchar *p, qsizetype avail)
{
    if (avail == 0)
        return Step::NeedMore;
    m_z.next_in = const_cast<uchar *>(p);
    m_z.avail_in = static_cast<uInt>(std::min<qsizetype>(avail, 1 << 30));
    int rc = Z_OK;
    do {
        m_z.next_out = m_scratch;
        m_z.avail_out = sizeof m_scratch;
        rc = inflate(&m_z, Z_NO_FLUSH);
        // A stream that inflates past its declared size is refused at once
        // (a zlib bomb behind a small header would otherwise run on).
        if (m_z.total_out > m_current.size)
            return bad(QStringLiteral(
                           "corrupt pack: the object at offset %1 is larger than its header says")
                           .arg(m_current.offset));
    } while (rc == Z_OK && m_z.avail_in > 0);
    const auto used = static_cast<qsizetype>(m_z.next_in - p);
    m_current.crc = static_cast<quint32>(crc32(m_current.crc, p, static_cast<uInt>(used)));
    m_pos += used;
    if (rc == Z_STREAM_END) {
        const bool sizeOk = m_z.total_out == m_current.size;
        inflateEnd(&m_z);
        m_zActive = false;
        if (!sizeOk)
            return bad(QStringLiteral("corrupt pack: an object's size does not match its header"));
        m_entries.push_back(m_current);
        m_entries.setEnd(m_bufStart + static_cast<quint64>(m_pos));
        m_state = m_entries.size() == m_count ? State::Trailer : State::EntryHead;
        return Step::Progress;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR)
        return bad(QStringLiteral("corrupt pack: bad zlib data (%1)").arg(rc));
    return Step::NeedMore;
}

bool PackParser::finish()
{
    if (m_state == State::Failed)
        return false;
    if (m_state != State::Done)
        return fail(QStringLiteral("early EOF: the pack ended before all its objects"));
    if (m_checksum.result() != m_trailer || m_tail != m_trailer)
        return fail(QStringLiteral("packfile trailer mismatch"));
    return true;
}

} // namespace repodeck::core::git::pack
