// The checkpoint planner's arithmetic: sizes come from the server (pack
// headers) and from a config file anyone may have edited, so no input may
// overflow, divide by zero or plan a step of no unit.
#include "sync/CheckpointedFetchPlan.h"

#include <QtTest>

#include <limits>

using namespace repodeck::core;

namespace {
constexpr qint64 kMax = std::numeric_limits<qint64>::max();
}

class TestCheckpointPlan : public QObject
{
    Q_OBJECT

private slots:
    void saturatingMul_data()
    {
        QTest::addColumn<qint64>("a");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("small") << qint64(3) << qint64(7) << qint64(21);
        QTest::newRow("zero") << qint64(0) << kMax << qint64(0);
        QTest::newRow("negative counts as 0") << qint64(-5) << qint64(7) << qint64(0);
        QTest::newRow("pack header objects x clamped bytes")
            << qint64(0xffffffff) << (qint64(1) << 50) << kMax;
        QTest::newRow("max x 2") << kMax << qint64(2) << kMax;
        QTest::newRow("exactly max") << kMax << qint64(1) << kMax;
        QTest::newRow("just fits") << (qint64(1) << 31) << (qint64(1) << 31) << (qint64(1) << 62);
    }
    void saturatingMul()
    {
        QFETCH(qint64, a);
        QFETCH(qint64, b);
        QFETCH(qint64, expected);
        QCOMPARE(checkpoint::saturatingMul(a, b), expected);
        QCOMPARE(checkpoint::saturatingMul(b, a), expected);
    }

    void unitsThatFit_data()
    {
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<qint64>("units");
        QTest::addColumn<qint64>("objects");
        QTest::addColumn<qint64>("maxUnits");
        QTest::addColumn<qint64>("expected");
        // limit * 9 / 10 * units / objects, as the planner always did.
        QTest::newRow("regular") << qint64(1000) << qint64(10) << qint64(100) << qint64(500)
                                 << qint64(90);
        QTest::newRow("capped by what is left")
            << qint64(1000) << qint64(10) << qint64(100) << qint64(20) << qint64(20);
        QTest::newRow("never below one")
            << qint64(10) << qint64(1) << qint64(1'000'000) << qint64(50) << qint64(1);
        QTest::newRow("no objects: no division")
            << qint64(1000) << qint64(10) << qint64(0) << qint64(7) << qint64(7);
        QTest::newRow("no units") << qint64(1000) << qint64(0) << qint64(10) << qint64(7)
                                  << qint64(7);
        QTest::newRow("no limit") << qint64(0) << qint64(10) << qint64(10) << qint64(7)
                                  << qint64(7);
        QTest::newRow("hostile limit")
            << (qint64(1) << 50) << qint64(20000) << qint64(1) << qint64(20000) << qint64(20000);
        QTest::newRow("max limit, max units")
            << kMax << kMax << qint64(1) << qint64(3) << qint64(3);
        QTest::newRow("max objects")
            << qint64(1000) << qint64(10) << kMax << qint64(100) << qint64(1);
        QTest::newRow("max units wanted is 0")
            << qint64(1000) << qint64(10) << qint64(100) << qint64(0) << qint64(1);
    }
    void unitsThatFit()
    {
        QFETCH(qint64, limit);
        QFETCH(qint64, units);
        QFETCH(qint64, objects);
        QFETCH(qint64, maxUnits);
        QFETCH(qint64, expected);
        QCOMPARE(checkpoint::unitsThatFit(limit, units, objects, maxUnits), expected);
    }

    void spreadWants_data()
    {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("maxWants");
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("first");
        QTest::addColumn<int>("last");
        QTest::newRow("none") << 0 << 64 << 0 << -1 << -1;
        QTest::newRow("fewer than the cap: all") << 10 << 64 << 10 << 0 << 9;
        QTest::newRow("exactly the cap") << 64 << 64 << 64 << 0 << 63;
        QTest::newRow("one more") << 65 << 64 << 64 << 0 << 64;
        QTest::newRow("20,000 tags") << 20000 << 64 << 64 << 311 << 19999;
        QTest::newRow("int max") << std::numeric_limits<int>::max() << 64 << 64 << 33554430
                                 << std::numeric_limits<int>::max() - 1;
        QTest::newRow("no cap") << 5 << 0 << 5 << 0 << 4;
    }
    void spreadWants()
    {
        QFETCH(int, n);
        QFETCH(int, maxWants);
        QFETCH(int, count);
        QFETCH(int, first);
        QFETCH(int, last);
        const QList<int> w = checkpoint::spreadWants(n, maxWants);
        QCOMPARE(int(w.size()), count);
        if (count == 0)
            return;
        QCOMPARE(w.first(), first);
        QCOMPARE(w.last(), last);
        for (int i = 1; i < w.size(); ++i)
            QVERIFY2(w.at(i) > w.at(i - 1), "ascending, no index twice");
        QVERIFY(w.first() >= 0 && w.last() < n);
    }

    // Values read back from the config are clamped: a hostile linkBytes
    // still gives a step size (no overflow in stepObjects).
    void hostileStateStillPlans()
    {
        CheckpointState s;
        s.linkBytes = qint64(1) << 50;
        s.bytesPerObject = 1;
        QVERIFY(s.stepObjects() > 0);
        s.bytesPerObject = qint64(1) << 50;
        QCOMPARE(s.stepObjects(), qint64(1));
        s.maxObjects = 1;
        QCOMPARE(s.stepObjects(), qint64(1));
    }
};

QTEST_GUILESS_MAIN(TestCheckpointPlan)
#include "tst_checkpointplan.moc"
