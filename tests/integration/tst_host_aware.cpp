// Host-aware scheduling against real servers through the fault proxy: a dead
// host does not eat every repository's attempts, per-host caps and retry
// budgets hold, offline time spends no attempts, overdue retries run on wake.
#include "SyncHarness.h"

#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "git/GitLibrary.h"
#include "net/Reachability.h"

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
        QCOMPARE(core::git::initialize(), QString());
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        QVERIFY(!GitRepoFactory::createBareRepo(m_root, "r.git", 2).isEmpty());
        const QString large = GitRepoFactory::createBareRepo(m_root, "large.git", 1);
        QVERIFY(GitRepoFactory::addLargeFile(large, 600'000));
        QVERIFY(m_daemon.start(m_root));
        QVERIFY(m_http.start(m_root));
    }

    // RFC 9110 Retry-After is the minimum delay, capped as the policy says.
    void retryAfterIsHonoured_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("limit");
        QTest::addColumn<qint64>("expectedDelay");
        QTest::newRow("429, up to the deadline") << 429 << int(core::RetryAfterLimit::Deadline) << qint64(1000);
        QTest::newRow("503, up to the deadline") << 503 << int(core::RetryAfterLimit::Deadline) << qint64(1000);
        QTest::newRow("429, capped by max delay") << 429 << int(core::RetryAfterLimit::MaxDelay) << qint64(300);
    }
    void retryAfterIsHonoured()
    {
        QFETCH(int, status);
        QFETCH(int, limit);
        QFETCH(qint64, expectedDelay);
        m_http.failNext(status, 1, 1); // Retry-After: 1
        SyncHarness h;
        auto policy = fastPolicy(3);
        policy.initialDelay = Millis(10);
        policy.maxDelay = Millis(300);
        policy.retryAfterLimit = core::RetryAfterLimit(limit);
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("ra", m_http.url("r.git"), target()), policy);
        QCOMPARE(r.outcome, Outcome::Cloned);
        const auto attempts = h.attempts.value("ra");
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts[0].error.httpStatus, status);
        QCOMPARE(attempts[0].error.retryAfter.count(), qint64(1000));
        QCOMPARE(attempts[0].retryIn.count(), expectedDelay);
        QVERIFY(t.elapsed() >= expectedDelay);
    }

    // The measured goal: 20 repositories on a host that resets every
    // connection, 6 attempts each: a naive loop makes 120 connections;
    // RepoDeck at most 40, and every repository still ends failed, clearly.
    void deadHostCostsFewConnections()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setResetProbability(1.0, 1);
        SyncHarness h;
        h.scheduler.setMaxConcurrent(8);
        h.scheduler.setHostConfig(breakerConfig());
        QSignalSpy hostStates(&h.scheduler, &core::Scheduler::hostStateChanged);
        auto policy = fastPolicy(6);
        policy.deadline = Millis(2500);
        for (int i = 0; i < 20; ++i)
            h.scheduler.sync(h.spec(QString("d%1").arg(i), proxy.url("git", "r.git"), target()), policy);
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 20, 30'000);
        for (const auto &r : std::as_const(h.results)) {
            QCOMPARE(r.outcome, Outcome::Failed);
            QCOMPARE(r.error.category, core::ErrorCategory::Network);
            QVERIFY2(!r.error.text().isEmpty(), "a clear message");
        }
        int pausedMessages = 0;
        for (const auto &r : std::as_const(h.results))
            pausedMessages += r.error.hint.contains("paused") ? 1 : 0;
        QVERIFY2(pausedMessages > 0, "repositories held by the breaker say so");
        qInfo("dead host: %d connections for 20 repositories x 6 attempts (naive: 120)", proxy.totalConnections());
        QVERIFY2(proxy.totalConnections() <= 40, qPrintable(QString("%1 connections").arg(proxy.totalConnections())));
        bool opened = false;
        for (const auto &args : std::as_const(hostStates))
            opened |= args.at(1).value<core::BreakerState>() == core::BreakerState::Open;
        QVERIFY(opened);
    }

    void hostRecoversAfterAProbe()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(5); // the host is down for a while, then back
        SyncHarness h;
        h.scheduler.setHostConfig(breakerConfig());
        auto policy = fastPolicy(10);
        for (int i = 0; i < 6; ++i)
            h.scheduler.sync(h.spec(QString("p%1").arg(i), proxy.url("git", "r.git"), target()), policy);
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 6, 30'000);
        for (const auto &r : std::as_const(h.results))
            QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(h.scheduler.hosts().state(core::Scheduler::hostKey(proxy.url("git", "r.git"))), core::BreakerState::Closed);
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
            h.scheduler.sync(h.spec(QString("c%1").arg(i), proxy.url("git", "large.git"), target()), fastPolicy(1));
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
            h.scheduler.sync(h.spec(QString("b%1").arg(i), proxy.url("git", "r.git"), target()), fastPolicy(10));
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 16, 60'000);
        for (const auto &r : std::as_const(h.results))
            QCOMPARE(r.outcome, Outcome::Cloned);
        const QString host = core::Scheduler::hostKey(proxy.url("git", "r.git"));
        QCOMPARE(h.scheduler.hosts().peakRetriesInFlight(host), 1);
    }

    void offlineSpendsNoAttempts()
    {
        core::ManualReachability net;
        net.setOnline(false);
        SyncHarness h;
        h.scheduler.setLoopbackExemptFromOffline(false); // the loopback daemon stands in for a remote host
        h.scheduler.setResumeSpread(Millis(200));
        h.scheduler.setReachability(&net);
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        QSignalSpy held(&h.scheduler, &core::Scheduler::held);
        for (int i = 0; i < 3; ++i)
            h.scheduler.sync(h.spec(QString("o%1").arg(i), proxy.url("git", "r.git"), target()), fastPolicy(2));
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
        auto policy = fastPolicy(1); // a single attempt: if it were counted, the repository would fail
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
        QTRY_VERIFY_WITH_TIMEOUT(h.scheduler.state("wake") == core::Scheduler::State::Waiting, 10'000);
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
