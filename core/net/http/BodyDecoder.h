#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

#include <zlib.h>

namespace repodeck::core::http {

// How much one response body may grow to. A gzip "bomb" (a few MB that
// inflate to gigabytes of the same ref line) must end the request with a
// message, not grow libgit2's buffers until the process is killed.
struct BodyLimits
{
    qint64 maxDecoded = -1; // bytes after decoding; -1: no limit (pack data goes to disk)
    int maxRatio = 0;       // decoded/encoded, checked once ratioAfter bytes came out; 0: none
    qint64 ratioAfter = 0;

    // Ref advertisements and push reports are read whole in memory.
    static BodyLimits inMemory();
    // Pack data streams to the indexer: no total, but a ratio no real pack has
    // (packed objects are zlib streams already; gzip barely shrinks them).
    static BodyLimits packStream();
};

// Decodes one response body (identity, gzip or deflate, as Content-Encoding
// said) on the worker thread, on demand: produce() writes at most what the
// reader asked for, so neither thread ever holds more than one input chunk
// plus the caller's buffer. Qt's own decompression is not used (its only
// guard is a ratio, with no total; see HttpConnectionPool::start).
class BodyDecoder
{
public:
    enum class Encoding { Identity, Gzip, Deflate };

    // The encoding named by a Content-Encoding value; nullopt for any other
    // (we asked for gzip only; an unknown coding cannot be read).
    static std::optional<Encoding> encodingOf(const QByteArray &contentEncoding);

    BodyDecoder(Encoding encoding, BodyLimits limits, QString what);
    ~BodyDecoder();
    BodyDecoder(const BodyDecoder &) = delete;
    BodyDecoder &operator=(const BodyDecoder &) = delete;

    // Everything pushed so far was turned into output.
    bool needsInput() const;
    void push(const char *data, size_t size);
    // Writes up to `max` decoded bytes; returns how many (0 when it needs
    // input), or -1 with error() set when the body is corrupt or over a limit.
    qint64 produce(char *out, size_t max);
    // Identity bodies skip the copy: the reader takes bytes itself and counts
    // them here; false with error() when over the total.
    bool isIdentity() const { return m_encoding == Encoding::Identity; }
    bool countPassedThrough(qint64 n);
    // The body ended: true if it was complete (a gzip stream cut short is not).
    bool finish();
    QString error() const { return m_error; }

    qint64 encodedBytes() const { return m_encoded; }
    qint64 decodedBytes() const { return m_decoded; }

private:
    bool checkLimits();
    Encoding m_encoding;
    BodyLimits m_limits;
    QString m_what; // "the ref advertisement of HOST", for messages
    z_stream m_z{};
    bool m_zInit = false;
    bool m_streamEnd = false;
    bool m_outputPending = false;
    QByteArray m_input;
    qsizetype m_inputOffset = 0;
    qint64 m_encoded = 0;
    qint64 m_decoded = 0;
    QString m_error;
};

} // namespace repodeck::core::http
