#include "git/pack/IndexWriter.h"

#include <QCryptographicHash>

#include <algorithm>

namespace repodeck::core::git::pack {

namespace {

void putBe32(QByteArray &out, quint32 v)
{
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

std::vector<quint32> sortedById(const std::vector<PackEntry> &entries)
{
    std::vector<quint32> order;
    order.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].resolved)
            order.push_back(static_cast<quint32>(i));
    std::sort(order.begin(), order.end(),
              [&](quint32 a, quint32 b) { return git_oid_cmp(&entries[a].oid, &entries[b].oid) < 0; });
    return order;
}

} // namespace

bool findDuplicate(const std::vector<PackEntry> &entries, git_oid *duplicate)
{
    const std::vector<quint32> order = sortedById(entries);
    for (size_t i = 1; i < order.size(); ++i) {
        if (git_oid_equal(&entries[order[i - 1]].oid, &entries[order[i]].oid)) {
            *duplicate = entries[order[i]].oid;
            return true;
        }
    }
    return false;
}

bool buildIndex(const std::vector<PackEntry> &entries, const QByteArray &packChecksum, QByteArray *idx,
                QString *error)
{
    const size_t n = entries.size();
    const std::vector<quint32> order = sortedById(entries);
    if (order.size() != n) {
        *error = QStringLiteral("the pack has %1 unresolved objects").arg(n - order.size());
        return false;
    }
    for (size_t i = 1; i < n; ++i) {
        if (git_oid_equal(&entries[order[i - 1]].oid, &entries[order[i]].oid)) {
            *error = QStringLiteral("duplicate object %1 found in pack")
                         .arg(QString::fromLatin1(git_oid_tostr_s(&entries[order[i]].oid)));
            return false;
        }
    }
    QByteArray &out = *idx;
    out.clear();
    out.reserve(static_cast<qsizetype>(8 + 1024 + n * 28 + 40));
    out.append("\377tOc", 4);
    putBe32(out, 2);
    quint32 fanout[256] = {};
    for (const PackEntry &e : entries)
        ++fanout[e.oid.id[0]];
    quint32 running = 0;
    for (quint32 &f : fanout) {
        running += f;
        f = running;
    }
    for (quint32 f : fanout)
        putBe32(out, f);
    for (quint32 i : order)
        out.append(reinterpret_cast<const char *>(entries[i].oid.id), GIT_OID_RAWSZ);
    for (quint32 i : order)
        putBe32(out, entries[i].crc);
    QByteArray large;
    quint32 largeCount = 0;
    for (quint32 i : order) {
        const quint64 off = entries[i].offset;
        if (off < 0x80000000u) {
            putBe32(out, static_cast<quint32>(off));
        } else {
            putBe32(out, 0x80000000u | largeCount++);
            putBe32(large, static_cast<quint32>(off >> 32));
            putBe32(large, static_cast<quint32>(off & 0xffffffffu));
        }
    }
    out.append(large);
    out.append(packChecksum);
    out.append(QCryptographicHash::hash(out, QCryptographicHash::Sha1));
    return true;
}

} // namespace repodeck::core::git::pack
