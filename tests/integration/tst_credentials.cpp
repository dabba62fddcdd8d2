// HTTP credentials from git's own credential helpers, without loops and
// without secrets reaching anything RepoDeck writes or prints.
#include "CliRunner.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "TestEnvironment.h"

#include <QtTest>

#include <unistd.h>

using namespace repodeck::test;

namespace {
const QByteArray kSecret = "s3cret-token-XYZ-7f2a";
}

class TestCredentials : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_cli;
    HttpGitServer m_http;
    // Each test function's own: a HOME with git's credential store, its
    // workspace and the CLI that runs in it (init()).
    QString m_home;
    QString m_ws;
    int m_serial = 0;

    QString storePath() const { return m_home + "/git-credentials"; }
    QString clonePath(const QString &name) const { return m_home + "/w/" + name; }

    void writeStore(const QByteArray &password)
    {
        QFile f(storePath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("http://alice:" + password + "@127.0.0.1:" + QByteArray::number(m_http.port())
                + "\n");
    }

    std::unique_ptr<CliRunner> m_runner;

    int cli(const QStringList &args, QByteArray *out = nullptr)
    {
        return m_runner->run(args, out, nullptr, 30'000);
    }
    static QJsonObject repoDone(const QByteArray &out, const QString &repo)
    {
        return CliRunner::repoDone(out, repo);
    }

private slots:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("REPODECK_CLI");
        QVERIFY(QFileInfo(m_cli).isExecutable());
        const QString root = m_tmp.filePath("srv");
        QVERIFY(!GitRepoFactory::createBareRepo(root, "private.git", 2).isEmpty());
        QVERIFY(m_http.start(root));
        m_http.requireBasicAuth("alice", QString::fromUtf8(kSecret));
    }

    // A home of its own for every test function, so each stands alone.
    void init()
    {
        m_home = m_tmp.filePath(QStringLiteral("home%1").arg(++m_serial));
        QVERIFY(QDir().mkpath(m_home));
        QFile cfg(m_home + "/.gitconfig");
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("[credential]\n\thelper = store --file=" + storePath().toUtf8() + "\n");
        cfg.close();
        m_ws = m_home + "/.config/repodeck/workspace.json";
        m_runner = std::make_unique<CliRunner>(m_home, m_ws);
        m_runner->environment().insert("XDG_DATA_HOME", m_home + "/.local/share");
        QCOMPARE(cli({"policy", "set", "default", "--max-attempts", "4", "--initial-delay", "20ms",
                      "--max-delay", "100ms"}),
                 0);
    }

    void helperCredentialIsUsed()
    {
        writeStore(kSecret);
        QCOMPARE(cli({"add", "p", m_http.url("private.git"), clonePath("p")}), 0);
        QByteArray out;
        QCOMPARE(cli({"sync", "p", "--json"}, &out), 0);
        QCOMPARE(repoDone(out, "p").value("outcome").toString(), QString("cloned"));
    }

    void rejectedCredentialEndsTheAttemptAndIsForgotten()
    {
        writeStore("wrong-password");
        QCOMPARE(cli({"add", "q", m_http.url("private.git"), clonePath("q")}), 0);
        m_http.resetCounters();
        QByteArray out;
        QCOMPARE(cli({"sync", "q", "--json"}, &out), 1);
        const QJsonObject done = repoDone(out, "q");
        QCOMPARE(done.value("outcome").toString(), QString("failed"));
        QCOMPARE(done.value("category").toString(), QString("auth"));
        QCOMPARE(done.value("attempts").toInt(), 1);
        QVERIFY2(m_http.requestCount() <= 3, qPrintable(m_http.requestLog().join("\n")));
        // git's helper was told: the bad credential is gone, so the next
        // scheduled sync cannot replay it.
        QFile store(storePath());
        QVERIFY(store.open(QIODevice::ReadOnly));
        QVERIFY(!store.readAll().contains("wrong-password"));
        m_http.resetCounters();
        QCOMPARE(cli({"sync", "q", "--json"}, &out), 1);
        QCOMPARE(repoDone(out, "q").value("category").toString(), QString("auth"));
        QVERIFY(m_http.requestCount() <= 2);
    }

    // Found in review: `git credential` ran in RepoDeck's working directory,
    // so a repository around it (a download, a shared folder) chose its own
    // credential.helper and received the stored password on approve/reject.
    void repositoryAroundTheWorkingDirectoryChoosesNoHelper()
    {
        const QString evil = m_tmp.filePath(QStringLiteral("downloads%1/evil").arg(m_serial));
        QDir().mkpath(evil + "/sub");
        GitRepoFactory::git({"init", "-q", evil}, m_tmp.path());
        const QString stolen = m_tmp.filePath(QStringLiteral("stolen%1.txt").arg(m_serial));
        GitRepoFactory::git({"config", "credential.helper", "!f() { cat >> '" + stolen + "'; }; f"},
                            evil);
        m_runner->setWorkingDirectory(evil + "/sub");
        writeStore(kSecret);
        QCOMPARE(cli({"add", "ev", m_http.url("private.git"), clonePath("ev")}), 0);
        QByteArray out;
        QCOMPARE(cli({"sync", "ev", "--json"}, &out), 0); // fill, then approve
        writeStore("wrong-password");
        QCOMPARE(cli({"add", "ev2", m_http.url("private.git"), clonePath("ev2")}), 0);
        QCOMPARE(cli({"sync", "ev2", "--json"}, &out), 1); // fill, then reject
        m_runner->setWorkingDirectory(QString());
        QVERIFY2(!QFileInfo::exists(stolen), "a repository's own credential.helper was run");
    }

    void noCredentialAnywhereFailsFastWithoutPrompting()
    {
        QFile::remove(storePath());
        QCOMPARE(cli({"add", "r", m_http.url("private.git"), clonePath("r")}), 0);
        QElapsedTimer t;
        t.start();
        QByteArray out;
        QCOMPARE(cli({"sync", "r", "--json"}, &out), 1);
        QVERIFY(t.elapsed() < 10'000);
        const QJsonObject done = repoDone(out, "r");
        QCOMPARE(done.value("category").toString(), QString("auth"));
        QCOMPARE(done.value("attempts").toInt(), 1);
        QVERIFY(done.value("message").toString().contains("git-credential"));
    }

    void interactiveAsksOnceOnATerminalWithoutEcho()
    {
        REPODECK_REQUIRE_TOOL("script", "util-linux; it gives the CLI a terminal");
        QFile::remove(storePath());
        QCOMPARE(cli({"add", "t", m_http.url("private.git"), clonePath("t")}), 0);
        QCOMPARE(cli({"add", "t2", m_http.url("private.git"), clonePath("t2")}), 0);
        QByteArray out;
        const int rc = m_runner->runOnTerminal(
            {"sync", "t", "t2", "--json", "--interactive"},
            {{"Username:", "alice"}, {"Password or token:", kSecret}}, &out);
        QVERIFY2(out.contains("\"outcome\":\"cloned\""), out.constData());
        QVERIFY2(!out.contains("Username:"),
                 "asked a second time"); // prompts answered are cut from the screen
        // One question for the host, not one per repository (checked above).
        QVERIFY(out.contains("\"outcome\":\"cloned\""));
        QVERIFY2(!out.contains(kSecret), "the password is not echoed");
        QCOMPARE(rc, 0);
        // Without a terminal, --interactive is refused rather than hanging.
        QCOMPARE(cli({"sync", "t", "--interactive"}), 2);
    }

    // The secret as git's store gives it: accepted (and approved back), then
    // a wrong one rejected; neither reaches anything RepoDeck wrote.
    void secretNeverReachesAnythingRepoDeckWrites()
    {
        writeStore(kSecret);
        QCOMPARE(cli({"add", "ok", m_http.url("private.git"), clonePath("ok")}), 0);
        QByteArray out;
        QCOMPARE(cli({"sync", "ok", "--json"}, &out), 0);
        QCOMPARE(repoDone(out, "ok").value("outcome").toString(), QString("cloned"));
        writeStore("wrong-password");
        QCOMPARE(cli({"add", "bad", m_http.url("private.git"), clonePath("bad")}), 0);
        QCOMPARE(cli({"sync", "bad", "--json"}, &out), 1);
        QCOMPARE(repoDone(out, "bad").value("category").toString(), QString("auth"));
        writeStore(kSecret);
        QCOMPARE(cli({"sync", "ok", "--json"}, &out), 0);
        verifyNoSecretWritten();
    }

    // The secret typed on a terminal (--interactive) reaches nothing either.
    void secretTypedOnATerminalNeverReachesAnythingRepoDeckWrites()
    {
        REPODECK_REQUIRE_TOOL("script", "util-linux; it gives the CLI a terminal");
        QFile::remove(storePath());
        QCOMPARE(cli({"add", "typed", m_http.url("private.git"), clonePath("typed")}), 0);
        QByteArray screen;
        const int rc = m_runner->runOnTerminal(
            {"sync", "typed", "--json", "--interactive"},
            {{"Username:", "alice"}, {"Password or token:", kSecret}}, &screen);
        QVERIFY2(rc == 0, screen.constData());
        QVERIFY2(!screen.contains(kSecret), "the password is not echoed");
        verifyNoSecretWritten();
    }

private:
    // Everything under this test's HOME (workspace, state, logs, clones)
    // except git's own credential store, plus everything the CLI printed.
    void verifyNoSecretWritten()
    {
        QVERIFY(!m_runner->printed().isEmpty());
        QVERIFY(!m_runner->printed().contains(kSecret));
        int scanned = 0;
        QDirIterator it(m_home, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (path == storePath() || path.endsWith("/.gitconfig"))
                continue;
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(kSecret), qPrintable(path));
            ++scanned;
        }
        QVERIFY2(scanned > 5, "the scan looked at the workspace, state, logs and clones");
        QVERIFY(QFileInfo::exists(m_home + "/.local/share/repodeck/logs/repodeck-cli.log"));
        QVERIFY(QFileInfo::exists(m_ws));
        QVERIFY(QFileInfo::exists(clonePath("ok/.git/config"))
                || QFileInfo::exists(clonePath("typed/.git/config")));
    }
};

QTEST_GUILESS_MAIN(TestCredentials)
#include "tst_credentials.moc"
