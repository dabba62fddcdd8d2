// The OS keychain as a credential source, against a real Secret Service (a
// private GNOME Keyring on a private D-Bus session, see with-keyring.sh) and
// a real smart HTTP server that requires Basic auth.
#include "CliRunner.h"
#include "GitRepoFactory.h"
#include "HostileHttpServer.h"
#include "HttpGitServer.h"
#include "TestEnvironment.h"
#include "auth/CredentialBroker.h"
#include "auth/Keychain.h"

#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::Keychain;
using core::KeychainCredentials;

namespace {
const QByteArray kSecret = "kc-token-4b1d-SECRET-93";
}

class TestKeychain : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    HttpGitServer m_http;
    QString m_host;
    // Each test function's own workspace and HOME (init()).
    std::unique_ptr<CliRunner> m_cli;
    int m_serial = 0;

    QString accountKey() const { return KeychainCredentials::accountKey("http", m_host, "alice"); }
    QString clonePath(const QString &name) const { return m_cli->home() + "/w/" + name; }
    // The server's login moved into the keychain by `add`, as a person does
    // with a token in the URL.
    bool addWithToken(const QString &name, QByteArray *out = nullptr)
    {
        const QString url = m_http.urlWithCredentials("private.git", "alice",
                                                      QString::fromUtf8(kSecret));
        return m_cli->run({"add", name, url, clonePath(name)}, out) == 0;
    }

private slots:
    void initTestCase()
    {
        REPODECK_REQUIRE_TOOL("dbus-run-session", "package dbus; ./dev.sh installs it");
        REPODECK_REQUIRE_TOOL("gnome-keyring-daemon",
                              "package gnome-keyring; ./dev.sh installs it");
        // Set by with-keyring.sh when it could not start the private keyring.
        REPODECK_REQUIRE(!qEnvironmentVariableIsSet("REPODECK_TEST_NO_KEYRING"),
                         QStringLiteral("the private keyring of with-keyring.sh is needed"));
        // Entries of this run only, whatever else the keyring holds.
        qputenv("REPODECK_KEYCHAIN_SERVICE",
                "RepoDeck-test-" + QByteArray::number(QCoreApplication::applicationPid()));
        QString why;
        QVERIFY2(Keychain::available(&why), qPrintable(why));
        QVERIFY(!CliRunner::binary().isEmpty());
        const QString root = m_tmp.filePath("srv");
        QVERIFY(!GitRepoFactory::createBareRepo(root, "private.git", 2).isEmpty());
        QVERIFY(m_http.start(root));
        m_http.requireBasicAuth("alice", QString::fromUtf8(kSecret));
        m_host = QStringLiteral("127.0.0.1:%1").arg(m_http.port());
    }

    // Every test function starts without this server's logins in the
    // keychain and with a workspace of its own, so each stands alone.
    void init()
    {
        Keychain::remove(accountKey());
        Keychain::remove(KeychainCredentials::hostKey("http", m_host));
        const QString home = m_tmp.filePath(QStringLiteral("home%1").arg(++m_serial));
        m_cli = std::make_unique<CliRunner>(home, home + "/.config/repodeck/ws.json");
        m_cli->environment().insert("REPODECK_KEYCHAIN_SERVICE", Keychain::service());
        QCOMPARE(m_cli->run({"policy", "set", "default", "--max-attempts", "3", "--initial-delay",
                             "20ms", "--max-delay", "50ms"}),
                 0);
    }

    void cleanup() { m_http.requireBasicAuth("alice", QString::fromUtf8(kSecret)); }

    void keychainRoundTrip()
    {
        QCOMPARE(Keychain::read("nothing-here").status, core::KeychainResult::NotFound);
        QVERIFY(Keychain::write("round-trip", "value\0with nul", 15'000).ok());
        const core::KeychainResult r = Keychain::read("round-trip");
        QVERIFY(r.ok());
        QCOMPARE(r.data, QByteArray("value\0with nul"));
        QVERIFY(Keychain::remove("round-trip").ok());
        QCOMPARE(Keychain::read("round-trip").status, core::KeychainResult::NotFound);
    }

    void addMovesTheTokenIntoTheKeychain()
    {
        QByteArray out;
        QVERIFY(addWithToken("p", &out));
        QVERIFY2(out.contains("keychain"), out.constData());
        QFile ws(m_cli->workspace());
        QVERIFY(ws.open(QIODevice::ReadOnly));
        const QByteArray stored = ws.readAll();
        QVERIFY(!stored.contains(kSecret));
        QVERIFY2(stored.contains("http://alice@" + m_host.toUtf8() + "/private.git"),
                 stored.constData());
        const core::KeychainResult r = Keychain::read(accountKey());
        QVERIFY(r.ok());
        QVERIFY(r.data.contains(kSecret));

        // No git credential helper is configured: the keychain alone signs in.
        QCOMPARE(m_cli->run({"sync", "p", "--json"}, &out), 0);
        QCOMPARE(CliRunner::repoDone(out, "p").value("outcome").toString(), QString("cloned"));
    }

    void hostSignInIsUsedForUrlsWithoutAUser()
    {
        core::CredentialRequest request;
        request.protocol = "http";
        request.host = m_host;
        QVERIFY(KeychainCredentials::store(request,
                                           {"alice", QString::fromUtf8(kSecret), "keychain"}, true)
                    .ok());
        QCOMPARE(m_cli->run({"add", "h", m_http.url("private.git"), clonePath("h")}), 0);
        QByteArray out;
        QCOMPARE(m_cli->run({"sync", "h", "--json"}, &out), 0);
        QCOMPARE(CliRunner::repoDone(out, "h").value("outcome").toString(), QString("cloned"));
    }

    // --interactive asks once on a terminal; the accepted answer is stored
    // in the keychain, so the next run needs no terminal.
    void interactiveAnswerIsStoredInTheKeychain()
    {
        REPODECK_REQUIRE_TOOL("script", "util-linux; it gives the CLI a terminal");
        Keychain::remove(KeychainCredentials::hostKey("http", m_host));
        Keychain::remove(accountKey());
        QCOMPARE(m_cli->run({"add", "i", m_http.url("private.git"), clonePath("i")}), 0);
        QByteArray screen;
        const int rc = m_cli->runOnTerminal(
            {"sync", "i", "--json", "--interactive"},
            {{"Username:", "alice"}, {"Password or token:", kSecret}}, &screen);
        QVERIFY2(rc == 0, screen.constData());
        QVERIFY(screen.contains("now in the system keychain"));
        QVERIFY(!screen.contains(kSecret)); // no echo
        QVERIFY(
            Keychain::read(KeychainCredentials::hostKey("http", m_host)).data.contains(kSecret));
        QCOMPARE(m_cli->run({"remove", "i"}), 0);
        QCOMPARE(m_cli->run({"add", "i2", m_http.url("private.git"), clonePath("i2")}), 0);
        QByteArray out;
        QCOMPARE(m_cli->run({"sync", "i2", "--json"}, &out),
                 0); // no terminal: the keychain answers
    }

    void rejectedLoginIsDeletedAndNotReplayed()
    {
        // A login for the repository's user and a sign-in for the host, both
        // accepted once.
        QVERIFY(addWithToken("p"));
        core::CredentialRequest request;
        request.protocol = "http";
        request.host = m_host;
        QVERIFY(KeychainCredentials::store(request,
                                           {"alice", QString::fromUtf8(kSecret), "keychain"}, true)
                    .ok());
        QByteArray out;
        QCOMPARE(m_cli->run({"sync", "p", "--json"}, &out), 0);
        QVERIFY(Keychain::read(accountKey()).ok());

        m_http.requireBasicAuth("alice", "rotated-password");
        m_http.resetCounters();
        QCOMPARE(m_cli->run({"sync", "p", "--json"}, &out), 1);
        const QJsonObject done = CliRunner::repoDone(out, "p");
        QCOMPARE(done.value("category").toString(), QString("auth"));
        QCOMPARE(done.value("attempts").toInt(), 1);
        // Like `git credential reject`: the login the server refused is gone,
        // so the next run cannot send it again.
        QCOMPARE(Keychain::read(accountKey()).status, core::KeychainResult::NotFound);
        QCOMPARE(Keychain::read(KeychainCredentials::hostKey("http", m_host)).status,
                 core::KeychainResult::NotFound);
        m_http.resetCounters();
        QCOMPARE(m_cli->run({"sync", "p", "--json"}, &out), 1);
        QCOMPARE(CliRunner::repoDone(out, "p").value("category").toString(), QString("auth"));
        QVERIFY2(m_http.requestCount() <= 1, qPrintable(m_http.requestLog().join('\n')));
    }

    // Issue 14 finding 2: a keychain login is bound to its origin. a (asking
    // for credentials first, then redirecting) gets its own login; b, on
    // another port, gets nothing of it, and b's 401 deletes nothing of a's.
    void keychainLoginStaysWithItsOriginAcrossRedirects()
    {
        HostileHttpServer a;
        HostileHttpServer b;
        QVERIFY(a.start());
        QVERIFY(b.start());
        const QString hostA = QStringLiteral("127.0.0.1:%1").arg(a.port());
        const QByteArray secretA = "kc-origin-a-only-7731";
        core::CredentialRequest request;
        request.protocol = "http";
        request.host = hostA;
        QVERIFY(KeychainCredentials::store(request,
                                           {"alice", QString::fromUtf8(secretA), "keychain"}, true)
                    .ok());
        a.redirectTo(QStringLiteral("http://127.0.0.1:%1").arg(b.port()));
        a.setAuthBeforeRedirect(true);
        QCOMPARE(m_cli->run({"add", "redir", a.url("repo.git"), clonePath("redir")}), 0);
        QByteArray out;
        QCOMPARE(m_cli->run({"sync", "redir", "--json"}, &out), 1);
        QVERIFY2(!b.seen().isEmpty(), "the redirect was not followed, so nothing was tested");
        QVERIFY2(a.credentialsSeen().join(' ').contains(secretA), "a did not get its own login");
        const QByteArray toB = b.credentialsSeen().join(" | ");
        QVERIFY2(!toB.contains(secretA), toB.constData());
        QVERIFY2(Keychain::read(KeychainCredentials::hostKey("http", hostA)).data.contains(secretA),
                 "b's 401 deleted a's keychain login");
        QVERIFY(!out.contains(secretA));
        Keychain::remove(KeychainCredentials::hostKey("http", hostA));
        Keychain::remove(KeychainCredentials::accountKey("http", hostA, "alice"));
        QCOMPARE(m_cli->run({"remove", "redir"}), 0);
    }

    void withoutAKeychainNothingIsStored()
    {
        QVERIFY(addWithToken("p")); // the workspace holds something before
        QFile ws(m_cli->workspace());
        QVERIFY(ws.open(QIODevice::ReadOnly));
        const QByteArray before = ws.readAll();
        ws.close();
        CliRunner noBus(m_cli->home(), m_cli->workspace());
        noBus.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        noBus.environment().remove("DISPLAY");
        noBus.environment().insert("DBUS_SESSION_BUS_ADDRESS",
                                   "unix:path=" + m_tmp.filePath("no-bus"));
        QByteArray err;
        const QString url = m_http.urlWithCredentials("private.git", "alice",
                                                      "another-secret-never-kept");
        QCOMPARE(noBus.run({"add", "n", url, clonePath("n")}, nullptr, &err), 2);
        QVERIFY2(err.contains("no keychain is available") && err.contains("Nothing was stored"),
                 err.constData());
        QVERIFY(ws.open(QIODevice::ReadOnly));
        QCOMPARE(ws.readAll(), before);
        QVERIFY(!QFileInfo::exists(clonePath("n")));
        QVERIFY(filesContaining(m_tmp.path(), "another-secret-never-kept").isEmpty());
        QVERIFY(!noBus.printed().contains("another-secret-never-kept"));
    }

    // The token given in a URL, moved into the keychain and used for a clone
    // and a fetch, is in no file and nothing printed.
    void secretNeverReachesAnythingRepoDeckWrote()
    {
        QVERIFY(addWithToken("s"));
        QByteArray out;
        QCOMPARE(m_cli->run({"sync", "s", "--json"}, &out), 0);
        QCOMPARE(CliRunner::repoDone(out, "s").value("outcome").toString(), QString("cloned"));
        QCOMPARE(m_cli->run({"sync", "s", "--json"}, &out), 0);
        QVERIFY(QFileInfo::exists(clonePath("s/.git/config")));
        QVERIFY(!m_cli->printed().isEmpty());
        QVERIFY(!m_cli->printed().contains(kSecret));
        const QStringList leaks = filesContaining(m_tmp.path(), kSecret);
        QVERIFY2(leaks.isEmpty(), qPrintable(leaks.join('\n')));
    }

    void cleanupTestCase()
    {
        Keychain::remove(accountKey());
        Keychain::remove(KeychainCredentials::hostKey("http", m_host));
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
