// The origin a credential is bound to (issue 14, finding 2) and the fields
// git's credential protocol may carry (finding 1).
#include "auth/CredentialScope.h"

#include <QtTest>

using namespace repodeck::core;

class TestCredentialScope : public QObject
{
    Q_OBJECT

private slots:
    void origin_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("display"); // empty: no origin
        QTest::addColumn<QString>("hostField");
        QTest::newRow("https") << "https://H.Test/r.git"
                               << "https://h.test"
                               << "h.test";
        QTest::newRow("https port") << "https://h.test:8443/r.git"
                                    << "https://h.test:8443"
                                    << "h.test:8443";
        QTest::newRow("http default port") << "http://h.test:80/r"
                                           << "http://h.test"
                                           << "h.test";
        QTest::newRow("user ignored") << "https://alice:pw@h.test/r"
                                      << "https://h.test"
                                      << "h.test";
        QTest::newRow("ipv6") << "http://[::1]:8080/r"
                              << "http://[::1]:8080"
                              << "[::1]:8080";
        QTest::newRow("other scheme") << "ttphs://h.test:8443/x"
                                      << ""
                                      << "";
        QTest::newRow("ssh") << "ssh://h.test/r"
                             << ""
                             << "";
        QTest::newRow("no host") << "https:///r"
                                 << ""
                                 << "";
    }
    void origin()
    {
        QFETCH(QString, url);
        QFETCH(QString, display);
        QFETCH(QString, hostField);
        const auto o = CredentialOrigin::fromUrl(url);
        QCOMPARE(o.has_value(), !display.isEmpty());
        if (!o)
            return;
        QCOMPARE(o->display(), display);
        QCOMPARE(o->hostField(), hostField);
        QCOMPARE(CredentialOrigin::fromUrl(o->display()), o);
    }

    void portsMakeDifferentOrigins()
    {
        QVERIFY(CredentialOrigin::fromUrl("http://h.test:8080/a")
                != CredentialOrigin::fromUrl("http://h.test:8081/a"));
        QVERIFY(CredentialOrigin::fromUrl("http://h.test/a")
                != CredentialOrigin::fromUrl("https://h.test/a"));
        QVERIFY(CredentialOrigin::fromUrl("https://h.test/a")
                == CredentialOrigin::fromUrl("https://h.test:443/b"));
    }

    void unsafeFields()
    {
        QVERIFY(isSafeCredentialField("h.test"));
        QVERIFY(isSafeCredentialField("org/x%0Ay"));
        QVERIFY(!isSafeCredentialField("x\nhost=github.com"));
        QVERIFY(!isSafeCredentialField("x\r"));
        QVERIFY(!isSafeCredentialField(QString("x") + QChar(0) + "y"));
    }
};

QTEST_GUILESS_MAIN(TestCredentialScope)
#include "tst_credentialscope.moc"
