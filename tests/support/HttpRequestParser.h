#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace repodeck::test {

struct HttpRequest
{
    QByteArray method;
    QByteArray target; // path plus "?query" as sent
    QByteArray version;
    QList<QPair<QByteArray, QByteArray>> headers; // names as sent, values trimmed
    QByteArray body; // de-chunked, still content-encoded (gzip stays gzip)

    // Case-insensitive lookup; empty if absent.
    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
    QByteArray path() const;  // percent-encoded, without the query
    QByteArray query() const; // without the '?'
};

// Incremental HTTP/1.1 request parser for the test server: request line,
// headers, and a body framed by Content-Length or chunked transfer coding.
// It exists because git's smart-HTTP clients send large pushes chunked, which
// a naive "read Content-Length bytes" server would mangle.
class HttpRequestParser
{
public:
    enum class State { Head, Body, Complete, Error };

    // Consumes bytes and returns the new state. Bytes after a complete request
    // are kept but ignored (the server closes after each response).
    State feed(const QByteArray &data);

    State state() const { return m_state; }
    bool headersComplete() const { return m_state == State::Body || m_state == State::Complete; }
    const HttpRequest &request() const { return m_request; }
    QByteArray errorString() const { return m_error; }

private:
    enum class ChunkPhase { Size, Data, DataEnd, Trailers };

    bool parseHead(const QByteArray &head);
    void parseBody();
    void parseChunks();
    void fail(const QByteArray &why);

    State m_state = State::Head;
    HttpRequest m_request;
    QByteArray m_buffer;
    qsizetype m_pos = 0; // consumed prefix of m_buffer, compacted after each feed
    bool m_chunked = false;
    qint64 m_contentLength = 0;
    ChunkPhase m_chunkPhase = ChunkPhase::Size;
    qint64 m_chunkRemaining = 0;
    QByteArray m_error;
};

} // namespace repodeck::test
