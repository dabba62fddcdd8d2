#include "retry/Backoff.h"

#include <QtTest>

using namespace repodeck::core;

class TestBackoff : public QObject
{
    Q_OBJECT

private:
    static RetryPolicy policy(Jitter jitter)
    {
        RetryPolicy p;
        p.initialDelay = Millis(100);
        p.multiplier = 2.0;
        p.maxDelay = Millis(1000);
        p.jitter = jitter;
        p.maxAttempts = 8;
        return p;
    }

private slots:
    void baseGrowsAndCaps_data()
    {
        QTest::addColumn<int>("retry");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("first") << 1 << qint64(100);
        QTest::newRow("second") << 2 << qint64(200);
        QTest::newRow("third") << 3 << qint64(400);
        QTest::newRow("fourth") << 4 << qint64(800);
        QTest::newRow("capped") << 5 << qint64(1000);
        QTest::newRow("far past the cap, no overflow") << 90 << qint64(1000);
    }
    void baseGrowsAndCaps()
    {
        QFETCH(int, retry);
        QFETCH(qint64, expected);
        QCOMPARE(backoff::baseDelay(policy(Jitter::None), retry).count(), expected);
    }

    void boundsPerJitterMode_data()
    {
        QTest::addColumn<int>("jitter");
        QTest::addColumn<int>("retry");
        QTest::addColumn<qint64>("previous");
        QTest::addColumn<qint64>("low");
        QTest::addColumn<qint64>("high");
        QTest::newRow("none") << int(Jitter::None) << 3 << qint64(0) << qint64(400) << qint64(400);
        QTest::newRow("full") << int(Jitter::Full) << 3 << qint64(0) << qint64(0) << qint64(400);
        QTest::newRow("equal") << int(Jitter::Equal) << 3 << qint64(0) << qint64(200)
                               << qint64(400);
        QTest::newRow("decorrelated first")
            << int(Jitter::Decorrelated) << 1 << qint64(100) << qint64(100) << qint64(300);
        QTest::newRow("decorrelated grows from previous")
            << int(Jitter::Decorrelated) << 2 << qint64(250) << qint64(100) << qint64(750);
        QTest::newRow("decorrelated capped")
            << int(Jitter::Decorrelated) << 5 << qint64(900) << qint64(100) << qint64(1000);
    }
    void boundsPerJitterMode()
    {
        QFETCH(int, jitter);
        QFETCH(int, retry);
        QFETCH(qint64, previous);
        QFETCH(qint64, low);
        QFETCH(qint64, high);
        const DelayBounds b = backoff::bounds(policy(Jitter(jitter)), retry, Millis(previous));
        QCOMPARE(b.low.count(), low);
        QCOMPARE(b.high.count(), high);
    }

    // Every delay drawn stays inside its band, for every mode and retry.
    void delaysStayInBounds()
    {
        for (Jitter j : {Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated}) {
            const RetryPolicy p = policy(j);
            std::mt19937_64 rng(42);
            Millis previous = p.initialDelay;
            for (int retry = 1; retry <= 7; ++retry) {
                for (int i = 0; i < 200; ++i) {
                    const DelayBounds b = backoff::bounds(p, retry, previous);
                    const Millis d = backoff::delay(p, retry, previous, rng);
                    QVERIFY2(d >= b.low && d <= b.high, qPrintable(jitterName(j)));
                }
                previous = backoff::delay(p, retry, previous, rng);
            }
        }
    }

    void jitterActuallySpreads()
    {
        const RetryPolicy p = policy(Jitter::Full);
        std::mt19937_64 rng(7);
        QSet<qint64> seen;
        for (int i = 0; i < 50; ++i)
            seen.insert(backoff::delay(p, 4, p.initialDelay, rng).count());
        QVERIFY2(seen.size() > 20, "full jitter should spread 50 draws over many values");
    }

    void sameSeedSameSchedule()
    {
        const RetryPolicy p = policy(Jitter::Decorrelated);
        std::mt19937_64 a(123), b(123), c(124);
        QList<qint64> first, second, third;
        Millis pa = p.initialDelay, pb = p.initialDelay, pc = p.initialDelay;
        for (int retry = 1; retry < 6; ++retry) {
            pa = backoff::delay(p, retry, pa, a);
            pb = backoff::delay(p, retry, pb, b);
            pc = backoff::delay(p, retry, pc, c);
            first << pa.count();
            second << pb.count();
            third << pc.count();
        }
        QCOMPARE(first, second);
        QVERIFY(first != third);
    }

    void worstCaseIsBoundedByDeadline()
    {
        RetryPolicy p = policy(Jitter::Full);
        p.attemptTimeout = Millis(1000);
        p.deadline = Millis(3'600'000);
        // 8 attempts of 1 s + delays 100+200+400+800+1000+1000+1000
        QCOMPARE(backoff::worstCaseTotal(p).count(), qint64(8000 + 4500));
        p.deadline = Millis(5000);
        QCOMPARE(backoff::worstCaseTotal(p).count(), qint64(5000));
    }

    void policyValidation()
    {
        RetryPolicy p;
        QVERIFY(p.validate().isEmpty());
        p.maxAttempts = 0;
        p.maxDelay = Millis(1);
        const QStringList problems = p.validate();
        QCOMPARE(problems.size(), 2);
        QVERIFY(problems.join(' ').contains("max attempts"));
        QVERIFY(problems.join(' ').contains("max delay"));
    }
};

QTEST_GUILESS_MAIN(TestBackoff)
#include "tst_backoff.moc"
