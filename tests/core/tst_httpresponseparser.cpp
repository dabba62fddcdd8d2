// HttpResponseParser: what a server may send, in any pieces, and what it
// must not. Each row is fed whole, byte by byte and in uneven pieces; all
// three must agree.
#include "net/http/HttpResponseParser.h"

#include <QtTest>

using repodeck::core::http::HttpResponseParser;
using State = HttpResponseParser::State;

namespace {

struct Parsed
{
    State state = State::Head;
    int status = 0;
    QByteArray body;
    bool keepAlive = false;
    QString error;
};

Parsed parse(const QByteArray &bytes, qsizetype piece, bool closeAfter)
{
    HttpResponseParser parser;
    Parsed p;
    for (qsizetype at = 0; at < bytes.size() && parser.state() != State::Failed; at += piece) {
        const QByteArrayView part = QByteArrayView(bytes).sliced(at, std::min(piece,
                                                                              bytes.size() - at));
        QByteArray body;
        parser.feed(part, &body);
        if (body.size() > part.size())
            p.error = QStringLiteral("more body than input");
        p.body += body;
    }
    if (closeAfter)
        parser.finishAtClose();
    p.state = parser.state();
    p.status = parser.hasHead() ? parser.head().status : 0;
    p.keepAlive = parser.keepAlive();
    if (p.error.isEmpty())
        p.error = parser.error();
    return p;
}

} // namespace

class TestHttpResponseParser : public QObject
{
    Q_OBJECT

private slots:
    void answers_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("closeAfter");
        QTest::addColumn<int>("state");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("keepAlive");

        const int done = int(State::Done), failed = int(State::Failed), body = int(State::Body);
        QTest::newRow("length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                                << false << done << 200 << QByteArray("hello") << true;
        QTest::newRow("bare LF lines") << QByteArray("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi")
                                       << false << done << 200 << QByteArray("hi") << true;
        QTest::newRow("chunked") << QByteArray(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n")
                                 << false << done << 200 << QByteArray("hello world") << true;
        QTest::newRow("until close") << QByteArray("HTTP/1.1 200 OK\r\n\r\nall of it") << true
                                     << done << 200 << QByteArray("all of it") << false;
        QTest::newRow("until close, still open")
            << QByteArray("HTTP/1.1 200 OK\r\n\r\nsome") << false << body << 200
            << QByteArray("some") << false;
        QTest::newRow("connection close")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n")
            << false << done << 200 << QByteArray() << false;
        QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx")
                                  << false << done << 200 << QByteArray("x") << false;
        QTest::newRow("100 continue first") << QByteArray(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\n\r\nno!")
                                            << false << done << 401 << QByteArray("no!") << true;
        QTest::newRow("204 has no body")
            << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n") << false << done
            << 204 << QByteArray() << true;
        QTest::newRow("same length twice")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
            << false << done << 200 << QByteArray("ok") << true;
        // The head is complete before the body is: a 401 with an endless
        // body is seen at once.
        QTest::newRow("401 head before its body")
            << QByteArray("HTTP/1.1 401 Unauthorized\r\nContent-Length: 999999999999\r\n\r\nxxxx")
            << false << body << 401 << QByteArray("xxxx") << true;

        QTest::newRow("truncated length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc") << true << failed
            << 200 << QByteArray("abc") << false;
        QTest::newRow("truncated chunk")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc") << true
            << failed << 200 << QByteArray("abc") << false;
        QTest::newRow("truncated head") << QByteArray("HTTP/1.1 200 OK\r\nX: 1\r\n") << true
                                        << failed << 0 << QByteArray() << false;
        QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n") << false << failed << 0
                                  << QByteArray() << false;
        QTest::newRow("no status") << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n") << false << failed << 0
                                   << QByteArray() << false;
        QTest::newRow("two lengths")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")
            << false << failed << 0 << QByteArray() << false;
        QTest::newRow("negative length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") << false << failed << 0
            << QByteArray() << false;
        QTest::newRow("huge length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999999\r\n\r\n")
            << false << failed << 0 << QByteArray() << false;
        QTest::newRow("gzip transfer coding")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") << false
            << failed << 0 << QByteArray() << false;
        QTest::newRow("chunk size not hex")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << false
            << failed << 200 << QByteArray() << false;
        QTest::newRow("chunk size overflows") << QByteArray(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n")
                                              << false << failed << 200 << QByteArray() << false;
        QTest::newRow("chunk longer than its size")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")
            << false << failed << 200 << QByteArray("ab") << false;
        QTest::newRow("folded header") << QByteArray("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n")
                                       << false << failed << 0 << QByteArray() << false;
        QTest::newRow("space in name") << QByteArray("HTTP/1.1 200 OK\r\nX Y: a\r\n\r\n") << false
                                       << failed << 0 << QByteArray() << false;
        QTest::newRow("CR inside a line") << QByteArray("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n")
                                          << false << failed << 0 << QByteArray() << false;
        QTest::newRow("NUL in a header")
            << QByteArray("HTTP/1.1 200 OK\r\nX: a", 22) + QByteArray(1, '\0') + "\r\n\r\n"
            << false << failed << 0 << QByteArray() << false;
        QTest::newRow("101") << QByteArray("HTTP/1.1 101 Switching\r\n\r\n") << false << failed << 0
                             << QByteArray() << false;
    }

    void answers()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, closeAfter);
        QFETCH(int, state);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);
        for (const qsizetype piece : {bytes.size(), qsizetype(1), qsizetype(7)}) {
            const Parsed p = parse(bytes, std::max<qsizetype>(piece, 1), closeAfter);
            QVERIFY2(int(p.state) == state,
                     qPrintable(QStringLiteral("piece %1: state %2, error %3")
                                    .arg(piece)
                                    .arg(int(p.state))
                                    .arg(p.error)));
            if (state != int(State::Failed) || status != 0)
                QCOMPARE(p.status, status);
            QCOMPARE(p.body, body);
            if (state == int(State::Done))
                QCOMPARE(p.keepAlive, keepAlive);
            if (state == int(State::Failed))
                QVERIFY(!p.error.isEmpty());
        }
    }

    // Whatever a server sends, the head stays within its bound: an endless
    // header line, endless headers, an endless chunk-size line or trailers.
    void endlessHeadsFail_data()
    {
        QTest::addColumn<QByteArray>("prefix");
        QTest::addColumn<QByteArray>("repeat");
        QTest::newRow("one endless line")
            << QByteArray("HTTP/1.1 200 OK\r\nX: ") << QByteArray("a");
        QTest::newRow("endless headers")
            << QByteArray("HTTP/1.1 200 OK\r\n") << QByteArray("X: 1\r\n");
        QTest::newRow("endless status line") << QByteArray("HTTP/1.1 200 ") << QByteArray("b");
        QTest::newRow("endless interim answers")
            << QByteArray() << QByteArray("HTTP/1.1 100 Continue\r\n\r\n");
        QTest::newRow("endless chunk-size line")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1")
            << QByteArray("0");
        QTest::newRow("endless trailers")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n")
            << QByteArray("T: 1\r\n");
    }

    void endlessHeadsFail()
    {
        QFETCH(QByteArray, prefix);
        QFETCH(QByteArray, repeat);
        HttpResponseParser parser;
        QByteArray body;
        QVERIFY(parser.feed(prefix, &body));
        const QByteArray block = repeat.repeated(std::max<qsizetype>(1, 4096 / repeat.size()));
        qint64 fed = prefix.size();
        while (parser.state() != State::Failed && fed < 4 * HttpResponseParser::kMaxHead) {
            parser.feed(block, &body);
            fed += block.size();
        }
        QCOMPARE(int(parser.state()), int(State::Failed));
        QVERIFY(fed <= HttpResponseParser::kMaxHead + 2 * 4096 + prefix.size());
        QVERIFY(body.isEmpty());
        QVERIFY(!parser.error().isEmpty());
    }

    // Bytes after the end of an answer: nothing reuses such a connection.
    void bytesAfterTheAnswerEndKeepAlive()
    {
        HttpResponseParser parser;
        QByteArray body;
        QVERIFY(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200", &body));
        QCOMPARE(body, QByteArray("x"));
        QCOMPARE(int(parser.state()), int(State::Done));
        QVERIFY(parser.leftover() > 0);
        QVERIFY(!parser.keepAlive());
    }
};

QTEST_APPLESS_MAIN(TestHttpResponseParser)
#include "tst_httpresponseparser.moc"
