// Metered connections (issue 16 item 2): while the reachability says the
// connection is metered, scheduled syncs whose policy says on_metered wait
// make no connection and wait in the session; manual ones connect; when the
// connection is no longer metered the waiting ones run. Counted at a real
// git daemon through the fault proxy. The CLI is run for real with the
// metered state forced by REPODECK_METERED (what the OS would say).
#include "SyncHarness.h"

#include "CliRunner.h"
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"
#include "net/Reachability.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "workspace/Workspace.h"

#include <QJsonDocument>
#include <QNetworkInformation>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::Outcome;
using core::Trigger;

class TestMetered : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    GitDaemonServer m_daemon;
    int m_counter = 0;

    QString target() { return m_tmp.filePath(QStringLiteral("w/r%1").arg(++m_counter)); }

    core::Workspace workspace(const FaultProxy &proxy, const QStringList &names,
                              core::OnMetered mode)
    {
        core::Workspace ws;
        core::RetryPolicy p = fastPolicy(2);
        p.name = QStringLiteral("default");
        p.onMetered = mode;
        ws.setPolicy(p);
        for (const QString &n : names) {
            core::RepoSpec s;
            s.name = n;
            s.url = proxy.url("git", "r.git");
            s.path = target();
            ws.addRepository(s);
        }
        return ws;
    }

    struct Results : QObject
    {
        QHash<QString, core::RepoResult> results;
        QList<QPair<QString, QString>> held;
        explicit Results(core::SyncSession &s)
        {
            connect(s.scheduler(), &core::Scheduler::finished, this,
                    [this](const QString &n, const core::RepoResult &r) { results.insert(n, r); });
            connect(&s, &core::SyncSession::held, this,
                    [this](const QString &n, const QString &why) {
                held.append({n, why});
            });
        }
    };

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        const QString root = m_tmp.filePath(QStringLiteral("srv"));
        QDir().mkpath(root);
        QVERIFY(!GitRepoFactory::createBareRepo(root, QStringLiteral("r.git"), 2).isEmpty());
        QVERIFY(m_daemon.start(root));
    }

    // Files written before these settings existed load with the defaults;
    // the settings survive a round trip; a wrong value names the field.
    void policyFilesOldAndNew()
    {
        QString error;
        const QJsonObject old = QJsonObject{{QStringLiteral("max_attempts"), 3},
                                            {QStringLiteral("interval"), QStringLiteral("10m")}};
        const core::RetryPolicy p = core::RetryPolicy::fromJson(QStringLiteral("old"), old, &error);
        QCOMPARE(error, QString());
        QCOMPARE(p.onMetered, core::OnMetered::Wait);
        QVERIFY(p.afterSync.isEmpty());
        QCOMPARE(p.afterSyncOn, core::AfterSyncOn::Success);
        QCOMPARE(p.afterSyncTimeout, core::Millis(5 * 60'000));
        QVERIFY(!p.toJson().contains(QStringLiteral("after_sync"))); // not written when unset

        core::RetryPolicy q = p;
        q.onMetered = core::OnMetered::Run;
        q.afterSync = QStringLiteral("make -C docs");
        q.afterSyncOn = core::AfterSyncOn::Any;
        q.afterSyncTimeout = core::Millis(90'000);
        QCOMPARE(core::RetryPolicy::fromJson(QStringLiteral("old"), q.toJson(), &error), q);
        QCOMPARE(error, QString());

        QJsonObject bad = old;
        bad.insert(QStringLiteral("on_metered"), QStringLiteral("sometimes"));
        core::RetryPolicy::fromJson(QStringLiteral("old"), bad, &error);
        QVERIFY(error.contains(QStringLiteral("on_metered must be wait or run")));
    }

    // Without a backend (no NetworkManager on this machine, a minimal
    // server), the system reachability says online and not metered.
    void systemReachabilityWithoutBackendNeverHolds()
    {
        qunsetenv("REPODECK_METERED");
        core::SystemReachability r;
        qInfo("networkinformation backends here: %s; loaded: %s, metered known: %s",
              qPrintable(QNetworkInformation::availableBackends().join(QLatin1Char(','))),
              r.hasBackend() ? qPrintable(QNetworkInformation::instance()->backendName()) : "none",
              r.knowsMetered() ? "yes" : "no");
        if (!r.knowsMetered())
            QVERIFY(!r.isMetered());
        if (!r.hasBackend())
            QVERIFY(r.isOnline());
        qputenv("REPODECK_METERED", "1");
        core::SystemReachability forced;
        QVERIFY(forced.isMetered());
        qunsetenv("REPODECK_METERED");
    }

    void scheduledWaitsManualConnectsUnmeteredRunsTheWaiting()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        core::ManualReachability net;
        net.setMetered(true);
        core::SyncSession session;
        session.setReachability(&net);
        session.setWorkspace(workspace(
            proxy, {QStringLiteral("sched1"), QStringLiteral("sched2"), QStringLiteral("manual")},
            core::OnMetered::Wait));
        Results seen(session);
        QSignalSpy metered(&session, &core::SyncSession::meteredChanged);

        QVERIFY(!session.sync(QStringLiteral("sched1"), Trigger::Scheduled));
        QVERIFY(!session.sync(QStringLiteral("sched2"), Trigger::Scheduled));
        QVERIFY(!session.sync(QStringLiteral("sched1"), Trigger::Scheduled)); // held once
        QCOMPARE(seen.held.size(), 2);
        QCOMPARE(seen.held.at(0), qMakePair(QStringLiteral("sched1"), QStringLiteral("metered")));
        QCOMPARE(session.meteredWaiting(),
                 (QStringList{QStringLiteral("sched1"), QStringLiteral("sched2")}));
        QCOMPARE(metered.last().at(1).toInt(), 2);
        QVERIFY(session.isIdle());

        // A manual sync on the same metered connection connects; once it is
        // done the held ones have still not connected.
        QVERIFY(session.sync(QStringLiteral("manual"), Trigger::Manual));
        QTRY_VERIFY_WITH_TIMEOUT(seen.results.contains(QStringLiteral("manual")), 20'000);
        QCOMPARE(seen.results.value(QStringLiteral("manual")).outcome, Outcome::Cloned);
        QCOMPARE(proxy.totalConnections(), 1);
        QCOMPARE(session.scheduler()->state(QStringLiteral("sched1")),
                 core::Scheduler::State::Idle);
        QVERIFY(!seen.results.contains(QStringLiteral("sched1")));

        // Not metered any more: the waiting ones run, as scheduled.
        net.setMetered(false);
        QTRY_VERIFY_WITH_TIMEOUT(seen.results.size() == 3, 20'000);
        QCOMPARE(seen.results.value(QStringLiteral("sched1")).outcome, Outcome::Cloned);
        QCOMPARE(seen.results.value(QStringLiteral("sched2")).outcome, Outcome::Cloned);
        QCOMPARE(proxy.totalConnections(), 3);
        QVERIFY(session.meteredWaiting().isEmpty());
        QCOMPARE(metered.last().at(0).toBool(), false);
        QCOMPARE(metered.last().at(1).toInt(), 0);
    }

    void manualRequestTakesAHeldRepositoryOffTheWait()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        core::ManualReachability net;
        net.setMetered(true);
        core::SyncSession session;
        session.setReachability(&net);
        session.setWorkspace(workspace(proxy, {QStringLiteral("a")}, core::OnMetered::Wait));
        Results seen(session);
        QVERIFY(!session.sync(QStringLiteral("a")));
        QCOMPARE(proxy.totalConnections(), 0);
        QVERIFY(session.sync(QStringLiteral("a"), Trigger::Manual));
        QVERIFY(session.meteredWaiting().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(seen.results.contains(QStringLiteral("a")), 20'000);
        QCOMPARE(proxy.totalConnections(), 1);
        net.setMetered(false); // nothing left to release
        QCoreApplication::processEvents();
        QVERIFY(session.isIdle());
        QCOMPARE(proxy.totalConnections(), 1);
    }

    // on_metered run (a mirror on a server), and the CLI's --on-metered run
    // (SessionSettings::onMetered) over a policy that says wait.
    void runPolicyAndOverrideConnectWhileMetered()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        core::ManualReachability net;
        net.setMetered(true);
        {
            core::SyncSession session;
            session.setReachability(&net);
            session.setWorkspace(
                workspace(proxy, {QStringLiteral("mirror")}, core::OnMetered::Run));
            Results seen(session);
            QVERIFY(session.sync(QStringLiteral("mirror")));
            QTRY_VERIFY_WITH_TIMEOUT(seen.results.contains(QStringLiteral("mirror")), 20'000);
            QVERIFY(seen.held.isEmpty());
            QCOMPARE(proxy.totalConnections(), 1);
        }
        {
            core::SyncSession session;
            session.setReachability(&net);
            session.setWorkspace(workspace(proxy, {QStringLiteral("over")}, core::OnMetered::Wait));
            Results seen(session);
            QVERIFY(!session.sync(QStringLiteral("over")));
            QCOMPARE(proxy.totalConnections(), 1);
            // Switching the setting to run releases the waiting one.
            core::SessionSettings s = session.settings();
            s.onMetered = core::OnMetered::Run;
            session.configure(s);
            QTRY_VERIFY_WITH_TIMEOUT(seen.results.contains(QStringLiteral("over")), 20'000);
            QCOMPARE(proxy.totalConnections(), 2);
        }
    }

    // repodeck-cli sync (what a systemd timer runs) on a metered connection:
    // held events with reason metered, no connection, ends at once with
    // exit 0; --on-metered run syncs.
    void cliHoldsAndEndsAtOnceAndOverrideRuns()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        const QString home = m_tmp.filePath(QStringLiteral("clihome"));
        QDir().mkpath(home);
        CliRunner cli(home, m_tmp.filePath(QStringLiteral("cli.json")));
        QCOMPARE(cli.run({QStringLiteral("add"), QStringLiteral("one"), proxy.url("git", "r.git"),
                          target()}),
                 0);
        QCOMPARE(cli.run({QStringLiteral("add"), QStringLiteral("two"), proxy.url("git", "r.git"),
                          target()}),
                 0);
        // Old workspace files have no on_metered: the default is wait.
        cli.environment().insert(QStringLiteral("REPODECK_METERED"), QStringLiteral("1"));

        QByteArray out;
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(cli.run({QStringLiteral("sync"), QStringLiteral("--json")}, &out, nullptr, 30'000),
                 0);
        qInfo("cli, all held: ended in %lld ms, %d connections", clock.elapsed(),
              proxy.totalConnections());
        QVERIFY(clock.elapsed() < 15'000);
        QCOMPARE(proxy.totalConnections(), 0);
        QSet<QString> heldRepos;
        QJsonObject summary;
        for (const QByteArray &line : out.split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o.value(QStringLiteral("event")).toString() == QLatin1String("held")) {
                QCOMPARE(o.value(QStringLiteral("reason")).toString(), QStringLiteral("metered"));
                heldRepos.insert(o.value(QStringLiteral("repo")).toString());
            }
            if (o.value(QStringLiteral("event")).toString() == QLatin1String("summary"))
                summary = o;
            QVERIFY(o.value(QStringLiteral("event")).toString() != QLatin1String("repo_done"));
        }
        QCOMPARE(heldRepos, (QSet<QString>{QStringLiteral("one"), QStringLiteral("two")}));
        QCOMPARE(summary.value(QStringLiteral("held")).toInt(), 2);
        QCOMPARE(summary.value(QStringLiteral("failed")).toInt(), 0);

        // The human table says why and what to do.
        QCOMPARE(cli.run({QStringLiteral("sync")}, &out, nullptr, 30'000), 0);
        QVERIFY2(out.contains("held (metered)") && out.contains("--on-metered run"),
                 out.constData());
        QCOMPARE(proxy.totalConnections(), 0);

        QCOMPARE(cli.run({QStringLiteral("sync"), QStringLiteral("--json"),
                          QStringLiteral("--on-metered"), QStringLiteral("run")},
                         &out, nullptr, 60'000),
                 0);
        QCOMPARE(CliRunner::repoDone(out, QStringLiteral("one"))
                     .value(QStringLiteral("outcome"))
                     .toString(),
                 QStringLiteral("cloned"));
        QCOMPARE(proxy.totalConnections(), 2);
        QVERIFY(!out.contains("\"event\":\"held\""));

        // The policy's own setting, through `policy set`.
        QCOMPARE(cli.run({QStringLiteral("policy"), QStringLiteral("set"),
                          QStringLiteral("default"), QStringLiteral("--on-metered"),
                          QStringLiteral("run")}),
                 0);
        QCOMPARE(cli.run({QStringLiteral("sync"), QStringLiteral("--json")}, &out, nullptr, 60'000),
                 0);
        QCOMPARE(CliRunner::repoDone(out, QStringLiteral("two"))
                     .value(QStringLiteral("outcome"))
                     .toString(),
                 QStringLiteral("up_to_date"));
        QCOMPARE(proxy.totalConnections(), 4);
        QCOMPARE(cli.run({QStringLiteral("sync"), QStringLiteral("--on-metered"),
                          QStringLiteral("sometimes")}),
                 2);
    }
};

QTEST_GUILESS_MAIN(TestMetered)
#include "tst_metered.moc"
