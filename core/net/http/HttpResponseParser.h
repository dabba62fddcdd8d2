#pragma once

#include "net/http/HttpExchange.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace repodeck::core::http {

// Reads one HTTP/1.1 response from the bytes a server sends, in whatever
// pieces they arrive: the head (status line and headers, bounded in size and
// count) as soon as it is complete, then the body with its framing
// (Content-Length, chunked, or up to the end of the connection) removed.
// Content-Encoding is left to BodyDecoder. Pure: no sockets, no Qt events,
// so every byte a hostile server can send is covered by unit tests and a
// fuzz target.
//
// Everything a server controls is bounded here: the head (kMaxHead bytes,
// kMaxHeaders lines), a chunk-size line, the trailers; a body is passed on
// as it comes and never held. Interim 1xx answers are skipped (at most
// kMaxInterim of them).
class HttpResponseParser
{
public:
    static constexpr qsizetype kMaxHead = 64 * 1024;
    static constexpr int kMaxHeaders = 200;
    static constexpr qsizetype kMaxChunkLine = 1024;
    static constexpr int kMaxInterim = 8;

    enum class State { Head, Body, Done, Failed };

    // `expectBody` false for answers that carry none whatever they say
    // (a response to HEAD).
    explicit HttpResponseParser(bool expectBody = true);

    // Consumes all of `data` (unless it fails or the response ends first:
    // see leftover()); appends body bytes to `body`, never more than
    // data.size() of them. Returns false once the response is malformed.
    bool feed(QByteArrayView data, QByteArray *body);
    // The connection ended: a body framed by the close ends cleanly here;
    // anything else is a truncated response.
    bool finishAtClose();

    State state() const { return m_state; }
    bool hasHead() const { return m_headDone; }
    const HttpResponseHead &head() const { return m_head; }
    // Whether the connection may carry another request once this one is Done.
    bool keepAlive() const { return m_keepAlive; }
    // Bytes fed after the end of the response (a server that must not
    // have sent any: the connection is not reused).
    qsizetype leftover() const { return m_leftover; }
    QString error() const { return m_error; }

private:
    enum class Framing { None, Length, Chunked, UntilClose };
    enum class ChunkState { Size, Data, DataEnd, Trailers };

    bool fail(const QString &error);
    bool takeLine(QByteArrayView &data, qsizetype limit, const QString &what, QByteArray *line,
                  bool *complete, qsizetype shownLimit = 0);
    bool headLine(const QByteArray &line);
    bool endOfHead();
    bool chunked(QByteArrayView &data, QByteArray *body);

    State m_state = State::Head;
    bool m_expectBody = true;
    bool m_statusSeen = false;
    bool m_headDone = false;
    int m_interim = 0;
    qsizetype m_headBytes = 0;
    QByteArray m_line;
    HttpResponseHead m_head;
    bool m_http10 = false;
    bool m_keepAlive = true;
    Framing m_framing = Framing::None;
    qint64 m_remaining = 0; // Length: body left; Chunked: of this chunk
    ChunkState m_chunk = ChunkState::Size;
    qsizetype m_trailerBytes = 0;
    qsizetype m_leftover = 0;
    QString m_error;
};

} // namespace repodeck::core::http
