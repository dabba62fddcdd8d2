#include "HttpRequestParser.h"

namespace repodeck::test {

namespace {

// Far above anything git or libgit2 send; only protects against garbage.
constexpr qsizetype kMaxHeadBytes = 64 * 1024;
constexpr qsizetype kMaxLineBytes = 4 * 1024;

} // namespace

QByteArray HttpRequest::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return QByteArray();
}

bool HttpRequest::hasHeader(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray HttpRequest::path() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? target : target.left(q);
}

QByteArray HttpRequest::query() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? QByteArray() : target.mid(q + 1);
}

HttpRequestParser::State HttpRequestParser::feed(const QByteArray &data)
{
    if (m_state == State::Complete || m_state == State::Error)
        return m_state;
    m_buffer += data;

    if (m_state == State::Head) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n", m_pos);
        if (end < 0) {
            if (m_buffer.size() > kMaxHeadBytes)
                fail("request head too large");
            return m_state;
        }
        if (!parseHead(m_buffer.mid(m_pos, end - m_pos)))
            return m_state;
        m_pos = end + 4;
        m_state = State::Body;
    }
    if (m_state == State::Body)
        parseBody();

    // Drop consumed bytes once per feed rather than per chunk, so many small
    // chunks do not turn into quadratic copying.
    m_buffer.remove(0, m_pos);
    m_pos = 0;
    return m_state;
}

bool HttpRequestParser::parseHead(const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1.")) {
        fail("malformed request line");
        return false;
    }
    m_request.method = requestLine.at(0);
    m_request.target = requestLine.at(1);
    m_request.version = requestLine.at(2);

    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            fail("malformed header line");
            return false;
        }
        m_request.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }

    const QByteArray transferEncoding = m_request.header("Transfer-Encoding").toLower();
    if (!transferEncoding.isEmpty()) {
        // Only "chunked" is meaningful for requests; anything else is a bug
        // in the client we want to see, not silently accept.
        if (transferEncoding != "chunked") {
            fail("unsupported Transfer-Encoding");
            return false;
        }
        m_chunked = true;
    } else if (m_request.hasHeader("Content-Length")) {
        bool ok = false;
        m_contentLength = m_request.header("Content-Length").toLongLong(&ok);
        if (!ok || m_contentLength < 0) {
            fail("bad Content-Length");
            return false;
        }
    }
    return true;
}

void HttpRequestParser::parseBody()
{
    if (m_chunked) {
        parseChunks();
        return;
    }
    const qint64 missing = m_contentLength - m_request.body.size();
    const qint64 take = qMin<qint64>(missing, m_buffer.size() - m_pos);
    if (take > 0) {
        m_request.body += m_buffer.mid(m_pos, take);
        m_pos += take;
    }
    if (m_request.body.size() == m_contentLength)
        m_state = State::Complete;
}

void HttpRequestParser::parseChunks()
{
    while (m_state == State::Body) {
        switch (m_chunkPhase) {
        case ChunkPhase::Size: {
            const qsizetype eol = m_buffer.indexOf("\r\n", m_pos);
            if (eol < 0) {
                if (m_buffer.size() - m_pos > kMaxLineBytes)
                    fail("chunk size line too long");
                return;
            }
            QByteArray sizeText = m_buffer.mid(m_pos, eol - m_pos);
            const qsizetype semicolon = sizeText.indexOf(';'); // chunk extensions are ignored
            if (semicolon >= 0)
                sizeText.truncate(semicolon);
            bool ok = false;
            m_chunkRemaining = sizeText.trimmed().toLongLong(&ok, 16);
            if (!ok || m_chunkRemaining < 0) {
                fail("bad chunk size");
                return;
            }
            m_pos = eol + 2;
            m_chunkPhase = m_chunkRemaining == 0 ? ChunkPhase::Trailers : ChunkPhase::Data;
            break;
        }
        case ChunkPhase::Data: {
            const qint64 take = qMin<qint64>(m_chunkRemaining, m_buffer.size() - m_pos);
            if (take <= 0)
                return;
            m_request.body += m_buffer.mid(m_pos, take);
            m_pos += take;
            m_chunkRemaining -= take;
            if (m_chunkRemaining == 0)
                m_chunkPhase = ChunkPhase::DataEnd;
            break;
        }
        case ChunkPhase::DataEnd:
            if (m_buffer.size() - m_pos < 2)
                return;
            if (m_buffer.mid(m_pos, 2) != "\r\n") {
                fail("chunk not terminated by CRLF");
                return;
            }
            m_pos += 2;
            m_chunkPhase = ChunkPhase::Size;
            break;
        case ChunkPhase::Trailers: {
            const qsizetype eol = m_buffer.indexOf("\r\n", m_pos);
            if (eol < 0) {
                if (m_buffer.size() - m_pos > kMaxLineBytes)
                    fail("trailer line too long");
                return;
            }
            const bool last = eol == m_pos; // the empty line ends the message
            m_pos = eol + 2;
            if (last)
                m_state = State::Complete;
            break;
        }
        }
    }
}

void HttpRequestParser::fail(const QByteArray &why)
{
    m_state = State::Error;
    m_error = why;
}

} // namespace repodeck::test
