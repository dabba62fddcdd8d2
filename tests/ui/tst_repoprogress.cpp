// A row's progress percentage (model/RepoProgress) for each phase of a
// transfer, including the ones whose size is not known yet.
#include "model/RepoProgress.h"

#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;

Q_DECLARE_METATYPE(repodeck::core::Phase)

class TestRepoProgress : public QObject
{
    Q_OBJECT

private slots:
    void percent_data()
    {
        QTest::addColumn<core::Phase>("phase");
        QTest::addColumn<quint64>("done"); // objects, deltas or bytes, by phase
        QTest::addColumn<quint64>("total");
        QTest::addColumn<int>("percent"); // -1: size not known yet

        using P = core::Phase;
        QTest::newRow("connecting") << P::Connecting << quint64(0) << quint64(0) << -1;
        QTest::newRow("connecting, counts ignored")
            << P::Connecting << quint64(5) << quint64(10) << -1;
        QTest::newRow("receiving, no count yet") << P::Receiving << quint64(7) << quint64(0) << -1;
        QTest::newRow("receiving, start") << P::Receiving << quint64(0) << quint64(200) << 0;
        QTest::newRow("receiving, quarter") << P::Receiving << quint64(50) << quint64(200) << 25;
        QTest::newRow("receiving, rounds down") << P::Receiving << quint64(2) << quint64(3) << 66;
        QTest::newRow("receiving, all") << P::Receiving << quint64(200) << quint64(200) << 100;
        QTest::newRow("receiving, millions")
            << P::Receiving << quint64(11'000'000) << quint64(22'000'000) << 50;
        QTest::newRow("resolving, no deltas") << P::Resolving << quint64(0) << quint64(0) << 100;
        QTest::newRow("resolving, three of four") << P::Resolving << quint64(3) << quint64(4) << 75;
        QTest::newRow("checking out") << P::CheckingOut << quint64(0) << quint64(0) << 100;
        QTest::newRow("lfs, size unknown") << P::Lfs << quint64(4096) << quint64(0) << -1;
        QTest::newRow("lfs, half the bytes") << P::Lfs << quint64(512) << quint64(1024) << 50;
        QTest::newRow("lfs, 3 of 5 GiB")
            << P::Lfs << (quint64(3) << 30) << (quint64(5) << 30) << 60;
    }

    void percent()
    {
        QFETCH(core::Phase, phase);
        QFETCH(quint64, done);
        QFETCH(quint64, total);
        QFETCH(int, percent);
        core::TransferProgress p;
        p.phase = phase;
        switch (phase) {
        case core::Phase::Resolving:
            p.indexedDeltas = done;
            p.totalDeltas = total;
            // What the other phases count must not leak into this one.
            p.receivedObjects = 1;
            p.totalObjects = 1000;
            break;
        case core::Phase::Lfs:
            p.receivedBytes = done;
            p.totalBytes = total;
            p.receivedObjects = 1;
            p.totalObjects = 1000;
            break;
        default:
            p.receivedObjects = done;
            p.totalObjects = total;
            p.receivedBytes = done * 1024;
            break;
        }
        QCOMPARE(progressPercent(p), percent);
    }
};

QTEST_GUILESS_MAIN(TestRepoProgress)
#include "tst_repoprogress.moc"
