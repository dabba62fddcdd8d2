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
    QString m_home;
    QString m_ws;
    HttpGitServer m_http;
    QByteArray m_printed; // everything repodeck-cli printed, for the secret scan

    QString storePath() const { return m_home + "/git-credentials"; }

    void writeStore(const QByteArray &password)
    {
        QFile f(storePath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("http://alice:" + password + "@127.0.0.1:" + QByteArray::number(m_http.port()) + "\n");
    }

    std::unique_ptr<CliRunner> m_runner;

    int cli(const QStringList &args, QByteArray *out = nullptr) { return m_runner->run(args, out, nullptr, 30'000); }
    static QJsonObject repoDone(const QByteArray &out, const QString &repo) { return CliRunner::repoDone(out, repo); }

private slots:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("REPODECK_CLI");
        QVERIFY(QFileInfo(m_cli).isExecutable());
        m_home = m_tmp.filePath("home");
        QDir().mkpath(m_home);
        QFile cfg(m_home + "/.gitconfig");
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("[credential]\n\thelper = store --file=" + storePath().toUtf8() + "\n");
        cfg.close();
        const QString root = m_tmp.filePath("srv");
        QVERIFY(!GitRepoFactory::createBareRepo(root, "private.git", 2).isEmpty());
        QVERIFY(m_http.start(root));
        m_http.requireBasicAuth("alice", QString::fromUtf8(kSecret));
        m_ws = m_home + "/.config/repodeck/workspace.json";
        m_runner = std::make_unique<CliRunner>(m_home, m_ws);
        m_runner->environment().insert("XDG_DATA_HOME", m_home + "/.local/share");
        QCOMPARE(cli({"policy", "set", "default", "--max-attempts", "4", "--initial-delay", "20ms",
                      "--max-delay", "100ms"}), 0);
    }

    void helperCredentialIsUsed()
    {
        writeStore(kSecret);
        QCOMPARE(cli({"add", "p", m_http.url("private.git"), m_tmp.filePath("w/p")}), 0);
        QByteArray out;
        QCOMPARE(cli({"sync", "p", "--json"}, &out), 0);
        QCOMPARE(repoDone(out, "p").value("outcome").toString(), QString("cloned"));
    }

    void rejectedCredentialEndsTheAttemptAndIsForgotten()
    {
        writeStore("wrong-password");
        QCOMPARE(cli({"add", "q", m_http.url("private.git"), m_tmp.filePath("w/q")}), 0);
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
        const QString evil = m_tmp.filePath("downloads/evil");
        QDir().mkpath(evil + "/sub");
        GitRepoFactory::git({"init", "-q", evil}, m_tmp.path());
        const QString stolen = m_tmp.filePath("stolen.txt");
        GitRepoFactory::git({"config", "credential.helper", "!f() { cat >> '" + stolen + "'; }; f"}, evil);
        m_runner->setWorkingDirectory(evil + "/sub");
        writeStore(kSecret);
        QCOMPARE(cli({"add", "ev", m_http.url("private.git"), m_tmp.filePath("w/ev")}), 0);
        QByteArray out;
        QCOMPARE(cli({"sync", "ev", "--json"}, &out), 0); // fill, then approve
        writeStore("wrong-password");
        QCOMPARE(cli({"add", "ev2", m_http.url("private.git"), m_tmp.filePath("w/ev2")}), 0);
        QCOMPARE(cli({"sync", "ev2", "--json"}, &out), 1); // fill, then reject
        m_runner->setWorkingDirectory(QString());
        QVERIFY2(!QFileInfo::exists(stolen), "a repository's own credential.helper was run");
    }

    void noCredentialAnywhereFailsFastWithoutPrompting()
    {
        QFile::remove(storePath());
        QCOMPARE(cli({"add", "r", m_http.url("private.git"), m_tmp.filePath("w/r")}), 0);
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
        QCOMPARE(cli({"add", "t", m_http.url("private.git"), m_tmp.filePath("w/t")}), 0);
        QCOMPARE(cli({"add", "t2", m_http.url("private.git"), m_tmp.filePath("w/t2")}), 0);
        QByteArray out;
        const int rc = m_runner->runOnTerminal({"sync", "t", "t2", "--json", "--interactive"},
                                               {{"Username:", "alice"}, {"Password or token:", kSecret}}, &out);
        QVERIFY2(out.contains("\"outcome\":\"cloned\""), out.constData());
        QVERIFY2(!out.contains("Username:"), "asked a second time"); // prompts answered are cut from the screen
        // One question for the host, not one per repository (checked above).
        QVERIFY(out.contains("\"outcome\":\"cloned\""));
        QVERIFY2(!out.contains(kSecret), "the password is not echoed");
        QCOMPARE(rc, 0);
        // Without a terminal, --interactive is refused rather than hanging.
        QCOMPARE(cli({"sync", "t", "--interactive"}), 2);
    }

    void secretNeverReachesAnythingRepoDeckWrites()
    {
        // Everything under HOME (workspace, state, logs, clones) except git's
        // own credential store, plus everything printed.
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
        QDirIterator clones(m_tmp.filePath("w"), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (clones.hasNext()) {
            QFile f(clones.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(kSecret), qPrintable(f.fileName()));
            ++scanned;
        }
        QVERIFY2(scanned > 5, "the scan looked at the workspace, state, logs and clones");
        QVERIFY(QFileInfo::exists(m_home + "/.local/share/repodeck/logs/repodeck-cli.log"));
    }
};

QTEST_GUILESS_MAIN(TestCredentials)
#include "tst_credentials.moc"
