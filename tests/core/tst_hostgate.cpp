#include "sync/HostGate.h"

#include <QtTest>

using namespace repodeck::core;
using Clock = HostGate::Clock;
using V = HostGate::Verdict;
using R = HostGate::Report;

class TestHostGate : public QObject
{
    Q_OBJECT

private:
    static HostConfig config()
    {
        HostConfig c;
        c.maxConcurrent = 2;
        c.breakerThreshold = 3;
        c.minCooldown = Millis(1000);
        c.maxCooldown = Millis(8000);
        c.retryBudgetRatio = 0.2;
        c.minRetryConcurrency = 1;
        return c;
    }

    static void fail(HostGate &g, const QString &h, Clock::time_point now, bool probe = false)
    {
        g.started(h, false, probe);
        g.finished(h, false, probe, R::TransientFailure, now);
    }

private slots:
    void capsConcurrencyPerHost()
    {
        HostGate g(config(), 1);
        const auto now = Clock::now();
        QCOMPARE(g.admit("a", false, now), V::Go);
        g.started("a", false, false);
        g.started("a", false, false);
        QCOMPARE(g.admit("a", false, now), V::HostFull);
        QCOMPARE(g.admit("b", false, now), V::Go);
        g.finished("a", false, false, R::Success, now);
        QCOMPARE(g.admit("a", false, now), V::Go);
    }

    void breakerOpensAfterConsecutiveTransientFailures()
    {
        HostGate g(config(), 1);
        auto now = Clock::now();
        fail(g, "h", now);
        fail(g, "h", now);
        QCOMPARE(g.state("h"), BreakerState::Closed);
        fail(g, "h", now);
        QCOMPARE(g.state("h"), BreakerState::Open);
        QCOMPARE(g.admit("h", false, now), V::BreakerOpen);
        const auto reopen = g.reopenAt("h");
        QVERIFY(reopen >= now + Millis(500) && reopen <= now + Millis(1000));
        QCOMPARE(g.nextReopen().value(), reopen);
        // After the cool-down exactly one probe is admitted.
        QCOMPARE(g.admit("h", false, reopen), V::Probe);
        g.started("h", false, true);
        QCOMPARE(g.state("h"), BreakerState::HalfOpen);
        QCOMPARE(g.admit("h", false, reopen), V::BreakerOpen);
        QVERIFY(!g.nextReopen().has_value());
    }

    void successOrPermanentFailureResetsTheCount()
    {
        HostGate g(config(), 1);
        const auto now = Clock::now();
        fail(g, "h", now);
        fail(g, "h", now);
        g.started("h", false, false);
        g.finished("h", false, false, R::PermanentFailure, now); // a 404 means the host is up
        QCOMPARE(g.consecutiveFailures("h"), 0);
        fail(g, "h", now);
        fail(g, "h", now);
        QCOMPARE(g.state("h"), BreakerState::Closed);
    }

    // A link that drops mid-transfer is the link's fault: data flowed, so the
    // host is up. It neither counts toward opening nor keeps a breaker open.
    void failureAfterDataIsNotTheHosts()
    {
        HostGate g(config(), 1);
        auto now = Clock::now();
        for (int round = 0; round < 3; ++round) {
            fail(g, "h", now);
            fail(g, "h", now);
            g.started("h", false, false);
            QVERIFY(!g.finished("h", false, false, R::LinkDropped, now));
            QCOMPARE(g.consecutiveFailures("h"), 0);
            QCOMPARE(g.state("h"), BreakerState::Closed);
        }
        for (int i = 0; i < 3; ++i)
            fail(g, "h", now);
        QCOMPARE(g.state("h"), BreakerState::Open);
        now = g.reopenAt("h");
        QCOMPARE(g.admit("h", false, now), V::Probe);
        g.started("h", false, true);
        QVERIFY(g.probeInFlight("h"));
        QVERIFY(g.finished("h", false, true, R::LinkDropped, now));
        QVERIFY(!g.probeInFlight("h"));
        QCOMPARE(g.state("h"), BreakerState::Closed);
    }

    void failedProbeReopensForLongerAndSuccessfulProbeCloses()
    {
        HostGate g(config(), 7);
        auto now = Clock::now();
        for (int i = 0; i < 3; ++i)
            fail(g, "h", now);
        Millis previous = std::chrono::duration_cast<Millis>(g.reopenAt("h") - now);
        for (int round = 0; round < 4; ++round) {
            now = g.reopenAt("h");
            QCOMPARE(g.admit("h", false, now), V::Probe);
            fail(g, "h", now, true);
            QCOMPARE(g.state("h"), BreakerState::Open);
            const Millis cooldown = std::chrono::duration_cast<Millis>(g.reopenAt("h") - now);
            QVERIFY2(cooldown <= Millis(8000), "capped by the maximum cool-down");
            QVERIFY2(cooldown.count() * 2 >= std::min<qint64>(previous.count() * 2, 8000) / 2,
                     "the cool-down grows while probes fail");
            previous = cooldown;
        }
        now = g.reopenAt("h");
        QCOMPARE(g.admit("h", false, now), V::Probe);
        g.started("h", false, true);
        QVERIFY(g.finished("h", false, true, R::Success, now));
        QCOMPARE(g.state("h"), BreakerState::Closed);
        QCOMPARE(g.admit("h", false, now), V::Go);
    }

    void cancelledProbeLeavesTheBreakerOpen()
    {
        HostGate g(config(), 1);
        auto now = Clock::now();
        for (int i = 0; i < 3; ++i)
            fail(g, "h", now);
        now = g.reopenAt("h");
        g.started("h", false, true);
        g.finished("h", false, true, R::Cancelled, now);
        QCOMPARE(g.state("h"), BreakerState::Open);
        QCOMPARE(g.admit("h", false, now), V::Probe);
    }

    void retryBudgetLimitsRetriesInFlight()
    {
        HostConfig c = config();
        c.maxConcurrent = 10;
        c.breakerThreshold = 100;
        HostGate g(c, 1);
        const auto now = Clock::now();
        QCOMPARE(g.admit("h", true, now), V::Go);
        g.started("h", true, false);
        QCOMPARE(g.retriesInFlight("h"), 1);
        QCOMPARE(g.admit("h", true, now), V::BudgetExhausted); // floor of 1, 20 % of 2 is 0
        QCOMPARE(g.admit("h", false, now), V::Go);             // first attempts are not limited
        for (int i = 0; i < 8; ++i)
            g.started("h", false, false);
        QCOMPARE(g.admit("h", true, now), V::Go); // 20 % of 10 in flight = 2
        g.started("h", true, false);
        QCOMPARE(g.admit("h", true, now), V::HostFull);
        QCOMPARE(g.peakRetriesInFlight("h"), 2);
    }
};

QTEST_GUILESS_MAIN(TestHostGate)
#include "tst_hostgate.moc"
