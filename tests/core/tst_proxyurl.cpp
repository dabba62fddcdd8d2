// Proxy URLs as git's configuration gives them (http.proxy,
// remote.<name>.proxy), read by parseGitProxyUrl and written back for
// libgit2 by gitProxyUrl (core/net/http/ProxySettings). Which proxy a remote
// gets is tests/integration/tst_http_proxy; no_proxy is tst_noproxy.
#include "net/http/ProxySettings.h"

#include <QtTest>

using repodeck::core::http::gitProxyUrl;
using repodeck::core::http::parseGitProxyUrl;

class TestProxyUrl : public QObject
{
    Q_OBJECT

private slots:
    void parsing_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        const int http = QNetworkProxy::HttpProxy;
        const int socks = QNetworkProxy::Socks5Proxy;
        QTest::newRow("http") << "http://proxy.test:3128" << http << "proxy.test" << 3128 << ""
                              << "";
        QTest::newRow("no scheme is http")
            << "proxy.test:3128" << http << "proxy.test" << 3128 << ""
            << "";
        QTest::newRow("git's default port")
            << "http://proxy.test" << http << "proxy.test" << 1080 << ""
            << "";
        QTest::newRow("scheme and host in capitals")
            << "HTTP://Proxy.Test:3128" << http << "proxy.test" << 3128 << ""
            << "";
        QTest::newRow("address") << "http://10.1.2.3:8080" << http << "10.1.2.3" << 8080 << ""
                                 << "";
        QTest::newRow("credentials")
            << "http://alice:s3cret@proxy.test:8080" << http << "proxy.test" << 8080 << "alice"
            << "s3cret";
        QTest::newRow("encoded password")
            << "http://alice:p%40ss%3A1@proxy.test:8080" << http << "proxy.test" << 8080 << "alice"
            << "p@ss:1";
        QTest::newRow("user only")
            << "http://alice@proxy.test:8080" << http << "proxy.test" << 8080 << "alice"
            << "";
        QTest::newRow("socks5") << "socks5://proxy.test" << socks << "proxy.test" << 1080 << ""
                                << "";
        QTest::newRow("socks5h") << "socks5h://proxy.test:9050" << socks << "proxy.test" << 9050
                                 << ""
                                 << "";
    }
    void parsing()
    {
        QFETCH(QString, value);
        QFETCH(int, type);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, user);
        QFETCH(QString, password);
        QString error;
        const auto proxy = parseGitProxyUrl(value, &error);
        QVERIFY2(proxy, qPrintable(error));
        QCOMPARE(int(proxy->type()), type);
        QCOMPARE(proxy->hostName(), host);
        QCOMPARE(int(proxy->port()), port);
        QCOMPARE(proxy->user(), user);
        QCOMPARE(proxy->password(), password);

        // What libgit2 is given reads back as the same proxy.
        const QByteArray written = gitProxyUrl(*proxy);
        const auto again = parseGitProxyUrl(QString::fromUtf8(written), &error);
        QVERIFY2(again, qPrintable(QString::fromUtf8(written) + ": " + error));
        QCOMPARE(again->type(), proxy->type());
        QCOMPARE(again->hostName(), host);
        QCOMPARE(int(again->port()), port);
        QCOMPARE(again->user(), user);
        QCOMPARE(again->password(), password);
    }

    void written_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QByteArray>("written");
        QTest::newRow("port made explicit") << "proxy.test" << QByteArray("http://proxy.test:1080");
        QTest::newRow("credentials encoded") << "http://alice:p%40ss@proxy.test:8080"
                                             << QByteArray("http://alice:p%40ss@proxy.test:8080");
    }
    void written()
    {
        QFETCH(QString, value);
        QFETCH(QByteArray, written);
        QString error;
        const auto proxy = parseGitProxyUrl(value, &error);
        QVERIFY2(proxy, qPrintable(error));
        QCOMPARE(gitProxyUrl(*proxy), written);
    }

    void refused_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("errorNames");
        QTest::newRow("https proxy") << "https://proxy.test:443"
                                     << "unsupported proxy scheme https";
        QTest::newRow("other scheme") << "ftp://proxy.test"
                                      << "unsupported proxy scheme ftp";
        QTest::newRow("empty") << ""
                               << "not a proxy URL";
        QTest::newRow("no host") << "http://"
                                 << "not a proxy URL";
        QTest::newRow("port out of range") << "http://proxy.test:99999"
                                           << "not a proxy URL";
        QTest::newRow("credentials without a host") << "http://alice:s3cret@"
                                                    << "not a proxy URL";
    }
    void refused()
    {
        QFETCH(QString, value);
        QFETCH(QString, errorNames);
        QString error;
        QVERIFY(!parseGitProxyUrl(value, &error));
        QVERIFY2(error.contains(errorNames), qPrintable(error));
        // The error goes to the log: never the password.
        QVERIFY2(!error.contains("s3cret"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestProxyUrl)
#include "tst_proxyurl.moc"
