#include "platform/WakeDetector.h"
#include "sync/SyncPlanner.h"

#include <QtTest>

#include <algorithm>

using namespace repodeck::core;

class TestSyncPlanner : public QObject
{
    Q_OBJECT

private slots:
    void sameIntervalIsSpread()
    {
        // 200 mirrors synced at the same moment with a 30 min interval must
        // not all come due in the same second.
        const QDateTime last = QDateTime::fromString("2026-11-27T10:00:00Z", Qt::ISODate);
        const Millis interval(30 * 60'000);
        QList<qint64> offsets;
        for (int i = 0; i < 200; ++i) {
            const QDateTime due = SyncPlanner::nextDue(QString("mirror-%1").arg(i), last, interval);
            const qint64 off = last.msecsTo(due);
            QVERIFY2(off >= interval.count() * 0.9 && off <= interval.count() * 1.1,
                     "within +-10 %");
            offsets << off / 1000;
        }
        std::sort(offsets.begin(), offsets.end());
        int worst = 0;
        for (int i = 0, j = 0; i < offsets.size(); ++i) {
            while (offsets[i] - offsets[j] >= 10)
                ++j;
            worst = std::max(worst, i - j + 1);
        }
        QVERIFY2(worst <= 20,
                 qPrintable(QString("%1 syncs fell into one 10-second window").arg(worst)));
        QVERIFY(offsets.last() - offsets.first() > interval.count() / 1000 / 10);
    }

    void planIsDeterministic()
    {
        const QDateTime last = QDateTime::currentDateTimeUtc();
        QCOMPARE(SyncPlanner::nextDue("a", last, Millis(60'000)),
                 SyncPlanner::nextDue("a", last, Millis(60'000)));
        QVERIFY(SyncPlanner::nextDue("a", last, Millis(600'000))
                != SyncPlanner::nextDue("b", last, Millis(600'000)));
    }

    void syncOnStartIsSpreadAndDue()
    {
        SyncPlanner planner;
        planner.setStartSpread(Millis(100));
        QList<SyncPlanner::Item> items;
        for (int i = 0; i < 5; ++i)
            items << SyncPlanner::Item{QString("r%1").arg(i), Millis(0), true, {}};
        items << SyncPlanner::Item{"manual", Millis(0), false, {}};
        planner.setItems(items);
        QSignalSpy due(&planner, &SyncPlanner::due);
        planner.start();
        QStringList got;
        QTRY_VERIFY_WITH_TIMEOUT((got =
                                      [&] {
            QStringList all;
            for (const auto &args : std::as_const(due))
                all << args.at(0).toStringList();
            return all;
                                 }())
                                         .size()
                                 == 5,
                                 5000);
        QVERIFY(!got.contains("manual"));
    }

    void overdueAfterSleepRunsOnCheck()
    {
        SyncPlanner planner;
        const QDateTime last = QDateTime::currentDateTimeUtc();
        planner.setItems({SyncPlanner::Item{"hourly", Millis(3'600'000), false, last}});
        const QDateTime due = planner.dueAt("hourly");
        QVERIFY(due > last);
        QSignalSpy spy(&planner, &SyncPlanner::due);
        planner.checkDue(due.addSecs(-1));
        QCOMPARE(spy.size(), 0);
        // The machine slept past the due time: the next check runs it.
        planner.checkDue(due.addSecs(7200));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toStringList(), QStringList{"hourly"});
        QVERIFY(planner.dueAt("hourly") > due.addSecs(7200));
    }

    void wakeDetectorSeesWallClockJump()
    {
        WakeDetector detector(nullptr, 3'600'000);
        QSignalSpy resumed(&detector, &WakeDetector::resumed);
        const qint64 wall = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(detector.check(wall, 0),
                 qint64(0)); // baseline (the constructor's reading is close)
        QCOMPARE(detector.check(wall + 5000, 5000), qint64(0)); // normal tick
        QCOMPARE(detector.check(wall + 5000 + 600'000 + 5000, 10'000),
                 qint64(600'000)); // slept 10 min
        QCOMPARE(resumed.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSyncPlanner)
#include "tst_syncplanner.moc"
