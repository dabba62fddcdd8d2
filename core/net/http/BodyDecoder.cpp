#include "net/http/BodyDecoder.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace repodeck::core::http {

namespace {
constexpr qint64 kMiB = 1024 * 1024;

QString mib(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(bytes / kMiB);
}
} // namespace

BodyLimits BodyLimits::inMemory()
{
    // The largest public ref advertisements are tens of MiB; real ones
    // compress 2 to 10 times (object ids are random hex).
    return BodyLimits{128 * kMiB, 200, 4 * kMiB};
}

BodyLimits BodyLimits::packStream()
{
    return BodyLimits{-1, 200, 4 * kMiB};
}

std::optional<BodyDecoder::Encoding> BodyDecoder::encodingOf(const QByteArray &contentEncoding)
{
    const QByteArray e = contentEncoding.trimmed().toLower();
    if (e.isEmpty() || e == "identity")
        return Encoding::Identity;
    if (e == "gzip" || e == "x-gzip")
        return Encoding::Gzip;
    if (e == "deflate")
        return Encoding::Deflate;
    return std::nullopt;
}

BodyDecoder::BodyDecoder(Encoding encoding, BodyLimits limits, QString what)
    : m_encoding(encoding)
    , m_limits(limits)
    , m_what(std::move(what))
{
    if (m_encoding == Encoding::Identity)
        return;
    // 15 + 32: zlib or gzip header, detected (some servers send zlib for "deflate").
    m_zInit = inflateInit2(&m_z, 15 + 32) == Z_OK;
    if (!m_zInit)
        m_error = QStringLiteral("cannot start decompressing %1").arg(m_what);
}

BodyDecoder::~BodyDecoder()
{
    if (m_zInit)
        inflateEnd(&m_z);
}

bool BodyDecoder::needsInput() const
{
    // zlib may hold output back (a long match) after taking all input.
    return m_inputOffset >= m_input.size() && !m_outputPending;
}

void BodyDecoder::push(const char *data, size_t size)
{
    m_input = QByteArray(data, static_cast<qsizetype>(size));
    m_inputOffset = 0;
    m_encoded += static_cast<qint64>(size);
}

bool BodyDecoder::checkLimits()
{
    if (m_limits.maxDecoded >= 0 && m_decoded > m_limits.maxDecoded) {
        m_error = m_encoding == Encoding::Identity
                      ? QStringLiteral(
                            "%1 is larger than %2; RepoDeck refuses it (a broken or hostile server). "
                            "Check the URL and the server.")
                            .arg(m_what, mib(m_limits.maxDecoded))
                      : QStringLiteral(
                            "%1 is larger than %2 once decompressed (%3 received); RepoDeck refuses it as "
                            "a decompression bomb or a broken server. Check the URL and the server.")
                            .arg(m_what, mib(m_limits.maxDecoded), mib(m_encoded));
        return false;
    }
    if (m_encoding != Encoding::Identity && m_limits.maxRatio > 0 && m_decoded > m_limits.ratioAfter
        && m_decoded / std::max<qint64>(1, m_encoded) > m_limits.maxRatio) {
        m_error = QStringLiteral(
                      "%1 expands more than %2 times when decompressed (%3 KiB to %4 KiB); RepoDeck "
                      "refuses it as a decompression bomb. Check the URL and the server.")
                      .arg(m_what)
                      .arg(m_limits.maxRatio)
                      .arg(m_encoded / 1024)
                      .arg(m_decoded / 1024);
        return false;
    }
    return true;
}

qint64 BodyDecoder::produce(char *out, size_t max)
{
    if (!m_error.isEmpty())
        return -1;
    if (max == 0 || needsInput())
        return 0;
    const size_t room = std::min<size_t>(max, std::numeric_limits<uInt>::max());
    qint64 n = 0;
    if (m_encoding == Encoding::Identity) {
        n = std::min<qint64>(static_cast<qint64>(room), m_input.size() - m_inputOffset);
        std::memcpy(out, m_input.constData() + m_inputOffset, static_cast<size_t>(n));
        m_inputOffset += n;
    } else {
        if (m_streamEnd) {
            // Bytes after the end of the compressed stream: a second gzip
            // member would be legal, but no git server sends one.
            m_error = QStringLiteral("%1 has data after the end of its compressed stream")
                          .arg(m_what);
            return -1;
        }
        m_z.next_in = reinterpret_cast<Bytef *>(
            const_cast<char *>(m_input.constData() + m_inputOffset));
        m_z.avail_in = static_cast<uInt>(m_input.size() - m_inputOffset);
        m_z.next_out = reinterpret_cast<Bytef *>(out);
        m_z.avail_out = static_cast<uInt>(room);
        const int rc = inflate(&m_z, Z_NO_FLUSH);
        m_inputOffset = m_input.size() - static_cast<qsizetype>(m_z.avail_in);
        n = static_cast<qint64>(room - m_z.avail_out);
        m_outputPending = rc == Z_OK && m_z.avail_out == 0;
        if (rc == Z_STREAM_END) {
            m_streamEnd = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            m_error = QStringLiteral("%1 is not valid %2 data (%3)")
                          .arg(m_what,
                               m_encoding == Encoding::Gzip ? QStringLiteral("gzip")
                                                            : QStringLiteral("deflate"),
                               QString::fromLatin1(m_z.msg ? m_z.msg : "corrupt stream"));
            return -1;
        }
    }
    m_decoded += n;
    if (!checkLimits())
        return -1;
    if (needsInput()) {
        m_input.clear();
        m_inputOffset = 0;
    }
    return n;
}

bool BodyDecoder::countPassedThrough(qint64 n)
{
    m_encoded += n;
    m_decoded += n;
    return checkLimits();
}

bool BodyDecoder::finish()
{
    if (!m_error.isEmpty())
        return false;
    if (m_encoding != Encoding::Identity && !m_streamEnd) {
        m_error = QStringLiteral("%1 ended in the middle of its compressed stream").arg(m_what);
        return false;
    }
    return true;
}

} // namespace repodeck::core::http
