#pragma once

#include "git/pack/PackFormat.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QString>

#include <zlib.h>

namespace repodeck::core::git::pack {

// Reads a pack stream as it arrives (libgit2's packfile_parser.c does the
// same job): entry headers, each zlib stream (inflated into a scratch
// buffer only to find where it ends and to check its size), the trailing
// checksum. Holds no more of the stream than one unparsed piece.
class PackParser
{
public:
    explicit PackParser(quint64 maxObjectSize = kMaxObjectSize);
    ~PackParser();
    PackParser(const PackParser &) = delete;
    PackParser &operator=(const PackParser &) = delete;

    // False once the stream is known to be bad; error() says why.
    bool feed(const char *data, size_t size);
    // The stream ended: false unless it was one whole pack with a good checksum.
    bool finish();

    const QString &error() const { return m_error; }
    quint32 declaredCount() const { return m_count; }
    PackTable &entries() { return m_entries; }
    const QByteArray &trailer() const { return m_trailer; }
    quint64 bytesSeen() const { return m_bufStart + static_cast<quint64>(m_buf.size()); }

private:
    enum class State { Header, EntryHead, Inflating, Trailer, Done, Failed };
    enum class Step { Progress, NeedMore, Failed };

    bool fail(const QString &why);
    Step bad(const QString &why);
    Step parseHeader(const uchar *p, qsizetype avail);
    Step parseEntryHead(const uchar *p, qsizetype avail);
    Step parseInflating(const uchar *p, qsizetype avail);

    quint64 m_maxObjectSize;
    State m_state = State::Header;
    QString m_error;
    QByteArray m_buf;
    qsizetype m_pos = 0;
    quint64 m_bufStart = 0;
    quint32 m_count = 0;
    quint64 m_cost = 0; // of the entries so far, in quarters (kPlainCost)
    quint32 m_deltas = 0;
    PackTable m_entries;
    PackEntry m_current;
    z_stream m_z{};
    bool m_zActive = false;
    unsigned char m_scratch[64 * 1024];
    QCryptographicHash m_checksum{QCryptographicHash::Sha1};
    QByteArray m_tail;
    QByteArray m_trailer;
};

} // namespace repodeck::core::git::pack
