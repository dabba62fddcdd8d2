// no_proxy as curl (and so git) reads it: which hosts a proxy from git's
// configuration must not be used for.
#include "net/http/ProxySettings.h"

#include <QtTest>

using repodeck::core::http::excludedByNoProxy;

class TestNoProxy : public QObject
{
    Q_OBJECT

private slots:
    void matching_data()
    {
        QTest::addColumn<QString>("list");
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("excluded");
        QTest::newRow("empty") << ""
                               << "https://git.example.com/x.git" << false;
        QTest::newRow("star") << "*"
                              << "https://git.example.com/x.git" << true;
        QTest::newRow("same host") << "git.example.com"
                                   << "https://git.example.com/x.git" << true;
        QTest::newRow("case") << "GIT.Example.COM"
                              << "https://git.example.com/x.git" << true;
        QTest::newRow("subdomain") << "example.com"
                                   << "https://git.example.com/x.git" << true;
        QTest::newRow("leading dot") << ".example.com"
                                     << "https://git.example.com/x.git" << true;
        QTest::newRow("leading dot, the domain itself") << ".example.com"
                                                        << "https://example.com/x.git" << true;
        QTest::newRow("suffix is not a domain") << "ample.com"
                                                << "https://example.com/x.git" << false;
        QTest::newRow("other host") << "example.org"
                                    << "https://example.com/x.git" << false;
        QTest::newRow("in a list with spaces") << "localhost, example.com ,intra"
                                               << "https://a.example.com/" << true;
        QTest::newRow("port ignored") << "example.com:8443"
                                      << "https://example.com/x.git" << true;
        QTest::newRow("ip") << "127.0.0.1"
                            << "http://127.0.0.1:8080/x.git" << true;
        QTest::newRow("other ip") << "127.0.0.2"
                                  << "http://127.0.0.1:8080/x.git" << false;
        QTest::newRow("cidr") << "10.0.0.0/8"
                              << "http://10.1.2.3/x.git" << true;
        QTest::newRow("cidr outside") << "10.0.0.0/8"
                                      << "http://11.1.2.3/x.git" << false;
        QTest::newRow("ipv6") << "::1"
                              << "http://[::1]:8080/x.git" << true;
        QTest::newRow("ipv6 in brackets") << "[::1]:8080"
                                          << "http://[::1]/x.git" << true;
        QTest::newRow("ipv6 cidr") << "fd00::/8"
                                   << "http://[fd12::5]/x.git" << true;
        QTest::newRow("a name does not match an ip") << "example.com"
                                                     << "http://127.0.0.1/x.git" << false;
    }

    void matching()
    {
        QFETCH(QString, list);
        QFETCH(QString, url);
        QFETCH(bool, excluded);
        QCOMPARE(excludedByNoProxy(list, QUrl(url)), excluded);
    }
};

QTEST_APPLESS_MAIN(TestNoProxy)
#include "tst_noproxy.moc"
