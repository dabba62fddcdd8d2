#include "util/RemoteUrl.h"

#include <QtTest>

using namespace repodeck::core;

class TestRemoteUrl : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("redacted");
        using K = RemoteUrl::Kind;
        QTest::newRow("https") << "https://example.test/org/repo.git" << int(K::Https) << "example.test" << "https://example.test/org/repo.git";
        QTest::newRow("http with port") << "http://127.0.0.1:8080/r.git" << int(K::Http) << "127.0.0.1" << "http://127.0.0.1:8080/r.git";
        QTest::newRow("https token user") << "https://ghp_SECRET@example.test/r.git" << int(K::Https) << "example.test" << "https://example.test/r.git";
        QTest::newRow("https user:pass") << "https://me:hunter2@example.test/r.git" << int(K::Https) << "example.test" << "https://example.test/r.git";
        QTest::newRow("git") << "git://127.0.0.1:9418/r.git" << int(K::Git) << "127.0.0.1" << "git://127.0.0.1:9418/r.git";
        QTest::newRow("ssh") << "ssh://git@example.test:2222/r.git" << int(K::Ssh) << "example.test" << "ssh://git@example.test:2222/r.git";
        QTest::newRow("scp") << "git@example.test:org/r.git" << int(K::Ssh) << "example.test" << "git@example.test:org/r.git";
        QTest::newRow("scp no user") << "example.test:r.git" << int(K::Ssh) << "example.test" << "example.test:r.git";
        QTest::newRow("file url") << "file:///srv/git/r.git" << int(K::File) << "" << "file:///srv/git/r.git";
        QTest::newRow("absolute path") << "/srv/git/r.git" << int(K::File) << "" << "/srv/git/r.git";
        QTest::newRow("windows path") << "C:\\repos\\r.git" << int(K::Invalid) << "" << "";
        QTest::newRow("empty") << "" << int(K::Invalid) << "" << "";
        QTest::newRow("ftp") << "ftp://example.test/r.git" << int(K::Invalid) << "" << "";
        QTest::newRow("no host") << "https:///r.git" << int(K::Invalid) << "" << "";
        QTest::newRow("no path") << "https://example.test/" << int(K::Invalid) << "" << "";
        QTest::newRow("word") << "myrepo" << int(K::Invalid) << "" << "";
        QTest::newRow("space") << "https://example.test/my repo.git" << int(K::Invalid) << "" << "";
    }
    void parse()
    {
        QFETCH(QString, url);
        QFETCH(int, kind);
        QFETCH(QString, host);
        QFETCH(QString, redacted);
        const RemoteUrl r = RemoteUrl::parse(url);
#ifdef Q_OS_WIN
        if (QTest::currentDataTag() == QByteArray("windows path"))
            QSKIP("a drive path is a valid local path on Windows");
#endif
        QCOMPARE(int(r.kind()), kind);
        if (r.isValid()) {
            QCOMPARE(r.host(), host);
            QCOMPARE(r.redacted(), redacted);
            QVERIFY(r.error().isEmpty());
        } else {
            QVERIFY2(!r.error().isEmpty(), "an invalid URL explains why");
        }
    }

    void passwordDetected()
    {
        QVERIFY(RemoteUrl::parse("https://me:hunter2@example.test/r.git").hasPassword());
        QVERIFY(!RemoteUrl::parse("https://me@example.test/r.git").hasPassword());
        const RemoteUrl u = RemoteUrl::parse("https://me:hunter2@example.test:8443/r.git");
        QCOMPARE(u.userName(), QString("me"));
        QCOMPARE(u.password(), QString("hunter2"));
        QCOMPARE(u.withoutPassword(), QString("https://me@example.test:8443/r.git"));
        QCOMPARE(u.redacted(), QString("https://example.test:8443/r.git"));
    }

    void redactInText()
    {
        const QString t = redactUrlsInText("failed to fetch https://me:hunter2@example.test/r.git: 401");
        QVERIFY(!t.contains("hunter2"));
        QVERIFY(t.contains("https://example.test/r.git"));
        QVERIFY(!redactUrlsInText("ssh://me:pw@host/x").contains("pw@"));
    }
};

QTEST_GUILESS_MAIN(TestRemoteUrl)
#include "tst_remoteurl.moc"
