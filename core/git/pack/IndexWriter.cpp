#include "git/pack/IndexWriter.h"

#include <QCryptographicHash>
#include <QFile>

#include <algorithm>

namespace repodeck::core::git::pack {

namespace {

std::vector<quint32> sortedById(const PackTable &entries)
{
    std::vector<quint32> order;
    order.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].resolved)
            order.push_back(static_cast<quint32>(i));
    std::sort(order.begin(), order.end(), [&](quint32 a, quint32 b) {
        return git_oid_cmp(&entries.oid(a), &entries.oid(b)) < 0;
    });
    return order;
}

// The index's bytes through a 64 KiB buffer into the sink, hashed on the way.
class Out
{
public:
    explicit Out(const std::function<bool(const char *, size_t)> &sink)
        : m_sink(sink)
    {
        m_buf.reserve(kPiece);
    }
    bool append(const char *data, size_t size)
    {
        m_hash.addData(QByteArrayView(data, static_cast<qsizetype>(size)));
        m_buf.append(data, static_cast<qsizetype>(size));
        return m_buf.size() < kPiece || flush();
    }
    bool be32(quint32 v)
    {
        const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
        return append(b, 4);
    }
    bool flush()
    {
        const bool ok = m_buf.isEmpty()
                        || m_sink(m_buf.constData(), static_cast<size_t>(m_buf.size()));
        m_buf.clear();
        return ok;
    }
    bool finish()
    {
        const QByteArray sum = m_hash.result();
        return append(sum.constData(), static_cast<size_t>(sum.size())) && flush();
    }

private:
    static constexpr qsizetype kPiece = 64 * 1024;
    const std::function<bool(const char *, size_t)> &m_sink;
    QByteArray m_buf;
    QCryptographicHash m_hash{QCryptographicHash::Sha1};
};

} // namespace

bool findDuplicate(const PackTable &entries, git_oid *duplicate)
{
    const std::vector<quint32> order = sortedById(entries);
    for (size_t i = 1; i < order.size(); ++i) {
        if (git_oid_equal(&entries.oid(order[i - 1]), &entries.oid(order[i]))) {
            *duplicate = entries.oid(order[i]);
            return true;
        }
    }
    return false;
}

bool writeIndex(const PackTable &entries, const QByteArray &packChecksum,
                const std::function<bool(const char *, size_t)> &sink, QString *error)
{
    const size_t n = entries.size();
    const std::vector<quint32> order = sortedById(entries);
    if (order.size() != n) {
        *error = QStringLiteral("the pack has %1 unresolved objects").arg(n - order.size());
        return false;
    }
    for (size_t i = 1; i < n; ++i) {
        if (git_oid_equal(&entries.oid(order[i - 1]), &entries.oid(order[i]))) {
            *error = QStringLiteral("duplicate object %1 found in pack")
                         .arg(QString::fromLatin1(git_oid_tostr_s(&entries.oid(order[i]))));
            return false;
        }
    }
    Out out(sink);
    bool ok = out.append("\377tOc", 4) && out.be32(2);
    quint32 fanout[256] = {};
    for (size_t i = 0; i < n; ++i)
        ++fanout[entries.oid(i).id[0]];
    quint32 running = 0;
    for (quint32 f : fanout) {
        running += f;
        ok = ok && out.be32(running);
    }
    for (size_t k = 0; ok && k < n; ++k)
        ok = out.append(reinterpret_cast<const char *>(entries.oid(order[k]).id), GIT_OID_RAWSZ);
    for (size_t k = 0; ok && k < n; ++k)
        ok = out.be32(entries[order[k]].crc);
    quint32 largeCount = 0;
    for (size_t k = 0; ok && k < n; ++k) {
        const quint64 off = entries[order[k]].offset;
        ok = off < 0x80000000u ? out.be32(static_cast<quint32>(off))
                               : out.be32(0x80000000u | largeCount++);
    }
    // Offsets past 2 GiB, in the same order (a second pass: nothing kept).
    for (size_t k = 0; ok && largeCount > 0 && k < n; ++k) {
        const quint64 off = entries[order[k]].offset;
        if (off >= 0x80000000u)
            ok = out.be32(static_cast<quint32>(off >> 32))
                 && out.be32(static_cast<quint32>(off & 0xffffffffu));
    }
    ok = ok && out.append(packChecksum.constData(), static_cast<size_t>(packChecksum.size()))
         && out.finish();
    return ok;
}

bool buildIndex(const PackTable &entries, const QByteArray &packChecksum, QByteArray *idx,
                QString *error)
{
    idx->clear();
    return writeIndex(
        entries, packChecksum,
        [&](const char *data, size_t size) {
        idx->append(data, static_cast<qsizetype>(size));
        return true;
        },
        error);
}

bool writeIndexFile(const PackTable &entries, const QByteArray &packChecksum, const QString &path,
                    QString *error, IoFailure *failure, bool *isIo)
{
    *isIo = false;
    const QString temp = path + QStringLiteral(".tmp");
    QFile::remove(temp);
    PackFile f;
    if (!f.create(temp)) {
        *failure = f.failure();
        *isIo = true;
        return false;
    }
    const bool ok = writeIndex(
        entries, packChecksum, [&](const char *data, size_t size) { return f.write(data, size); },
        error);
    if (!ok || !f.sync() || !f.close()) {
        if (error->isEmpty()) {
            *failure = f.failure();
            *isIo = true;
        }
        f.close();
        QFile::remove(temp);
        return false;
    }
    if (!renameFile(temp, path, failure)) {
        *isIo = true;
        QFile::remove(temp);
        return false;
    }
    return true;
}

} // namespace repodeck::core::git::pack
