// Retry now, at the scheduler: a request from a person (Trigger::Manual) for
// a repository waiting for its retry runs the next attempt at once; on a
// paused host it is one probe, sent at once, and the host's other
// repositories follow only if it succeeds. Counted at a real git daemon
// through the fault proxy.
#include "SyncHarness.h"

#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"
#include "util/RemoteUrl.h"

#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::Millis;
using core::Outcome;
using core::Trigger;

class TestRetryNow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    GitDaemonServer m_daemon;
    int m_counter = 0;

    QString target() { return m_tmp.filePath(QStringLiteral("w/r%1").arg(++m_counter)); }

    // The retry is an hour away: anything sooner was started by the request.
    static core::RetryPolicy hourPolicy()
    {
        core::RetryPolicy p = fastPolicy(4);
        p.initialDelay = Millis(3'600'000);
        p.maxDelay = p.initialDelay;
        p.jitter = core::Jitter::None;
        p.deadline = Millis(10 * 3'600'000);
        return p;
    }

    static core::HostConfig pausesForTenMinutes()
    {
        core::HostConfig c;
        c.breakerThreshold = 1;
        c.minCooldown = Millis(600'000);
        c.maxCooldown = Millis(600'000);
        return c;
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        const QString root = m_tmp.filePath(QStringLiteral("srv"));
        QDir().mkpath(root);
        QVERIFY(!GitRepoFactory::createBareRepo(root, QStringLiteral("r.git"), 2).isEmpty());
        QVERIFY(m_daemon.start(root));
    }

    void manualRequestRunsTheWaitingRetryNow()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(1);
        SyncHarness h;
        const core::RepoSpec spec = h.spec(QStringLiteral("later"), proxy.url("git", "r.git"),
                                           target());
        QVERIFY(h.scheduler.sync(spec, hourPolicy()));
        QTRY_COMPARE_WITH_TIMEOUT(h.scheduler.state(spec.name), core::Scheduler::State::Waiting,
                                  10'000);

        // Another scheduled request joins the wait.
        QVERIFY(!h.scheduler.sync(spec, hourPolicy()));
        QCoreApplication::processEvents();
        QCOMPARE(h.scheduler.state(spec.name), core::Scheduler::State::Waiting);
        QCOMPARE(proxy.totalConnections(), 1);

        QElapsedTimer clock;
        clock.start();
        QVERIFY(h.scheduler.sync(spec, hourPolicy(), Trigger::Manual));
        const core::RepoResult r = h.waitFor(spec.name, 10'000);
        qInfo("manual: attempt 2 done %lld ms after the request (the retry was due in an hour)",
              clock.elapsed());
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 2);
        QVERIFY(clock.elapsed() < 5000);
        QCOMPARE(proxy.totalConnections(), 2);
        const auto attempts = h.attempts.value(spec.name);
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts.at(0).trigger, Trigger::Scheduled);
        QCOMPARE(attempts.at(1).trigger, Trigger::Manual);
    }

    void manualOnAPausedHostIsOneProbeAndTheOthersFollow()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(1);
        SyncHarness h;
        h.scheduler.setHostConfig(pausesForTenMinutes());
        h.scheduler.setResumeSpread(Millis(100));
        QList<core::RepoSpec> specs;
        for (const char *name : {"a", "b", "c"})
            specs << h.spec(QString::fromLatin1(name), proxy.url("git", "r.git"), target());
        const QString host = core::hostKeyOf(specs.first().url);
        h.scheduler.sync(specs.at(0), hourPolicy());
        QTRY_COMPARE_WITH_TIMEOUT(h.scheduler.hosts().state(host), core::BreakerState::Open,
                                  10'000);
        h.scheduler.sync(specs.at(1), hourPolicy());
        h.scheduler.sync(specs.at(2), hourPolicy());
        QTRY_VERIFY_WITH_TIMEOUT(
            h.attempts.value("b").size() == 1 && h.attempts.value("c").size() == 1, 10'000);
        QVERIFY(h.attempts.value("b").first().held);
        QCOMPARE(proxy.totalConnections(), 1);

        QElapsedTimer clock;
        clock.start();
        QVERIFY(h.scheduler.sync(specs.at(0), hourPolicy(), Trigger::Manual));
        QTRY_VERIFY_WITH_TIMEOUT(h.results.size() == 3, 10'000);
        qInfo("paused host: all three done %lld ms after the manual probe, %d connections",
              clock.elapsed(), proxy.totalConnections());
        for (const auto &r : std::as_const(h.results))
            QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(proxy.totalConnections(), 4); // the reset, the probe, b, c
        QCOMPARE(h.attempts.value("a").last().trigger, Trigger::Manual);
        QCOMPARE(h.scheduler.hosts().state(host), core::BreakerState::Closed);
    }

    // Sync All on a host that is still down: one probe connects, the other
    // requests wait for its answer and, as it fails, spend an attempt
    // without connecting.
    void syncAllOnADeadPausedHostSendsOneProbe()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(100);
        SyncHarness h;
        h.scheduler.setHostConfig(pausesForTenMinutes());
        QList<core::RepoSpec> specs;
        for (const char *name : {"x", "y", "z"})
            specs << h.spec(QString::fromLatin1(name), proxy.url("git", "r.git"), target());
        const QString host = core::hostKeyOf(specs.first().url);
        h.scheduler.sync(specs.at(0), hourPolicy());
        QTRY_COMPARE_WITH_TIMEOUT(h.scheduler.hosts().state(host), core::BreakerState::Open,
                                  10'000);
        h.scheduler.sync(specs.at(1), hourPolicy());
        h.scheduler.sync(specs.at(2), hourPolicy());
        QTRY_VERIFY_WITH_TIMEOUT(
            h.attempts.value("y").size() == 1 && h.attempts.value("z").size() == 1, 10'000);
        QCOMPARE(proxy.totalConnections(), 1);
        QCOMPARE(h.scheduler.hosts().state(host), core::BreakerState::Open);

        for (const auto &s : std::as_const(specs))
            QVERIFY(h.scheduler.sync(s, hourPolicy(), Trigger::Manual));
        QTRY_VERIFY_WITH_TIMEOUT(h.attempts.value("x").size() + h.attempts.value("y").size()
                                         + h.attempts.value("z").size()
                                     == 6,
                                 10'000);
        QCOMPARE(proxy.totalConnections(), 2);
        int held = 0;
        for (const auto &s : std::as_const(specs)) {
            const core::AttemptRecord last = h.attempts.value(s.name).last();
            QCOMPARE(last.trigger, Trigger::Manual);
            held += last.held ? 1 : 0;
        }
        QCOMPARE(held, 2);
        QCOMPARE(h.scheduler.hosts().state(host), core::BreakerState::Open);
        h.scheduler.cancelAll();
    }
};

QTEST_GUILESS_MAIN(TestRetryNow)
#include "tst_retry_now.moc"
