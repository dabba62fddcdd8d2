// The progress throttle of core/sync/TransferCallbacks, on a clock the test
// drives: the first report is passed on, reports within 100 ms of the last
// one passed on are dropped, the next one 100 ms after it is passed on, and
// the last report always arrives (forced, or from finish()).
#include "sync/TransferCallbacks.h"

#include <QtTest>

#include <chrono>

using namespace repodeck::core;
using Clock = std::chrono::steady_clock;

namespace {

// A clock that only moves when told.
struct ManualClock
{
    Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
    ProgressClock function()
    {
        return [this] { return now; };
    }
};

TransferProgress numbered(int n)
{
    TransferProgress p;
    p.receivedObjects = static_cast<quint64>(n);
    p.totalObjects = 1000;
    return p;
}

} // namespace

class TestTransferCallbacks : public QObject
{
    Q_OBJECT

private slots:
    // Report i is made at times[i] ms (forced when listed in `forced`);
    // `expected` are the reports the sink received, in order.
    void throttle_data()
    {
        QTest::addColumn<QList<int>>("times");
        QTest::addColumn<QList<int>>("forced");
        QTest::addColumn<bool>("finish");
        QTest::addColumn<QList<int>>("expected");
        QTest::newRow("the first is reported")
            << QList<int>{0} << QList<int>{} << false << QList<int>{0};
        QTest::newRow("updates within 100 ms are dropped")
            << QList<int>{0, 1, 50, 99} << QList<int>{} << false << QList<int>{0};
        QTest::newRow("one 100 ms later is reported")
            << QList<int>{0, 50, 100} << QList<int>{} << false << QList<int>{0, 2};
        QTest::newRow("100 ms from the last one reported, not the last one made")
            << QList<int>{0, 60, 120, 130, 190, 230} << QList<int>{} << false
            << QList<int>{0, 2, 5};
        QTest::newRow("at most one per 100 ms over 400 ms of updates")
            << QList<int>{0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400} << QList<int>{}
            << false << QList<int>{0, 3, 6, 9};
        QTest::newRow("the last is reported by finish")
            << QList<int>{0, 30, 60} << QList<int>{} << true << QList<int>{0, 2};
        QTest::newRow("finish repeats nothing already reported")
            << QList<int>{0, 150} << QList<int>{} << true << QList<int>{0, 1};
        QTest::newRow("a forced last is reported at once")
            << QList<int>{0, 10, 20} << QList<int>{2} << false << QList<int>{0, 2};
        QTest::newRow("a forced last, then finish, once")
            << QList<int>{0, 10, 20} << QList<int>{2} << true << QList<int>{0, 2};
        QTest::newRow("a forced report restarts the interval")
            << QList<int>{0, 50, 120, 160} << QList<int>{1} << false << QList<int>{0, 1, 3};
    }
    void throttle()
    {
        QFETCH(QList<int>, times);
        QFETCH(QList<int>, forced);
        QFETCH(bool, finish);
        QFETCH(QList<int>, expected);
        ManualClock clock;
        const Clock::time_point start = clock.now;
        QList<int> reported;
        TransferCallbacks callbacks(
            nullptr,
            [&reported](const TransferProgress &p) {
            reported << static_cast<int>(p.receivedObjects);
            },
            clock.function());
        for (int i = 0; i < times.size(); ++i) {
            clock.now = start + std::chrono::milliseconds(times[i]);
            callbacks.report(numbered(i), forced.contains(i));
        }
        if (finish)
            callbacks.finish();
        QCOMPARE(reported, expected);
    }

    // Through libgit2's own callback: the report that completes indexing is
    // the last and is passed on whatever the time.
    void indexingCompleteIsReportedAtOnce()
    {
        ManualClock clock;
        QList<TransferProgress> reported;
        TransferCallbacks callbacks(
            nullptr, [&reported](const TransferProgress &p) { reported << p; }, clock.function());
        git_remote_callbacks remote = GIT_REMOTE_CALLBACKS_INIT;
        callbacks.install(remote);
        QVERIFY(remote.transfer_progress);
        git_indexer_progress stats{};
        stats.total_objects = 10;
        stats.received_objects = 1;
        QCOMPARE(remote.transfer_progress(&stats, remote.payload), 0);
        clock.now += std::chrono::milliseconds(10);
        stats.received_objects = 10;
        stats.indexed_objects = 5;
        QCOMPARE(remote.transfer_progress(&stats, remote.payload), 0); // dropped
        clock.now += std::chrono::milliseconds(10);
        stats.indexed_objects = 10;
        QCOMPARE(remote.transfer_progress(&stats, remote.payload), 0); // complete: passed on
        QCOMPARE(reported.size(), 2);
        QCOMPARE(reported[0].receivedObjects, quint64(1));
        QCOMPARE(reported[0].phase, Phase::Receiving);
        QCOMPARE(reported[1].indexedObjects, quint64(10));
        QCOMPARE(reported[1].phase, Phase::Resolving);
        callbacks.finish();
        QCOMPARE(reported.size(), 2);
    }

    // Without a clock of its own the throttle uses the steady clock: a burst
    // of reports made at once passes on the first and, from finish, the last.
    void steadyClockByDefault()
    {
        QList<int> reported;
        TransferCallbacks callbacks(nullptr, [&reported](const TransferProgress &p) {
            reported << static_cast<int>(p.receivedObjects);
        });
        const Clock::time_point started = Clock::now();
        for (int i = 0; i < 50; ++i)
            callbacks.report(numbered(i), false);
        callbacks.finish();
        if (Clock::now() - started < std::chrono::milliseconds(100))
            QCOMPARE(reported, QList<int>({0, 49}));
        QCOMPARE(reported.first(), 0);
        QCOMPARE(reported.last(), 49);
    }
};

QTEST_GUILESS_MAIN(TestTransferCallbacks)
#include "tst_transfercallbacks.moc"
