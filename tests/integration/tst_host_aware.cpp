// Host-aware scheduling against real servers through the fault proxy: a dead
// host does not eat every repository's attempts, per-host caps and retry
// budgets hold, offline time spends no attempts, overdue retries run on wake.
#include "SyncHarness.h"

#include "CliRunner.h"
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "net/NetworkSetup.h"
#include "net/Reachability.h"
#include "util/RemoteUrl.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::Millis;
using core::Outcome;

class TestHostAware : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root;
    GitDaemonServer m_daemon;
    HttpGitServer m_http;
    int m_counter = 0;

    QString target() { return m_tmp.filePath(QStringLiteral("w/c%1").arg(++m_counter)); }

    static core::HostConfig breakerConfig()
    {
        core::HostConfig c;
        c.maxConcurrent = 4;
        c.breakerThreshold = 5;
        c.minCooldown = Millis(150);
        c.maxCooldown = Millis(600);
        return c;
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        QVERIFY(!GitRepoFactory::createBareRepo(m_root, "r.git", 2).isEmpty());
        const QString large = GitRepoFactory::createBareRepo(m_root, "large.git", 1);
        QVERIFY(GitRepoFactory::addLargeFile(large, 600'000));
        QVERIFY(m_daemon.start(m_root));
        QVERIFY(m_http.start(m_root));
    }

    // The scheduler hands the server's Retry-After to the retry decision
    // (whose rows, tst_retrydecision, cover "not before", the opt-in cap and
    // the deadline): the first attempt's retryIn is the server's 1 s, or the
    // policy's 300 ms max delay when it opts in, not the backoff's 10-20 ms.
    // Cancelled while it waits, so no test waits for that second.
    void retryAfterReachesTheDecision_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("limit");
        QTest::addColumn<qint64>("expectedDelay");
        QTest::newRow("429, not before (default)")
            << 429 << int(core::RetryPolicy::defaults().retryAfterLimit) << qint64(1000);
        QTest::newRow("503, not before (default)")
            << 503 << int(core::RetryAfterLimit::Deadline) << qint64(1000);
        QTest::newRow("429, opt-in cap at max delay")
            << 429 << int(core::RetryAfterLimit::MaxDelay) << qint64(300);
    }
    void retryAfterReachesTheDecision()
    {
        QFETCH(int, status);
        QFETCH(int, limit);
        QFETCH(qint64, expectedDelay);
        m_http.resetCounters();
        m_http.failNext(status, 1, 1); // Retry-After: 1
        SyncHarness h;
        auto policy = fastPolicy(3);
        policy.initialDelay = Millis(10);
        policy.maxDelay = Millis(300);
        policy.retryAfterLimit = core::RetryAfterLimit(limit);
        // Queued: cancelling from the slot itself would find the attempt still running.
        connect(&h.scheduler, &core::Scheduler::attemptFinished, &h,
                [&h](const QString &name, const core::AttemptRecord &) {
            QMetaObject::invokeMethod(
                &h.scheduler, [&h, name] { h.scheduler.cancel(name); }, Qt::QueuedConnection);
        });
        const auto r = h.syncAndWait(h.spec("ra", m_http.url("r.git"), target()), policy);
        QCOMPARE(r.outcome, Outcome::Cancelled);
        QCOMPARE(r.attempts, 1);
        const auto attempts = h.attempts.value("ra");
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts[0].error.httpStatus, status);
        QCOMPARE(attempts[0].error.retryAfter.count(), qint64(1000));
        QCOMPARE(attempts[0].retryIn.count(), expectedDelay);
        QCOMPARE(m_http.requestCount(), 1);
    }

    // A server that asks for longer than the deadline leaves: give up at
    // once, saying when it said to come back, and never ask early.
    void retryAfterPastTheDeadlineGivesUpAtOnce()
    {
        m_http.resetCounters();
        m_http.failNext(429, 1, 120);
        SyncHarness h;
        auto policy = fastPolicy(5);
        policy.deadline = Millis(30'000);
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("ra3", m_http.url("r.git"), target()), policy);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, core::ErrorCategory::RateLimited);
        QCOMPARE(r.attempts, 1);
        QVERIFY2(t.elapsed() < 5000, "no waiting for a retry that cannot happen");
        QCOMPARE(m_http.requestCount(), 1);
        QVERIFY2(r.error.hint.contains("come back in 2 min 0 s (at "), qPrintable(r.error.hint));
    }

    // 20 repositories on a host that resets every connection, 6 attempts
    // each: a naive loop makes 120 connections. With the breaker RepoDeck
    // makes at most 40, and the run still ends on the policy's schedule: an
    // attempt due while the host is paused is counted without a connection.
    void deadHostCostsFewConnections()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setResetProbability(1.0, 1);
        SyncHarness h;
        h.scheduler.setMaxConcurrent(8);
        h.scheduler.setHostConfig(breakerConfig()); // pauses of 75-600 ms: probes during the run
        QSignalSpy hostStates(&h.scheduler, &core::Scheduler::hostStateChanged);
        QSignalSpy held(&h.scheduler, &core::Scheduler::held);
        auto policy = fastPolicy(6); // delays 20..100 ms: about half a second without a breaker
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 20; ++i)
            h.scheduler.sync(h.spec(QString("d%1").arg(i), proxy.url("git", "r.git"), target()),
                             policy);
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 20, 30'000);
        const qint64 wall = t.elapsed();
        int heldAttempts = 0;
        for (const auto &r : std::as_const(h.results)) {
            QCOMPARE(r.outcome, Outcome::Failed);
            QCOMPARE(r.error.category, core::ErrorCategory::Network);
            QCOMPARE(r.attempts, 6);
            QVERIFY2(!r.error.text().isEmpty(), "a clear message");
        }
        for (const auto &list : std::as_const(h.attempts)) {
            QCOMPARE(list.size(), 6);
            for (const auto &a : list) {
                if (!a.held)
                    continue;
                ++heldAttempts;
                QCOMPARE(a.bytes, qint64(0));
                QVERIFY2(a.error.message.contains("No connection made")
                             && a.error.message.contains("reset"),
                         qPrintable(a.error.message));
            }
        }
        int pausedMessages = 0;
        for (const auto &r : std::as_const(h.results))
            pausedMessages += r.error.hint.contains("paused") ? 1 : 0;
        QVERIFY2(pausedMessages > 0, "repositories held by the breaker say so");
        qInfo(
            "dead host: %lld ms, %d connections, %d attempts counted without one, %d held events "
            "(naive: 120 connections)",
            wall, proxy.totalConnections(), heldAttempts, int(held.size()));
        QCOMPARE(proxy.totalConnections() + heldAttempts, 120);
        QVERIFY2(proxy.totalConnections() <= 40,
                 qPrintable(QString("%1 connections").arg(proxy.totalConnections())));
        QVERIFY2(wall < 5000, qPrintable(QString("the run took %1 ms").arg(wall)));
        bool opened = false;
        int probes = 0;
        for (const auto &args : std::as_const(hostStates)) {
            opened |= args.at(1).value<core::BreakerState>() == core::BreakerState::Open;
            probes += args.at(1).value<core::BreakerState>() == core::BreakerState::HalfOpen ? 1
                                                                                             : 0;
        }
        QVERIFY(opened);
        // One `held` when a hold starts; a repository's hold ends when it
        // becomes the probe, so at most one more per probe.
        QVERIFY2(held.size() <= 20 + probes,
                 qPrintable(QString("%1 held events, %2 probes").arg(held.size()).arg(probes)));
    }

    // The run through the real CLI, default host settings (breaker
    // after 5 failures, first pause 2.5-5 s) and the default 2 h deadline:
    // it used to wait for the deadline; now the policy bounds it.
    void deadHostCliRunEndsOnThePolicysSchedule()
    {
        if (CliRunner::binary().isEmpty())
            QFAIL("REPODECK_CLI is not set");
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setResetProbability(1.0, 1);
        CliRunner cli(m_tmp.filePath("clihome"), m_tmp.filePath("cli/workspace.json"));
        QCOMPARE(cli.run({"policy", "set", "dead", "--max-attempts", "6", "--initial-delay",
                          "500ms", "--max-delay", "1s", "--jitter", "full"}),
                 0);
        for (int i = 0; i < 20; ++i)
            QCOMPARE(cli.run({"add", QString("r%1").arg(i), proxy.url("git", "r.git"),
                              m_tmp.filePath(QString("cli/w/r%1").arg(i)), "--policy", "dead"}),
                     0);
        QByteArray out;
        QElapsedTimer t;
        t.start();
        const int rc = cli.run({"sync", "--json", "--jobs", "8"}, &out, nullptr, 120'000);
        const qint64 wall = t.elapsed();
        int heldEvents = 0;
        int heldEnds = 0;
        int ends = 0;
        int failed = 0;
        for (const QByteArray &line : out.split('\n')) {
            const QJsonObject e = QJsonDocument::fromJson(line).object();
            const QString event = e.value("event").toString();
            heldEvents += event == "held" ? 1 : 0;
            if (event == "attempt_end") {
                ++ends;
                heldEnds += e.value("held").toBool() ? 1 : 0;
                if (e.value("held").toBool()) {
                    QCOMPARE(e.value("bytes").toInt(-1), 0);
                    QCOMPARE(e.value("ok").toBool(true), false);
                    QCOMPARE(e.value("category").toString(), QString("network"));
                    QVERIFY(e.value("message").toString().contains("No connection made"));
                }
            }
            if (event == "repo_done") {
                QCOMPARE(e.value("outcome").toString(), QString("failed"));
                QCOMPARE(e.value("attempts").toInt(), 6);
                QVERIFY(!e.value("message").toString().isEmpty());
                ++failed;
            }
        }
        qInfo(
            "CLI, dead host: exit %d after %lld ms, %d connections, %d held events, %d of %d attempts held",
            rc, wall, proxy.totalConnections(), heldEvents, heldEnds, ends);
        QCOMPARE(rc, 1);
        QCOMPARE(failed, 20);
        QCOMPARE(ends, 120);
        QVERIFY2(wall <= 30'000, qPrintable(QString("%1 ms").arg(wall)));
        QVERIFY2(proxy.totalConnections() <= 40,
                 qPrintable(QString("%1 connections").arg(proxy.totalConnections())));
        QCOMPARE(proxy.totalConnections() + heldEnds, 120);
        QVERIFY2(heldEvents <= 40, qPrintable(QString("%1 held events").arg(heldEvents)));
    }

    // A link that drops mid-transfer is not a dead host: data flowed, so the
    // breaker stays closed and every retry follows the policy's delays
    // (seen: a single clone paused 30 s to 1 min 40 s between attempts whose
    // policy said 0.1-0.5 s).
    void linkDropMidTransferKeepsTheBreakerClosed()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(200'000); // large.git is 600 kB: every attempt is cut partway
        SyncHarness h;
        h.scheduler.setHostConfig(
            core::HostConfig{}); // the defaults: breaker after 5, pause 2.5-5 s
        QSignalSpy hostStates(&h.scheduler, &core::Scheduler::hostStateChanged);
        auto policy = fastPolicy(8);
        policy.initialDelay = Millis(100);
        policy.maxDelay = Millis(500);
        policy.checkpoint = core::Checkpoint::Never;
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("drop", proxy.url("git", "large.git"), target()),
                                     policy, 60'000);
        const qint64 wall = t.elapsed();
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, core::ErrorCategory::Network);
        QCOMPARE(r.attempts, 8);
        QCOMPARE(proxy.totalConnections(), 8); // every attempt connected: none was held
        const auto attempts = h.attempts.value("drop");
        QCOMPARE(attempts.size(), 8);
        for (int i = 0; i < attempts.size(); ++i) {
            QVERIFY(!attempts[i].held);
            QVERIFY2(attempts[i].bytes > 0, "the link carried data before it dropped");
            if (i + 1 < attempts.size()) {
                QVERIFY2(attempts[i].retryIn >= Millis(50) && attempts[i].retryIn <= Millis(500),
                         qPrintable(QString::number(attempts[i].retryIn.count())));
                const qint64 gap = attempts[i]
                                       .started.addMSecs(attempts[i].duration.count())
                                       .msecsTo(attempts[i + 1].started);
                QVERIFY2(gap < 1500,
                         qPrintable(QString("attempt %1 started %2 ms after the previous one ended")
                                        .arg(i + 2)
                                        .arg(gap)));
            }
        }
        for (const auto &args : std::as_const(hostStates))
            QVERIFY(args.at(1).value<core::BreakerState>() != core::BreakerState::Open);
        QCOMPARE(h.scheduler.hosts().state(core::hostKeyOf(proxy.url("git", "large.git"))),
                 core::BreakerState::Closed);
        qInfo("link drop: 8 attempts in %lld ms, breaker closed", wall);
    }

    void hostRecoversAfterAProbe()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(5); // the host is down for a while, then back
        SyncHarness h;
        h.scheduler.setHostConfig(breakerConfig());
        h.scheduler.setResumeSpread(Millis(100));
        auto policy = fastPolicy(10);
        policy.maxDelay = Millis(400); // the schedule outlasts the 150-600 ms pause
        for (int i = 0; i < 6; ++i)
            h.scheduler.sync(h.spec(QString("p%1").arg(i), proxy.url("git", "r.git"), target()),
                             policy);
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 6, 30'000);
        for (const auto &r : std::as_const(h.results))
            QCOMPARE(r.outcome, Outcome::Cloned);
        QVERIFY2(proxy.totalConnections() <= 5 + 6 + 1,
                 "no attempt wasted a connection on the paused host");
        QCOMPARE(h.scheduler.hosts().state(core::hostKeyOf(proxy.url("git", "r.git"))),
                 core::BreakerState::Closed);
    }

    void perHostCapHoldsBelowTheGlobalCap()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setThrottle(1'000'000);
        SyncHarness h;
        h.scheduler.setMaxConcurrent(8);
        auto cfg = breakerConfig();
        cfg.maxConcurrent = 2;
        h.scheduler.setHostConfig(cfg);
        for (int i = 0; i < 6; ++i)
            h.scheduler.sync(h.spec(QString("c%1").arg(i), proxy.url("git", "large.git"), target()),
                             fastPolicy(1));
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 6, 60'000);
        for (const auto &r : std::as_const(h.results))
            QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(proxy.peakConcurrentConnections(), 2);
    }

    void retryBudgetKeepsRetriesAFraction()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setResetProbability(0.5, 3);
        SyncHarness h;
        h.scheduler.setMaxConcurrent(8);
        core::HostConfig cfg;
        cfg.maxConcurrent = 8;
        cfg.breakerThreshold = 1000; // budget only
        cfg.retryBudgetRatio = 0.0;
        cfg.minRetryConcurrency = 1;
        h.scheduler.setHostConfig(cfg);
        for (int i = 0; i < 16; ++i)
            h.scheduler.sync(h.spec(QString("b%1").arg(i), proxy.url("git", "r.git"), target()),
                             fastPolicy(10));
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 16, 60'000);
        for (const auto &r : std::as_const(h.results))
            QCOMPARE(r.outcome, Outcome::Cloned);
        const QString host = core::hostKeyOf(proxy.url("git", "r.git"));
        QCOMPARE(h.scheduler.hosts().peakRetriesInFlight(host), 1);
    }

    void offlineSpendsNoAttempts()
    {
        core::ManualReachability net;
        net.setOnline(false);
        SyncHarness h;
        h.scheduler.setLoopbackExemptFromOffline(
            false); // the loopback daemon stands in for a remote host
        h.scheduler.setResumeSpread(Millis(200));
        h.scheduler.setReachability(&net);
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        QSignalSpy held(&h.scheduler, &core::Scheduler::held);
        for (int i = 0; i < 3; ++i)
            h.scheduler.sync(h.spec(QString("o%1").arg(i), proxy.url("git", "r.git"), target()),
                             fastPolicy(2));
        QTRY_VERIFY_WITH_TIMEOUT(held.size() >= 3, 5000);
        QCOMPARE(h.started.size(), 0);
        QCOMPARE(proxy.totalConnections(), 0);
        QVERIFY(held.at(0).at(1).toString().contains("offline"));
        net.setOnline(true);
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 3, 20'000);
        for (const auto &r : std::as_const(h.results)) {
            QCOMPARE(r.outcome, Outcome::Cloned);
            QCOMPARE(r.attempts, 1);
        }
    }

    void attemptFailingWhileOfflineIsNotCounted()
    {
        core::ManualReachability net;
        SyncHarness h;
        h.scheduler.setLoopbackExemptFromOffline(false);
        h.scheduler.setResumeSpread(Millis(50));
        h.scheduler.setReachability(&net);
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setStall(true);
        auto policy = fastPolicy(
            1); // a single attempt: if it were counted, the repository would fail
        policy.stallTimeout = Millis(300);
        h.scheduler.sync(h.spec("net", proxy.url("git", "r.git"), target()), policy);
        QTRY_VERIFY_WITH_TIMEOUT(proxy.currentConnections() == 1, 10'000);
        net.setOnline(false); // the Wi-Fi drops mid-attempt
        QTRY_VERIFY_WITH_TIMEOUT(h.attempts.value("net").size() == 1, 10'000);
        QVERIFY(h.attempts.value("net").first().error.hint.contains("not counted"));
        proxy.setStall(false);
        net.setOnline(true);
        const auto r = h.waitFor("net", 20'000);
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 1);
    }

    void overdueRetryRunsAfterWake()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(1);
        SyncHarness h;
        h.scheduler.setResumeSpread(Millis(100));
        auto policy = fastPolicy(3);
        policy.initialDelay = Millis(3'600'000); // an hour's wait before the retry
        policy.maxDelay = Millis(3'600'000);
        policy.jitter = core::Jitter::None;
        policy.deadline = Millis(10 * 3'600'000);
        h.scheduler.sync(h.spec("wake", proxy.url("git", "r.git"), target()), policy);
        QTRY_VERIFY_WITH_TIMEOUT(h.scheduler.state("wake") == core::Scheduler::State::Waiting,
                                 10'000);
        // Not yet due: nothing happens.
        h.scheduler.handleResumedFromSleep(QDateTime::currentDateTimeUtc().addSecs(60));
        QCOMPARE(h.scheduler.state("wake"), core::Scheduler::State::Waiting);
        // The laptop slept two hours: the retry is overdue and runs now.
        h.scheduler.handleResumedFromSleep(QDateTime::currentDateTimeUtc().addSecs(7200));
        const auto r = h.waitFor("wake", 10'000);
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 2);
    }
};

QTEST_GUILESS_MAIN(TestHostAware)
#include "tst_host_aware.moc"
