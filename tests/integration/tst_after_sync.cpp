// The after_sync command (issue 16 item 3), run for real through /bin/sh:
// it sees the sync through REPODECK_* variables (a script writes them to a
// file), works in the repository's folder, is killed with what it started
// when it passes its timeout, its output reaches the attempt log (capped),
// and its failure is reported without changing the sync's result. Values
// from the server (a branch named like a command) reach it only as
// variables: nothing they spell is run.
#include "SyncHarness.h"

#include "CliRunner.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"
#include "log/Logging.h"
#include "model/TimelineModel.h"
#include "state/RepoStateStore.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <csignal>

using namespace repodeck;
using namespace repodeck::test;
using core::Outcome;
using core::Trigger;

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QString quoted(const QString &path)
{
    return QLatin1Char('\'') + path + QLatin1Char('\'');
}

// Gone, or a zombie nobody reaped yet (its code no longer runs).
bool processGone(qint64 pid)
{
    if (::kill(static_cast<pid_t>(pid), 0) != 0)
        return true;
    const QByteArray stat = readFile(QStringLiteral("/proc/%1/stat").arg(pid));
    const int close = stat.lastIndexOf(')');
    return close > 0 && stat.mid(close + 2, 1) == "Z";
}

} // namespace

class TestAfterSync : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    GitDaemonServer m_daemon;
    QString m_bare;
    QString m_script;
    int m_counter = 0;

    QString target() { return m_tmp.filePath(QStringLiteral("w/r%1").arg(++m_counter)); }
    QString file(const QString &name) { return m_tmp.filePath(name); }

    struct Run : QObject
    {
        core::SyncSession session;
        QHash<QString, core::RepoResult> results;
        QHash<QString, core::HookResult> hooks;
        Run()
        {
            connect(session.scheduler(), &core::Scheduler::finished, this,
                    [this](const QString &n, const core::RepoResult &r) { results.insert(n, r); });
            connect(&session, &core::SyncSession::afterSyncFinished, this,
                    [this](const QString &n, const core::HookResult &r) { hooks.insert(n, r); });
        }
        void setUp(const QString &name, const QString &url, const QString &path,
                   const QString &command, core::Millis timeout = core::Millis(30'000),
                   const QString &branch = {}, core::AfterSyncOn on = core::AfterSyncOn::Success)
        {
            core::Workspace ws;
            core::RetryPolicy p = fastPolicy(1);
            p.name = QStringLiteral("default");
            p.afterSync = command;
            p.afterSyncTimeout = timeout;
            p.afterSyncOn = on;
            ws.setPolicy(p);
            core::RepoSpec s;
            s.name = name;
            s.url = url;
            s.path = path;
            s.branch = branch;
            ws.addRepository(s);
            session.setWorkspace(ws);
        }
        bool syncAndWait(const QString &name, int timeoutMs = 30'000)
        {
            results.remove(name);
            hooks.remove(name);
            session.sync(name, Trigger::Manual);
            QElapsedTimer t;
            t.start();
            while (!session.isIdle() || !results.contains(name)) {
                if (t.elapsed() > timeoutMs)
                    return false;
                QSignalSpy idle(&session, &core::SyncSession::idle);
                idle.wait(200);
            }
            return true;
        }
    };

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        const QString root = file(QStringLiteral("srv"));
        QDir().mkpath(root);
        m_bare = GitRepoFactory::createBareRepo(root, QStringLiteral("r.git"), 2);
        QVERIFY(!m_bare.isEmpty());
        QVERIFY(m_daemon.start(root));
        // The user's script: writes what it was told, one value a line.
        m_script = file(QStringLiteral("hook.sh"));
        QVERIFY(writeFile(
            m_script,
            "out=\"$1\"\n"
            "{ printf '%s\\n' \"$REPODECK_REPO\" \"$REPODECK_OUTCOME\" \"$REPODECK_OLD_HEAD\""
            " \"$REPODECK_NEW_HEAD\" \"$REPODECK_BRANCH\" \"$PWD\" \"$REPODECK_TRIGGER\""
            " \"$REPODECK_CHANGED\" \"$REPODECK_CATEGORY\"; } > \"$out\"\n"
            "echo hook-ran-for-$REPODECK_REPO\n"));
    }

    void scriptSeesTheSyncInItsEnvironment()
    {
        Run run;
        const QString path = target();
        const QString out = file(QStringLiteral("env1.txt"));
        run.setUp(QStringLiteral("env"), m_daemon.url(QStringLiteral("r.git")), path,
                  QStringLiteral("sh %1 %2").arg(quoted(m_script), quoted(out)));
        QVERIFY(run.syncAndWait(QStringLiteral("env")));
        QCOMPARE(run.results.value(QStringLiteral("env")).outcome, Outcome::Cloned);
        QVERIFY(run.hooks.value(QStringLiteral("env")).ok());
        const QString head1 = GitRepoFactory::revParse(m_bare, QStringLiteral("main"));
        QList<QByteArray> v = readFile(out).split('\n');
        QVERIFY2(v.size() >= 9, readFile(out).constData());
        QCOMPARE(v.at(0), QByteArray("env"));
        QCOMPARE(v.at(1), QByteArray("cloned"));
        QCOMPARE(v.at(2), QByteArray("")); // nothing before a clone
        QCOMPARE(QString::fromUtf8(v.at(3)), head1);
        QCOMPARE(v.at(4), QByteArray("main"));
        QCOMPARE(QFileInfo(QString::fromUtf8(v.at(5))).canonicalFilePath(),
                 QFileInfo(path).canonicalFilePath());
        QCOMPARE(v.at(6), QByteArray("manual"));
        QCOMPARE(v.at(7), QByteArray("1"));
        QVERIFY(run.hooks.value(QStringLiteral("env"))
                    .output.contains(QStringLiteral("hook-ran-for-env")));

        // An update: old and new HEAD are the commits before and after.
        QVERIFY(GitRepoFactory::addCommits(m_bare, 1));
        const QString head2 = GitRepoFactory::revParse(m_bare, QStringLiteral("main"));
        QVERIFY(run.syncAndWait(QStringLiteral("env")));
        QCOMPARE(run.results.value(QStringLiteral("env")).outcome, Outcome::Updated);
        v = readFile(out).split('\n');
        QCOMPARE(v.at(1), QByteArray("updated"));
        QCOMPARE(QString::fromUtf8(v.at(2)), head1);
        QCOMPARE(QString::fromUtf8(v.at(3)), head2);
    }

    // A hostile server's branch names, checked out and handed to the
    // command: they arrive as the variable's text, and nothing they spell runs.
    void branchNamesFromTheServerNeverRun()
    {
        const QStringList hostile = {QStringLiteral("$(touch${IFS}pwned1)"),
                                     QStringLiteral(";touch${IFS}pwned2"),
                                     QStringLiteral("`touch${IFS}pwned3`"),
                                     QStringLiteral("x&&touch${IFS}pwned4")};
        int i = 0;
        for (const QString &branch : hostile) {
            ++i;
            QVERIFY2(GitRepoFactory::addBranch(m_bare, branch, QStringLiteral("main")),
                     qPrintable(branch));
            Run run;
            const QString path = target();
            const QString out = file(QStringLiteral("hostile%1.txt").arg(i));
            run.setUp(QStringLiteral("h"), m_daemon.url(QStringLiteral("r.git")), path,
                      QStringLiteral("sh %1 %2").arg(quoted(m_script), quoted(out)),
                      core::Millis(30'000), branch);
            QVERIFY(run.syncAndWait(QStringLiteral("h")));
            QCOMPARE(run.results.value(QStringLiteral("h")).outcome, Outcome::Cloned);
            QCOMPARE(QString::fromUtf8(readFile(out).split('\n').value(4)), branch);
            for (const QString &dir : {path, m_tmp.path(), QDir::currentPath()}) {
                for (int k = 1; k <= 4; ++k)
                    QVERIFY2(
                        !QFileInfo::exists(QDir(dir).filePath(QStringLiteral("pwned%1").arg(k))),
                        qPrintable(QStringLiteral("%1 ran something (in %2)").arg(branch, dir)));
            }
        }
    }

    void hangingCommandIsKilledWithItsChildrenWithinTheBound()
    {
        Run run;
        const QString pidFile = file(QStringLiteral("hang.pid"));
        run.setUp(QStringLiteral("hang"), m_daemon.url(QStringLiteral("r.git")), target(),
                  QStringLiteral("sleep 60 & echo $! > %1; echo started; wait").arg(quoted(pidFile)),
                  core::Millis(800));
        QElapsedTimer clock;
        clock.start();
        QVERIFY(run.syncAndWait(QStringLiteral("hang"), 20'000));
        const qint64 took = clock.elapsed();
        qInfo(
            "hanging after_sync: sync and command ended %lld ms after the request (timeout 800 ms)",
            took);
        QVERIFY(took < 10'000);
        const core::HookResult h = run.hooks.value(QStringLiteral("hang"));
        QVERIFY(h.timedOut);
        QVERIFY(!h.ok());
        QVERIFY2(h.durationMs >= 750 && h.durationMs < 5000,
                 qPrintable(QString::number(h.durationMs)));
        QVERIFY(h.output.contains(QStringLiteral("started")));
        QCOMPARE(run.results.value(QStringLiteral("hang")).outcome,
                 Outcome::Cloned); // the sync stands
        const qint64 child = readFile(pidFile).trimmed().toLongLong();
        QVERIFY(child > 0);
        QTRY_VERIFY_WITH_TIMEOUT(processGone(child), 5000);
    }

    // Cancel (the window's Cancel, the CLI's Ctrl-C) stops a running command at once.
    void cancelStopsARunningCommand()
    {
        Run run;
        run.setUp(QStringLiteral("slow"), m_daemon.url(QStringLiteral("r.git")), target(),
                  QStringLiteral("echo waiting; sleep 60"), core::Millis(120'000));
        run.session.sync(QStringLiteral("slow"), Trigger::Manual);
        QTRY_VERIFY_WITH_TIMEOUT(run.results.contains(QStringLiteral("slow")), 20'000);
        QTRY_VERIFY_WITH_TIMEOUT(run.session.hooks()->isRunning(QStringLiteral("slow")), 5000);
        QVERIFY(!run.session.isIdle());
        QElapsedTimer clock;
        clock.start();
        run.session.cancel(QStringLiteral("slow"));
        QTRY_VERIFY_WITH_TIMEOUT(run.hooks.contains(QStringLiteral("slow")), 5000);
        qInfo("after_sync cancelled: ended %lld ms after the cancel", clock.elapsed());
        QVERIFY(clock.elapsed() < 5000);
        QVERIFY(run.hooks.value(QStringLiteral("slow")).killed);
        QVERIFY(run.session.isIdle());
        QCOMPARE(run.results.value(QStringLiteral("slow")).outcome, Outcome::Cloned);
    }

    void failureIsReportedAndTheSyncStandsAndOutputIsLoggedCapped()
    {
        const QString logs = file(QStringLiteral("logs"));
        qputenv("REPODECK_LOG_DIR", logs.toUtf8());
        const QString logPath = core::setupLogging(QStringLiteral("tst_after_sync"));
        QVERIFY(!logPath.isEmpty());
        Run run;
        run.setUp(QStringLiteral("fails"), m_daemon.url(QStringLiteral("r.git")), target(),
                  QStringLiteral(
                      "i=0; while [ $i -lt 500 ]; do echo line-$i; i=$((i+1)); done; exit 3"));
        QVERIFY(run.syncAndWait(QStringLiteral("fails")));
        QCOMPARE(run.results.value(QStringLiteral("fails")).outcome, Outcome::Cloned);
        const core::HookResult h = run.hooks.value(QStringLiteral("fails"));
        QCOMPARE(h.exitCode, 3);
        QVERIFY(!h.ok());
        QVERIFY(h.error.contains(QStringLiteral("code 3")));
        QVERIFY(h.output.endsWith(QStringLiteral("line-499")));
        QVERIFY(!h.output.contains(QStringLiteral("line-479\n")));
        QVERIFY(h.output.size() <= core::AfterSyncHooks::kOutputCap + 4);
        const QByteArray log = readFile(logPath);
        QVERIFY2(log.contains("\"record\":\"after_sync\"") && log.contains("line-499")
                     && log.contains("\"exit_code\":3"),
                 log.right(2000).constData());
        QVERIFY(!log.contains("line-0\\n"));
        QVERIFY(!log.contains("while [")); // the command itself is not logged
        // The state record keeps the sync's result.
        QCOMPARE(run.session.state(QStringLiteral("fails")).lastOutcome, Outcome::Cloned);
    }

    // Issue 16 item 3: the command's exit code and last line reach the
    // state file (so they survive a restart) and the timeline's rows.
    void resultReachesTheStateFileAndTheTimeline()
    {
        const QString wsPath = file(QStringLiteral("timeline/workspace.json"));
        QDir().mkpath(QFileInfo(wsPath).absolutePath());
        const QString script = file(QStringLiteral("exit3.sh"));
        const QString marker = file(QStringLiteral("exit3-marker.txt"));
        QVERIFY(writeFile(script,
                          "echo \"$REPODECK_OUTCOME\" > \"$1\"\n"
                          "echo first-line\n"
                          "printf 'tint\\033]0;owned\\007ed\\n'\n"
                          "echo last-line-of-hook >&2\n"
                          "exit 3\n"));
        Run run;
        run.session.open(wsPath, core::SyncSession::Loading::Now);
        run.setUp(QStringLiteral("tl"), m_daemon.url(QStringLiteral("r.git")), target(),
                  QStringLiteral("sh %1 %2").arg(quoted(script), quoted(marker)));
        QVERIFY(run.syncAndWait(QStringLiteral("tl")));
        QCOMPARE(readFile(marker), QByteArray("cloned\n"));
        QCOMPARE(run.hooks.value(QStringLiteral("tl")).exitCode, 3);
        QCOMPARE(run.session.finishRun(), QStringList());

        const QString statePath = core::RepoStateStore::pathFor(wsPath);
        const QJsonObject raw = QJsonDocument::fromJson(readFile(statePath))
                                    .object()
                                    .value(QStringLiteral("repositories"))
                                    .toObject()
                                    .value(QStringLiteral("tl"))
                                    .toObject()
                                    .value(QStringLiteral("after_sync"))
                                    .toObject();
        QCOMPARE(raw.value(QStringLiteral("exit_code")).toInt(), 3);
        QVERIFY(raw.value(QStringLiteral("output"))
                    .toString()
                    .endsWith(QStringLiteral("last-line-of-hook")));
        QVERIFY(!raw.value(QStringLiteral("output")).toString().contains(QChar(0x1b)));
        QVERIFY(!readFile(statePath).contains("exit3.sh")); // the command is never stored

        // As after a restart: what the file says, shown by the timeline.
        const auto loaded = core::RepoStateStore::load(statePath);
        QVERIFY(loaded);
        const core::RepoState st = loaded.value().state(QStringLiteral("tl"));
        QCOMPARE(st.lastOutcome, Outcome::Cloned);
        ui::TimelineModel model;
        model.setRecords(st.timeline, st.afterSync);
        QCOMPARE(model.rowCount(), static_cast<int>(st.timeline.size()) + 1);
        const int row = model.afterSyncRow();
        QCOMPARE(row, static_cast<int>(st.timeline.size()));
        QCOMPARE(model.index(row, ui::TimelineModel::Attempt).data().toString(),
                 QStringLiteral("after_sync"));
        QCOMPARE(model.index(row, ui::TimelineModel::Result).data().toString(),
                 QStringLiteral("exit code 3"));
        QCOMPARE(model.index(row, ui::TimelineModel::Message).data().toString(),
                 QStringLiteral("last-line-of-hook"));
        QVERIFY(model.index(row, ui::TimelineModel::Message)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("first-line")));
        // The session's own state (what the window shows before any restart).
        QCOMPARE(run.session.state(QStringLiteral("tl")).afterSync.exitCode, 3);

        // A new run replaces the row with its own command's.
        QVERIFY(writeFile(script, "echo again\nexit 0\n"));
        QVERIFY(run.syncAndWait(QStringLiteral("tl")));
        QCOMPARE(run.session.finishRun(), QStringList());
        const core::RepoState st2 = core::RepoStateStore::load(statePath).value().state(
            QStringLiteral("tl"));
        QCOMPARE(st2.afterSync.exitCode, 0);
        QCOMPARE(st2.afterSync.output, QStringLiteral("again"));
    }

    // Only on success unless after_sync_on says any.
    void failedSyncRunsTheCommandOnlyWithAny()
    {
        const QString dead = QStringLiteral("git://127.0.0.1:1/nothing.git");
        const QString marker = file(QStringLiteral("failed-marker.txt"));
        const QString cmd = QStringLiteral(
                                "printf '%s %s' \"$REPODECK_OUTCOME\" \"$REPODECK_CATEGORY\" > %1")
                                .arg(quoted(marker));
        {
            Run run;
            run.setUp(QStringLiteral("dead"), dead, target(), cmd);
            QVERIFY(run.syncAndWait(QStringLiteral("dead")));
            QCOMPARE(run.results.value(QStringLiteral("dead")).outcome, Outcome::Failed);
            QVERIFY(run.hooks.isEmpty());
            QVERIFY(!QFileInfo::exists(marker));
        }
        Run run;
        QDir().mkpath(file(QStringLiteral("deadwd")));
        run.setUp(QStringLiteral("dead"), dead, file(QStringLiteral("deadwd")), cmd,
                  core::Millis(30'000), {}, core::AfterSyncOn::Any);
        QVERIFY(run.syncAndWait(QStringLiteral("dead")));
        QVERIFY(run.hooks.value(QStringLiteral("dead")).ok());
        QCOMPARE(readFile(marker), QByteArray("failed network"));
    }

    // A repository's own after_sync, set with `repo set`, runs instead of
    // its policy's; --no-after-sync turns the policy's off for it alone.
    void repositoryCommandOverridesThePolicys()
    {
        const QString home = file(QStringLiteral("repohome"));
        CliRunner cli(home, file(QStringLiteral("repo-cli.json")));
        QCOMPARE(cli.run({QStringLiteral("add"), QStringLiteral("own"),
                          m_daemon.url(QStringLiteral("r.git")), target()}),
                 0);
        QCOMPARE(cli.run({QStringLiteral("add"), QStringLiteral("other"),
                          m_daemon.url(QStringLiteral("r.git")), target()}),
                 0);
        const QString policyMarker = file(QStringLiteral("policy-marker"));
        const QString repoMarker = file(QStringLiteral("repo-marker"));
        QCOMPARE(cli.run(
                     {QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("default"),
                      QStringLiteral("--after-sync"),
                      QStringLiteral("echo \"$REPODECK_REPO\" >> %1").arg(quoted(policyMarker))}),
                 0);
        QCOMPARE(cli.run({QStringLiteral("repo"), QStringLiteral("set"), QStringLiteral("own"),
                          QStringLiteral("--after-sync"),
                          QStringLiteral("echo \"$REPODECK_REPO $REPODECK_OUTCOME\" >> %1")
                              .arg(quoted(repoMarker)),
                          QStringLiteral("--after-sync-on"), QStringLiteral("any")}),
                 0);
        QVERIFY(readFile(cli.workspace()).contains("\"after_sync_on\": \"any\""));
        QCOMPARE(cli.run({QStringLiteral("repo"), QStringLiteral("set"), QStringLiteral("own"),
                          QStringLiteral("--after-sync-on"), QStringLiteral("sometimes")}),
                 2);
        QCOMPARE(cli.run({QStringLiteral("repo"), QStringLiteral("set"), QStringLiteral("nobody"),
                          QStringLiteral("--no-after-sync")}),
                 2);
        QCOMPARE(cli.run({QStringLiteral("sync")}), 0);
        QCOMPARE(readFile(repoMarker), QByteArray("own cloned\n"));
        QCOMPARE(readFile(policyMarker),
                 QByteArray("other\n")); // the policy's ran only for the other

        QCOMPARE(cli.run({QStringLiteral("repo"), QStringLiteral("set"), QStringLiteral("own"),
                          QStringLiteral("--no-after-sync")}),
                 0);
        QCOMPARE(cli.run({QStringLiteral("sync")}), 0);
        QCOMPARE(readFile(repoMarker), QByteArray("own cloned\n"));
        QCOMPARE(readFile(policyMarker), QByteArray("other\nother\n"));

        QCOMPARE(cli.run({QStringLiteral("repo"), QStringLiteral("set"), QStringLiteral("own"),
                          QStringLiteral("--policy-after-sync")}),
                 0);
        QCOMPARE(cli.run({QStringLiteral("sync"), QStringLiteral("own")}), 0);
        QCOMPARE(readFile(policyMarker), QByteArray("other\nother\nown\n"));
    }

    // The CLI waits for the command, reports it in --json, keeps exit 0.
    void cliReportsTheCommandAndKeepsItsExitCode()
    {
        const QString home = file(QStringLiteral("clihome"));
        CliRunner cli(home, file(QStringLiteral("cli.json")));
        const QString path = target();
        QCOMPARE(cli.run({QStringLiteral("add"), QStringLiteral("c"),
                          m_daemon.url(QStringLiteral("r.git")), path}),
                 0);
        const QString out = file(QStringLiteral("cli-env.txt"));
        QCOMPARE(cli.run({QStringLiteral("policy"), QStringLiteral("set"),
                          QStringLiteral("default"), QStringLiteral("--after-sync"),
                          QStringLiteral("sh %1 %2; echo done >&2; exit 4")
                              .arg(quoted(m_script), quoted(out)),
                          QStringLiteral("--after-sync-timeout"), QStringLiteral("20s")}),
                 0);
        QByteArray stdoutText;
        QCOMPARE(cli.run({QStringLiteral("sync"), QStringLiteral("--json")}, &stdoutText), 0);
        QCOMPARE(CliRunner::repoDone(stdoutText, QStringLiteral("c"))
                     .value(QStringLiteral("outcome"))
                     .toString(),
                 QStringLiteral("cloned"));
        QJsonObject hook;
        for (const QByteArray &line : stdoutText.split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o.value(QStringLiteral("event")).toString() == QLatin1String("after_sync"))
                hook = o;
        }
        QCOMPARE(hook.value(QStringLiteral("exit_code")).toInt(), 4);
        QCOMPARE(hook.value(QStringLiteral("ok")).toBool(), false);
        QVERIFY(hook.value(QStringLiteral("output")).toString().contains(QStringLiteral("done")));
        QCOMPARE(readFile(out).split('\n').value(1), QByteArray("cloned"));

        // status --json keeps it for later (exit code and last lines).
        QByteArray statusText;
        QCOMPARE(cli.run({QStringLiteral("status"), QStringLiteral("--json")}, &statusText), 0);
        const QJsonObject st = QJsonDocument::fromJson(statusText).array().at(0).toObject();
        QCOMPARE(st.value(QStringLiteral("repo")).toString(), QStringLiteral("c"));
        const QJsonObject a = st.value(QStringLiteral("after_sync")).toObject();
        QCOMPARE(a.value(QStringLiteral("exit_code")).toInt(), 4);
        QVERIFY(a.value(QStringLiteral("output")).toString().endsWith(QStringLiteral("done")));
    }
};

QTEST_GUILESS_MAIN(TestAfterSync)
#include "tst_after_sync.moc"
