#include "net/http/HttpResponseParser.h"

namespace repodeck::core::http {

namespace {

bool isTokenChar(char c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= 'A' && c <= 'Z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// The comma-separated, trimmed, lower-case items of a header value.
QList<QByteArray> items(const QByteArray &value)
{
    QList<QByteArray> out;
    for (const QByteArray &part : value.split(',')) {
        const QByteArray item = part.trimmed().toLower();
        if (!item.isEmpty())
            out << item;
    }
    return out;
}

} // namespace

// Here rather than in HttpExchange.cpp, so that the parser links alone (the
// fuzz target).
QByteArray HttpResponseHead::header(const QByteArray &name) const
{
    QByteArray joined;
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (!joined.isEmpty())
            joined += ", ";
        joined += h.second;
    }
    return joined;
}

HttpResponseParser::HttpResponseParser(bool expectBody)
    : m_expectBody(expectBody)
{
}

bool HttpResponseParser::fail(const QString &error)
{
    if (m_state != State::Failed) {
        m_state = State::Failed;
        m_error = error;
        m_keepAlive = false;
    }
    return false;
}

bool HttpResponseParser::takeLine(QByteArrayView &data, qsizetype limit, const QString &what,
                                  QByteArray *line, bool *complete, qsizetype shownLimit)
{
    *complete = false;
    const qsizetype nl = data.indexOf('\n');
    const qsizetype take = nl < 0 ? data.size() : nl;
    if (m_line.size() + take > limit)
        return fail(QStringLiteral("the server's %1 is over %2 bytes")
                        .arg(what)
                        .arg(shownLimit > 0 ? shownLimit : limit));
    m_line.append(data.first(take));
    if (nl < 0) {
        data = {};
        return true;
    }
    data = data.sliced(nl + 1);
    *line = m_line;
    m_line.clear();
    if (line->endsWith('\r'))
        line->chop(1);
    if (line->contains('\r') || line->contains('\0'))
        return fail(QStringLiteral("the server sent a control character in its %1").arg(what));
    *complete = true;
    return true;
}

bool HttpResponseParser::feed(QByteArrayView data, QByteArray *body)
{
    while (!data.isEmpty()) {
        switch (m_state) {
        case State::Failed: return false;
        case State::Done:
            m_leftover += data.size();
            m_keepAlive = false;
            return true;
        case State::Head: {
            QByteArray line;
            bool complete = false;
            if (!takeLine(data, kMaxHead - m_headBytes, QStringLiteral("response head"), &line,
                          &complete, kMaxHead))
                return false;
            if (!complete)
                break;
            m_headBytes += line.size() + 2;
            if (m_headBytes > kMaxHead)
                return fail(
                    QStringLiteral("the server's response head is over %1 bytes").arg(kMaxHead));
            if (!(line.isEmpty() ? endOfHead() : headLine(line)))
                return false;
            break;
        }
        case State::Body:
            if (m_framing == Framing::Chunked) {
                if (!chunked(data, body))
                    return false;
                break;
            }
            if (m_framing == Framing::UntilClose) {
                body->append(data);
                data = {};
                break;
            }
            {
                const qsizetype n = qsizetype(std::min<qint64>(m_remaining, data.size()));
                body->append(data.first(n));
                data = data.sliced(n);
                m_remaining -= n;
                if (m_remaining == 0)
                    m_state = State::Done;
            }
            break;
        }
    }
    return m_state != State::Failed;
}

bool HttpResponseParser::headLine(const QByteArray &line)
{
    if (!m_statusSeen) {
        // "HTTP/1.x NNN[ reason]"
        if (line.size() < 12 || !line.startsWith("HTTP/1.") || line[8] != ' ')
            return fail(QStringLiteral("the server's answer is not HTTP/1.x"));
        int status = 0;
        for (int i = 9; i < 12; ++i) {
            if (line[i] < '0' || line[i] > '9')
                return fail(QStringLiteral("the server's status line has no status code"));
            status = status * 10 + (line[i] - '0');
        }
        if (line.size() > 12 && line[12] != ' ')
            return fail(QStringLiteral("the server's status line has no status code"));
        if (status < 100)
            return fail(QStringLiteral("the server answered with status %1").arg(status));
        m_head = HttpResponseHead();
        m_head.status = status;
        m_http10 = line[7] == '0';
        m_statusSeen = true;
        return true;
    }
    if (line.front() == ' ' || line.front() == '\t')
        return fail(QStringLiteral("the server folded a header line (obsolete, refused)"));
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return fail(QStringLiteral("the server sent a header line without a name"));
    const QByteArray name = line.first(colon);
    for (const char c : name) {
        if (!isTokenChar(c))
            return fail(
                QStringLiteral("the server sent a header name with a character not allowed in it"));
    }
    if (m_head.headers.size() >= kMaxHeaders)
        return fail(QStringLiteral("the server sent more than %1 headers").arg(kMaxHeaders));
    m_head.headers.append({name, line.sliced(colon + 1).trimmed()});
    return true;
}

bool HttpResponseParser::endOfHead()
{
    if (!m_statusSeen)
        return fail(QStringLiteral("the server's answer is not HTTP/1.x"));
    const int status = m_head.status;
    if (status == 101)
        return fail(
            QStringLiteral("the server switched protocols (101), which git never asks for"));
    if (status < 200) {
        // 100 Continue, 102, 103: an interim answer; the real one follows.
        if (++m_interim > kMaxInterim)
            return fail(
                QStringLiteral("the server sent more than %1 interim answers").arg(kMaxInterim));
        m_statusSeen = false;
        m_headBytes = 0; // each head has the whole bound (at most kMaxInterim + 1 of them)
        m_head = HttpResponseHead();
        return true;
    }
    m_headDone = true;
    const QList<QByteArray> connection = items(m_head.header("Connection"));
    m_keepAlive = !m_http10 && !connection.contains("close");

    const QByteArray transfer = m_head.header("Transfer-Encoding");
    const QByteArray length = m_head.header("Content-Length");
    if (!m_expectBody || status == 204 || status == 304) {
        m_framing = Framing::None;
    } else if (!transfer.isEmpty()) {
        for (const QByteArray &coding : items(transfer)) {
            if (coding != "chunked")
                return fail(
                    QStringLiteral(
                        "the server used the transfer coding \"%1\", which RepoDeck does not read")
                        .arg(QString::fromLatin1(coding.left(40))));
        }
        m_framing = Framing::Chunked;
        m_chunk = ChunkState::Size;
    } else if (!length.isEmpty()) {
        // Repeated headers arrive joined with ", "; every value must agree.
        qint64 value = -1;
        for (const QByteArray &part : length.split(',')) {
            const QByteArray digits = part.trimmed();
            if (digits.isEmpty() || digits.size() > 18)
                return fail(QStringLiteral("the server sent an invalid Content-Length"));
            qint64 v = 0;
            for (const char c : digits) {
                if (c < '0' || c > '9')
                    return fail(QStringLiteral("the server sent an invalid Content-Length"));
                v = v * 10 + (c - '0');
            }
            if (value >= 0 && v != value)
                return fail(QStringLiteral("the server sent two different Content-Length values"));
            value = v;
        }
        m_framing = value == 0 ? Framing::None : Framing::Length;
        m_remaining = value;
    } else {
        m_framing = Framing::UntilClose;
        m_keepAlive = false;
    }
    m_state = m_framing == Framing::None ? State::Done : State::Body;
    return true;
}

bool HttpResponseParser::chunked(QByteArrayView &data, QByteArray *body)
{
    QByteArray line;
    bool complete = false;
    switch (m_chunk) {
    case ChunkState::Size: {
        if (!takeLine(data, kMaxChunkLine, QStringLiteral("chunk-size line"), &line, &complete))
            return false;
        if (!complete)
            return true;
        const qsizetype semicolon = line.indexOf(';');
        const QByteArray hex = (semicolon < 0 ? line : line.first(semicolon)).trimmed();
        if (hex.isEmpty() || hex.size() > 15)
            return fail(QStringLiteral("the server sent an invalid chunk size"));
        qint64 size = 0;
        for (const char c : hex) {
            int digit = -1;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            if (digit < 0)
                return fail(QStringLiteral("the server sent an invalid chunk size"));
            size = size * 16 + digit;
        }
        m_remaining = size;
        m_chunk = size == 0 ? ChunkState::Trailers : ChunkState::Data;
        return true;
    }
    case ChunkState::Data: {
        const qsizetype n = qsizetype(std::min<qint64>(m_remaining, data.size()));
        body->append(data.first(n));
        data = data.sliced(n);
        m_remaining -= n;
        if (m_remaining == 0)
            m_chunk = ChunkState::DataEnd;
        return true;
    }
    case ChunkState::DataEnd:
        if (!takeLine(data, 1, QStringLiteral("chunk end"), &line, &complete))
            return false;
        if (complete && !line.isEmpty())
            return fail(QStringLiteral("the server's chunk is longer than its size says"));
        if (complete)
            m_chunk = ChunkState::Size;
        return true;
    case ChunkState::Trailers:
        if (!takeLine(data, kMaxHead - m_trailerBytes, QStringLiteral("trailers"), &line, &complete,
                      kMaxHead))
            return false;
        if (!complete)
            return true;
        m_trailerBytes += line.size() + 2;
        if (m_trailerBytes > kMaxHead)
            return fail(QStringLiteral("the server's trailers are over %1 bytes").arg(kMaxHead));
        if (line.isEmpty())
            m_state = State::Done;
        return true;
    }
    return true;
}

bool HttpResponseParser::finishAtClose()
{
    if (m_state == State::Body && m_framing == Framing::UntilClose) {
        m_state = State::Done;
        return true;
    }
    if (m_state == State::Done)
        return true;
    if (m_state == State::Failed)
        return false;
    return fail(
        m_state == State::Head
            ? QStringLiteral("the server closed the connection before its answer was complete")
            : QStringLiteral("the server closed the connection in the middle of its answer"));
}

} // namespace repodeck::core::http
