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
        QTest::newRow("https") << "https://example.test/org/repo.git" << int(K::Https)
                               << "example.test"
                               << "https://example.test/org/repo.git";
        QTest::newRow("http with port")
            << "http://127.0.0.1:8080/r.git" << int(K::Http) << "127.0.0.1"
            << "http://127.0.0.1:8080/r.git";
        QTest::newRow("https token user")
            << "https://ghp_SECRET@example.test/r.git" << int(K::Https) << "example.test"
            << "https://example.test/r.git";
        QTest::newRow("https user:pass")
            << "https://me:hunter2@example.test/r.git" << int(K::Https) << "example.test"
            << "https://example.test/r.git";
        QTest::newRow("git") << "git://127.0.0.1:9418/r.git" << int(K::Git) << "127.0.0.1"
                             << "git://127.0.0.1:9418/r.git";
        QTest::newRow("ssh") << "ssh://git@example.test:2222/r.git" << int(K::Ssh) << "example.test"
                             << "ssh://git@example.test:2222/r.git";
        QTest::newRow("scp") << "git@example.test:org/r.git" << int(K::Ssh) << "example.test"
                             << "git@example.test:org/r.git";
        QTest::newRow("scp no user") << "example.test:r.git" << int(K::Ssh) << "example.test"
                                     << "example.test:r.git";
        QTest::newRow("file url") << "file:///srv/git/r.git" << int(K::File) << ""
                                  << "file:///srv/git/r.git";
        QTest::newRow("absolute path") << "/srv/git/r.git" << int(K::File) << ""
                                       << "/srv/git/r.git";
        QTest::newRow("windows path") << "C:\\repos\\r.git" << int(K::Invalid) << ""
                                      << "";
        QTest::newRow("empty") << "" << int(K::Invalid) << ""
                               << "";
        QTest::newRow("ftp") << "ftp://example.test/r.git" << int(K::Invalid) << ""
                             << "";
        QTest::newRow("no host") << "https:///r.git" << int(K::Invalid) << ""
                                 << "";
        QTest::newRow("no path") << "https://example.test/" << int(K::Invalid) << ""
                                 << "";
        QTest::newRow("word") << "myrepo" << int(K::Invalid) << ""
                              << "";
        QTest::newRow("space") << "https://example.test/my repo.git" << int(K::Invalid) << ""
                               << "";
        QTest::newRow("encoded space (Azure DevOps)")
            << "https://dev.azure.com/org/My%20Project/_git/repo" << int(K::Https)
            << "dev.azure.com"
            << "https://dev.azure.com/org/My%20Project/_git/repo";
        // CVE-2020-5260 class: a line break would add fields to git's credential protocol.
        QTest::newRow("encoded LF") << "http://127.0.0.1/x%0Aprotocol=https%0Ahost=github.com%0A%0A"
                                    << int(K::Invalid) << ""
                                    << "";
        QTest::newRow("encoded CR") << "https://h.test/r%0d.git" << int(K::Invalid) << ""
                                    << "";
        QTest::newRow("encoded NUL") << "https://h.test/r%00.git" << int(K::Invalid) << ""
                                     << "";
        QTest::newRow("raw LF") << "https://h.test/r\nhost=x.git" << int(K::Invalid) << ""
                                << "";
        QTest::newRow("LF in user") << "https://a%0Ab@h.test/r.git" << int(K::Invalid) << ""
                                    << "";
        QTest::newRow("scp LF") << "git@h.test:r\n.git" << int(K::Invalid) << ""
                                << "";
        // ssh would read these as options (-oProxyCommand=...).
        QTest::newRow("ssh user option")
            << "ssh://-oProxyCommand=touch%20x@127.0.0.1/r.git" << int(K::Invalid) << ""
            << "";
        QTest::newRow("scp user option") << "-oProxyCommand=x@h.test:r.git" << int(K::Invalid) << ""
                                         << "";
        QTest::newRow("scp host option") << "-oProxyCommand=x:r.git" << int(K::Invalid) << ""
                                         << "";
        QTest::newRow("scp impossible host") << "ht!tp:/nope" << int(K::Invalid) << ""
                                             << "";
        QTest::newRow("token in query")
            << "https://gitlab.test/g/r.git?private_token=glpat-s3cr3t" << int(K::Invalid) << ""
            << "";
        QTest::newRow("harmless query")
            << "https://h.test/r.git?ref=main" << int(K::Https) << "h.test"
            << "https://h.test/r.git?ref=main";
        QTest::newRow("scp underscore host") << "git@my_alias:r.git" << int(K::Ssh) << "my_alias"
                                             << "git@my_alias:r.git";
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

    void storedFormParsesAgain_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("encoded space") << "https://dev.azure.com/org/My%20Project/_git/repo";
        QTest::newRow("encoded space, user")
            << "https://me@dev.azure.com/org/My%20Project/_git/repo";
        QTest::newRow("unicode path") << "https://h.test/d\u00e9p\u00f4t.git";
        QTest::newRow("encoded percent") << "https://h.test/a%25b.git";
        QTest::newRow("encoded hash") << "https://h.test/a%23b.git";
        QTest::newRow("ssh") << "ssh://git@h.test:2222/My%20Repo.git";
    }
    // Finding 7 of issue 14: "add" stored a URL that "list" then refused.
    void storedFormParsesAgain()
    {
        QFETCH(QString, url);
        const RemoteUrl first = RemoteUrl::parse(url);
        QVERIFY2(first.isValid(), qPrintable(first.error()));
        for (const QString &stored : {first.redacted(), first.withoutPassword()}) {
            const RemoteUrl again = RemoteUrl::parse(stored);
            QVERIFY2(again.isValid(), qPrintable(stored + ": " + again.error()));
            QCOMPARE(again.redacted(), first.redacted());
        }
    }

    void refusedUrlNeverQuotesThePassword_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("space") << "http://user:s3cr3t@127.0.0.1/x y.git";
        QTest::newRow("control character") << "http://user:s3cr3t@127.0.0.1/x%0A.git";
        QTest::newRow("bad syntax") << "https://user:s3cr3t@h.test:99999/x.git";
        QTest::newRow("bad host") << "https://user:s3cr3t@h!t/x.git";
        QTest::newRow("unknown scheme") << "htp://user:s3cr3t@h.test/x";
        QTest::newRow("mangled scheme") << "ht!tp:/user:s3cr3t@h.test/x";
        QTest::newRow("@ in password") << "https://user:s3@cr3t@h.test/x y";
        QTest::newRow("token in query") << "https://h.test/r.git?access_token=s3cr3t";
        QTest::newRow("query, then space") << "https://h.test/r y.git?x=s3cr3t";
    }
    void refusedUrlNeverQuotesThePassword()
    {
        QFETCH(QString, url);
        const RemoteUrl r = RemoteUrl::parse(url);
        QVERIFY(!r.isValid());
        QVERIFY2(!r.error().contains("s3cr3t") && !r.error().contains("cr3t"),
                 qPrintable(r.error()));
    }

    void controlCharacterMessageIsReadable()
    {
        const QString e = RemoteUrl::parse("http://127.0.0.1/x%0Ahost=github.com").error();
        QVERIFY2(e.contains("\"http://127.0.0.1/x%0Ahost=github.com\"")
                     && e.contains("(such as an encoded line break, %0A)"),
                 qPrintable(e));
    }

    void impossibleHostSuggestsTheUrl()
    {
        const RemoteUrl r = RemoteUrl::parse("ht!tp:/nope");
        QVERIFY(!r.isValid());
        QVERIFY2(r.error().contains("\"ht!tp\"") && r.error().contains("http://nope"),
                 qPrintable(r.error()));
        QVERIFY(RemoteUrl::parse("htps//h.test/r.git").error().contains("https://h.test/r.git"));
    }

    // parseSshUrl: what the OpenSSH transport runs ssh with, and the
    // "host[:port]" that names a host key in the window's trust requests.
    void sshTarget_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("hostAndPort");
        QTest::newRow("ssh with port") << "ssh://git@example.test:2222/org/r.git" << true << "git"
                                       << "example.test" << 2222 << "/org/r.git"
                                       << "example.test:2222";
        QTest::newRow("ssh without port") << "ssh://example.test/r.git" << true << ""
                                          << "example.test" << 0 << "/r.git"
                                          << "example.test";
        QTest::newRow("git+ssh") << "git+ssh://me@127.0.0.1:22/r.git" << true << "me"
                                 << "127.0.0.1" << 22 << "/r.git"
                                 << "127.0.0.1:22";
        QTest::newRow("home-relative") << "ssh://h.test/~me/r.git" << true << ""
                                       << "h.test" << 0 << "~me/r.git"
                                       << "h.test";
        QTest::newRow("scp") << "git@example.test:org/r.git" << true << "git"
                             << "example.test" << 0 << "org/r.git"
                             << "example.test";
        QTest::newRow("scp no user") << "example.test:r.git" << true << ""
                                     << "example.test" << 0 << "r.git"
                                     << "example.test";
        QTest::newRow("no path") << "ssh://example.test" << false << ""
                                 << "example.test" << 0 << ""
                                 << "example.test";
        QTest::newRow("not a URL") << "myrepo" << false << ""
                                   << "" << 0 << ""
                                   << "";
        QTest::newRow("host option") << "-oProxyCommand=touch_x:repo" << false << ""
                                     << "-oProxyCommand=touch_x" << 0 << "repo"
                                     << "-oProxyCommand=touch_x";
        QTest::newRow("user option")
            << "ssh://-oProxyCommand=x@h.test/r.git" << false << "-oProxyCommand=x"
            << "h.test" << 0 << "/r.git"
            << "h.test";
        QTest::newRow("LF in path") << "ssh://h.test/r%0A.git" << false << ""
                                    << "h.test" << 0 << "/r\n.git"
                                    << "h.test";
        QTest::newRow("scp absolute") << "me@h.test:/srv/r.git" << true << "me"
                                      << "h.test" << 0 << "/srv/r.git"
                                      << "h.test";
        QTest::newRow("encoded path") << "ssh://h.test/my%20repo.git" << true << ""
                                      << "h.test" << 0 << "/my repo.git"
                                      << "h.test";
    }

    // Finding 3 of issue 14: whatever let such a URL through, the transport
    // refuses it (tst_ssh optionInUserPartNeverRuns: nothing is started).
    void sshTargetRefused_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("ssh user option, encoded space")
            << "ssh://-oProxyCommand=touch%20x@127.0.0.1/r.git";
        QTest::newRow("ssh host option") << "ssh://-oProxyCommand=x/r.git";
        QTest::newRow("scp user option") << "-oProxyCommand=x@h.test:r.git";
        QTest::newRow("LF in user") << "ssh://a%0Ab@h.test/r.git";
        QTest::newRow("no host") << "ssh:///r.git";
    }
    void sshTargetRefused()
    {
        QFETCH(QString, url);
        QVERIFY(!parseSshUrl(url).valid);
    }

    void sshTarget()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        QFETCH(QString, user);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, path);
        QFETCH(QString, hostAndPort);
        const SshTarget t = parseSshUrl(url);
        QCOMPARE(t.valid, valid);
        QCOMPARE(t.user, user);
        QCOMPARE(t.host, host);
        QCOMPARE(t.port, port);
        QCOMPARE(t.path, path);
        QCOMPARE(t.hostAndPort(), hostAndPort);
    }

    void redactInText()
    {
        const QString t = redactUrlsInText(
            "failed to fetch https://me:hunter2@example.test/r.git: 401");
        QVERIFY(!t.contains("hunter2"));
        QVERIFY(t.contains("https://example.test/r.git"));
        QVERIFY(!redactUrlsInText("ssh://me:pw@host/x").contains("pw@"));
        // An '@' inside the password must not end the redaction early.
        QVERIFY(!redactUrlsInText("see https://a@b:s3cr3t@host/x").contains("s3cr3t"));
    }

    // Host keys: what the scheduler's host gate, the metrics and the tests
    // name a host by.
    void hostKeyOf_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("key");
        QTest::newRow("https, default port") << "https://github.com/o/r.git"
                                             << "github.com";
        QTest::newRow("lower case") << "https://GitHub.COM/o/r.git"
                                    << "github.com";
        QTest::newRow("git with port") << "git://127.0.0.1:9418/r.git"
                                       << "127.0.0.1:9418";
        QTest::newRow("credentials never in the key") << "https://me:hunter2@h.test:8443/r.git"
                                                      << "h.test:8443";
        QTest::newRow("ssh with port") << "ssh://git@Host.test:2222/r.git"
                                       << "host.test:2222";
        QTest::newRow("scp-style") << "git@Host.Test:o/r.git"
                                   << "host.test";
        QTest::newRow("path") << "/srv/repos/r.git"
                              << "local";
        QTest::newRow("file://") << "file:///srv/repos/r.git"
                                 << "local";
        QTest::newRow("empty") << ""
                               << "local";
        QTest::newRow("not a URL") << "just words"
                                   << "local";
        QTest::newRow("ipv6 is bracketed") << "http://[::1]:8080/r.git"
                                           << "[::1]:8080";
        QTest::newRow("ipv6 without port") << "https://[2001:DB8::1]/r.git"
                                           << "[2001:db8::1]";
    }
    void hostKeyOf()
    {
        QFETCH(QString, url);
        QFETCH(QString, key);
        QCOMPARE(repodeck::core::hostKeyOf(url), key);
    }

    void isLoopbackHostKey_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("loopback");
        QTest::newRow("local paths") << "local" << true;
        QTest::newRow("localhost") << "localhost" << true;
        QTest::newRow("localhost with port") << "localhost:8080" << true;
        QTest::newRow("127.0.0.1 with port") << "127.0.0.1:9418" << true;
        QTest::newRow("all of 127/8") << "127.1.2.3" << true;
        QTest::newRow("bracketed ::1") << "[::1]:8080" << true;
        QTest::newRow("a name") << "github.com" << false;
        QTest::newRow("a name starting with localhost") << "localhost.example.com" << false;
        QTest::newRow("private network") << "10.0.0.1:443" << false;
        QTest::newRow("bracketed ::1 without port") << "[::1]" << true;
        QTest::newRow("a name starting with 127.") << "127.example.com:443" << false;
        QTest::newRow("a v6 address that is not loopback") << "[2001:db8::1]:443" << false;
        QTest::newRow("v4-mapped is not taken for loopback by name")
            << "127.0.0.1.example.com" << false;
    }
    void isLoopbackHostKey()
    {
        QFETCH(QString, key);
        QFETCH(bool, loopback);
        QCOMPARE(repodeck::core::isLoopbackHostKey(key), loopback);
    }

    // What the scheduler asks: is this remote reachable while offline?
    void loopbackRemotes_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("loopback");
        QTest::newRow("git daemon on 127.0.0.1") << "git://127.0.0.1:9418/r.git" << true;
        QTest::newRow("http on localhost") << "http://localhost:8080/r.git" << true;
        QTest::newRow("a path") << "/srv/repos/r.git" << true;
        QTest::newRow("github") << "https://github.com/o/r.git" << false;
        QTest::newRow("http on [::1]") << "http://[::1]:8080/r.git" << true;
    }
    void loopbackRemotes()
    {
        QFETCH(QString, url);
        QFETCH(bool, loopback);
        QCOMPARE(repodeck::core::isLoopbackHostKey(repodeck::core::hostKeyOf(url)), loopback);
    }
};

QTEST_GUILESS_MAIN(TestRemoteUrl)
#include "tst_remoteurl.moc"
