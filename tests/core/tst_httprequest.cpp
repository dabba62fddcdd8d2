// The bytes RepoDeck's HTTP/1.1 client writes for a request
// (net/http/HttpRequest): request line, Host, headers, body, and the proxy's
// credentials only where the proxy is the one reading them.
#include "net/http/HttpRequest.h"

#include <QtTest>

using namespace repodeck::core::http;

class TestHttpRequest : public QObject
{
    Q_OBJECT

private slots:
    void requestBytes_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("post");
        QTest::addColumn<bool>("absoluteForm");
        QTest::addColumn<QString>("proxyUser");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("get, origin form")
            << "http://example.test/repo.git/info/refs?service=git-upload-pack" << false << false
            << ""
            << QByteArray(
                   "GET /repo.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: example.test\r\n"
                   "Accept: */*\r\n\r\n");
        QTest::newRow("default https port is not named")
            << "https://example.test:443/r" << false << false << ""
            << QByteArray("GET /r HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n");
        QTest::newRow("other port is named")
            << "https://example.test:8443/r" << false << false << ""
            << QByteArray("GET /r HTTP/1.1\r\nHost: example.test:8443\r\nAccept: */*\r\n\r\n");
        QTest::newRow("ipv6 host is bracketed")
            << "http://[::1]:9418/r" << false << false << ""
            << QByteArray("GET /r HTTP/1.1\r\nHost: [::1]:9418\r\nAccept: */*\r\n\r\n");
        QTest::newRow("empty path is /")
            << "http://example.test" << false << false << ""
            << QByteArray("GET / HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n");
        QTest::newRow("post has its length and body")
            << "http://example.test/r/git-upload-pack" << true << false << ""
            << QByteArray(
                   "POST /r/git-upload-pack HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n"
                   "Content-Length: 4\r\n\r\n0000");
        QTest::newRow("absolute form through a proxy carries the proxy's login")
            << "http://example.test/r" << false << true << "pu"
            << QByteArray(
                   "GET http://example.test/r HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n"
                   "Proxy-Authorization: Basic cHU6cHc=\r\n\r\n");
        QTest::newRow("origin form never carries the proxy's login")
            << "http://example.test/r" << false << false << "pu"
            << QByteArray("GET /r HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n");
        QTest::newRow("fragment is not sent")
            << "http://example.test/r#frag" << false << true << ""
            << QByteArray(
                   "GET http://example.test/r HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n");
    }

    void requestBytes()
    {
        QFETCH(QString, url);
        QFETCH(bool, post);
        QFETCH(bool, absoluteForm);
        QFETCH(QString, proxyUser);
        QFETCH(QByteArray, expected);
        HttpRequestSpec spec;
        spec.url = QUrl(url);
        spec.post = post;
        spec.headers.append({QByteArray("Accept"), QByteArray("*/*")});
        if (post)
            spec.body = "0000";
        const ProxyLogin login{proxyUser, proxyUser.isEmpty() ? QString() : QStringLiteral("pw")};
        QCOMPARE(repodeck::core::http::requestBytes(spec, absoluteForm, login), expected);
    }

    void userInfoNeverReachesTheRequestLine()
    {
        HttpRequestSpec spec;
        spec.url = QUrl(QStringLiteral("http://user:secret@example.test/r"));
        const QByteArray bytes = repodeck::core::http::requestBytes(spec, true, {});
        QVERIFY2(!bytes.contains("secret"), bytes.constData());
        QVERIFY(bytes.startsWith("GET http://example.test/r HTTP/1.1\r\n"));
    }

    void connectRequest_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("proxyUser");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("default port named")
            << "https://example.test/r"
            << ""
            << QByteArray("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n");
        QTest::newRow("with login")
            << "https://example.test:8443/r"
            << "pu"
            << QByteArray(
                   "CONNECT example.test:8443 HTTP/1.1\r\nHost: example.test:8443\r\n"
                   "Proxy-Authorization: Basic cHU6cHc=\r\n\r\n");
        QTest::newRow("ipv6") << "https://[::1]/r"
                              << ""
                              << QByteArray(
                                     "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
    }

    void connectRequest()
    {
        QFETCH(QString, url);
        QFETCH(QString, proxyUser);
        QFETCH(QByteArray, expected);
        const ProxyLogin login{proxyUser, proxyUser.isEmpty() ? QString() : QStringLiteral("pw")};
        QCOMPARE(connectRequestBytes(QUrl(url), login), expected);
    }
};

QTEST_GUILESS_MAIN(TestHttpRequest)
#include "tst_httprequest.moc"
