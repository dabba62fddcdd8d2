// runAsync (ui/io/Async.h): the work runs on a pool thread, its result
// reaches the receiver on the GUI thread, and nothing reaches a receiver
// that is gone.
#include "io/Async.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>

using namespace repodeck::ui;

namespace {

class Receiver : public QObject
{
    Q_OBJECT

public:
    void take(const QString &value)
    {
        thread = QThread::currentThread();
        emit got(value);
    }

    QThread *thread = nullptr;

signals:
    void got(const QString &value);
};

} // namespace

class TestAsync : public QObject
{
    Q_OBJECT

private slots:
    void resultArrivesOnTheGuiThread_data()
    {
        QTest::addColumn<bool>("member");
        QTest::newRow("member function") << true;
        QTest::newRow("lambda") << false;
    }
    void resultArrivesOnTheGuiThread()
    {
        QFETCH(bool, member);
        Receiver receiver;
        QSignalSpy got(&receiver, &Receiver::got);
        auto worker = std::make_shared<std::atomic<QThread *>>(nullptr);
        auto work = [worker] {
            worker->store(QThread::currentThread());
            return QStringLiteral("done");
        };
        QFuture<QString> future;
        if (member) {
            future = runAsync(&receiver, work, &Receiver::take);
        } else {
            future = runAsync(&receiver, work,
                              [&receiver](const QString &value) { receiver.take(value); });
        }
        QVERIFY(got.wait(10'000));
        QCOMPARE(got.count(), 1);
        QCOMPARE(got.first().first().toString(), QStringLiteral("done"));
        QCOMPARE(receiver.thread, QCoreApplication::instance()->thread());
        QVERIFY(worker->load() != nullptr);
        QVERIFY(worker->load() != QCoreApplication::instance()->thread());
        QVERIFY(future.isFinished());
        QCOMPARE(future.result(), QStringLiteral("done"));
    }

    // The receiver goes while the work runs, or after it finished but before
    // its result was handed over: either way nothing is delivered. A second,
    // living receiver shows the event loop did run meanwhile.
    void nothingArrivesOnceTheReceiverIsGone_data()
    {
        QTest::addColumn<bool>("finishFirst");
        QTest::newRow("gone while running") << false;
        QTest::newRow("gone before delivery") << true;
    }
    void nothingArrivesOnceTheReceiverIsGone()
    {
        QFETCH(bool, finishFirst);
        auto release = std::make_shared<QSemaphore>();
        auto delivered = std::make_shared<int>(0);
        auto *doomed = new Receiver;
        QFuture<QString> future = runAsync(
            doomed,
            [release] {
            // Bounded: a test that never releases fails instead of hanging.
            return release->tryAcquire(1, 10'000) ? QStringLiteral("late")
                                                  : QStringLiteral("timed out");
            },
            [delivered](const QString &) { ++*delivered; });
        QVERIFY(future.isRunning()); // it waits for the release
        if (finishFirst) {
            release->release();
            future.waitForFinished(); // the hand-over is now queued
            QCOMPARE(future.result(), QStringLiteral("late"));
            delete doomed;
        } else {
            delete doomed;
            release->release();
            future.waitForFinished();
        }

        Receiver alive;
        QSignalSpy got(&alive, &Receiver::got);
        runAsync(
            &alive, [] { return QStringLiteral("control"); }, &Receiver::take);
        QVERIFY(got.wait(10'000));
        QCoreApplication::sendPostedEvents();
        QCOMPARE(*delivered, 0);
    }
};

QTEST_GUILESS_MAIN(TestAsync)
#include "tst_async.moc"
