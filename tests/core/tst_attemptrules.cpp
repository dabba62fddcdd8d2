// What the scheduler decides once an attempt has ended (besides the retry
// decision, tst_retrydecision), row by row and without a Scheduler: what the
// host gate learns, offline holds, the attempt's record, waiting for a lock,
// the texts of a paused host; and how RepoResult's factories end a sync.
#include "sync/AttemptRules.h"

#include "retry/ErrorClassifier.h"

#include <QtTest>

using namespace repodeck::core;
using HostResult = HostGate::Report;

namespace {

AttemptOutcome outcomeOf(Outcome outcome, ErrorCategory category = ErrorCategory::None,
                         bool transient = false, qint64 bytes = 0)
{
    AttemptOutcome o;
    o.outcome = outcome;
    o.error.category = category;
    o.error.transient = transient;
    o.error.message = category == ErrorCategory::None ? QString() : QStringLiteral("failed");
    o.bytes = bytes;
    return o;
}

} // namespace

class TestAttemptRules : public QObject
{
    Q_OBJECT

private slots:
    // Whether a failure counts against the host.
    void hostReport_data()
    {
        QTest::addColumn<int>("outcome");
        QTest::addColumn<int>("category");
        QTest::addColumn<bool>("transient");
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<bool>("busy");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<int>("result");

        const int none = int(ErrorCategory::None);
        const int net = int(ErrorCategory::Network);
        const int timeout = int(ErrorCategory::Timeout);
        const int server = int(ErrorCategory::Server);
        const int rate = int(ErrorCategory::RateLimited);
        const int auth = int(ErrorCategory::Auth);
        const int failed = int(Outcome::Failed);

        QTest::newRow("updated") << int(Outcome::Updated) << none << false << qint64(900) << false
                                 << false << int(HostResult::Success);
        QTest::newRow("up to date") << int(Outcome::UpToDate) << none << false << qint64(0) << false
                                    << false << int(HostResult::Success);
        QTest::newRow("fetched only") << int(Outcome::FetchedOnly) << none << false << qint64(10)
                                      << false << false << int(HostResult::Success);
        QTest::newRow("permanent: the host answered")
            << failed << auth << false << qint64(0) << false << false
            << int(HostResult::PermanentFailure);
        QTest::newRow("reset before any data") << failed << net << true << qint64(0) << false
                                               << false << int(HostResult::TransientFailure);
        QTest::newRow("link dropped after data") << failed << net << true << qint64(4096) << false
                                                 << false << int(HostResult::LinkDropped);
        QTest::newRow("stalled after data") << failed << timeout << true << qint64(1) << false
                                            << false << int(HostResult::LinkDropped);
        QTest::newRow("timeout before data") << failed << timeout << true << qint64(0) << false
                                             << false << int(HostResult::TransientFailure);
        QTest::newRow("503 after data still asks for a pause")
            << failed << server << true << qint64(4096) << false << false
            << int(HostResult::TransientFailure);
        QTest::newRow("429 after data still asks for a pause")
            << failed << rate << true << qint64(4096) << false << false
            << int(HostResult::TransientFailure);
        QTest::newRow("busy: says nothing") << int(Outcome::None) << none << false << qint64(0)
                                            << true << false << int(HostResult::Cancelled);
        QTest::newRow("cancelled failure: says nothing")
            << failed << net << true << qint64(0) << false << true << int(HostResult::Cancelled);
        QTest::newRow("cancelled success: says nothing")
            << int(Outcome::Updated) << none << false << qint64(0) << false << true
            << int(HostResult::Cancelled);
        QTest::newRow("cancelled outcome")
            << int(Outcome::Cancelled) << int(ErrorCategory::Cancelled) << false << qint64(0)
            << false << false << int(HostResult::Cancelled);
    }
    void hostReport()
    {
        QFETCH(int, outcome);
        QFETCH(int, category);
        QFETCH(bool, transient);
        QFETCH(qint64, bytes);
        QFETCH(bool, busy);
        QFETCH(bool, cancelled);
        QFETCH(int, result);
        AttemptOutcome o = outcomeOf(Outcome(outcome), ErrorCategory(category), transient, bytes);
        o.busy = busy;
        QCOMPARE(int(attempt::hostReport(o, cancelled)), result);
    }

    void lostBytes_data()
    {
        QTest::addColumn<int>("outcome");
        QTest::addColumn<bool>("transient");
        QTest::addColumn<qint64>("lost");
        QTest::newRow("transient failure loses what it received")
            << int(Outcome::Failed) << true << qint64(500);
        QTest::newRow("permanent failure") << int(Outcome::Failed) << false << qint64(0);
        QTest::newRow("success keeps it") << int(Outcome::Cloned) << false << qint64(0);
        QTest::newRow("cancelled") << int(Outcome::Cancelled) << false << qint64(0);
    }
    void lostBytes()
    {
        QFETCH(int, outcome);
        QFETCH(bool, transient);
        QFETCH(qint64, lost);
        const ErrorCategory category = Outcome(outcome) == Outcome::Failed ? ErrorCategory::Network
                                                                           : ErrorCategory::None;
        QCOMPARE(attempt::lostBytes(outcomeOf(Outcome(outcome), category, transient, 500)), lost);
    }

    void heldByOffline_data()
    {
        QTest::addColumn<bool>("online");
        QTest::addColumn<bool>("loopbackExempt");
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("held");
        QTest::newRow("online") << true << true << "github.com" << false;
        QTest::newRow("online, loopback not exempt") << true << false << "127.0.0.1:9418" << false;
        QTest::newRow("offline") << false << true << "github.com" << true;
        QTest::newRow("offline, loopback exempt") << false << true << "127.0.0.1:9418" << false;
        QTest::newRow("offline, localhost exempt") << false << true << "localhost:8080" << false;
        QTest::newRow("offline, a path") << false << true << "local" << false;
        QTest::newRow("offline, loopback standing in for a remote")
            << false << false << "127.0.0.1:9418" << true;
    }
    void heldByOffline()
    {
        QFETCH(bool, online);
        QFETCH(bool, loopbackExempt);
        QFETCH(QString, host);
        QFETCH(bool, held);
        QCOMPARE(attempt::heldByOffline(online, loopbackExempt, host), held);
    }

    void recordOf_data()
    {
        QTest::addColumn<int>("outcome");
        QTest::addColumn<int>("category");
        QTest::addColumn<bool>("transient");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<int>("recordedCategory");
        QTest::addColumn<bool>("recordedTransient");
        const int none = int(ErrorCategory::None);
        const int net = int(ErrorCategory::Network);
        const int cancelledCategory = int(ErrorCategory::Cancelled);
        QTest::newRow("cloned") << int(Outcome::Cloned) << none << false << false << true << none
                                << false;
        QTest::newRow("fetched only is ok")
            << int(Outcome::FetchedOnly) << none << false << false << true << none << false;
        QTest::newRow("transient failure")
            << int(Outcome::Failed) << net << true << false << false << net << true;
        QTest::newRow("failure of a cancelled attempt")
            << int(Outcome::Failed) << net << true << true << false << cancelledCategory << false;
        QTest::newRow("cancelled outcome") << int(Outcome::Cancelled) << cancelledCategory << false
                                           << true << false << cancelledCategory << false;
        QTest::newRow("success though cancelled late")
            << int(Outcome::Updated) << none << false << true << true << none << false;
    }
    void recordOf()
    {
        QFETCH(int, outcome);
        QFETCH(int, category);
        QFETCH(bool, transient);
        QFETCH(bool, cancelled);
        QFETCH(bool, ok);
        QFETCH(int, recordedCategory);
        QFETCH(bool, recordedTransient);
        AttemptOutcome o = outcomeOf(Outcome(outcome), ErrorCategory(category), transient, 321);
        o.httpVersion = QStringLiteral("HTTP/1.1");
        const AttemptRecord r = attempt::recordOf(o, cancelled);
        QCOMPARE(r.ok, ok);
        QCOMPARE(int(r.error.category), recordedCategory);
        QCOMPARE(r.error.transient, recordedTransient);
        QCOMPARE(r.error.message, o.error.message);
        QCOMPARE(r.bytes, qint64(321));
        QCOMPARE(r.httpVersion, QStringLiteral("HTTP/1.1"));
        QCOMPARE(r.retryIn.count(), qint64(-1));
        QVERIFY(!r.held);
    }

    // Offline: not counted, waits for the network.
    void waitsForNetwork_data()
    {
        QTest::addColumn<bool>("ok");
        QTest::addColumn<bool>("transient");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<bool>("offline");
        QTest::addColumn<bool>("waits");
        QTest::newRow("transient failure, offline") << false << true << false << true << true;
        QTest::newRow("transient failure, online") << false << true << false << false << false;
        QTest::newRow("permanent failure, offline") << false << false << false << true << false;
        QTest::newRow("cancelled, offline") << false << true << true << true << false;
        QTest::newRow("success, offline") << true << false << false << true << false;
    }
    void waitsForNetwork()
    {
        QFETCH(bool, ok);
        QFETCH(bool, transient);
        QFETCH(bool, cancelled);
        QFETCH(bool, offline);
        QFETCH(bool, waits);
        AttemptRecord r;
        r.ok = ok;
        r.error.category = ok ? ErrorCategory::None : ErrorCategory::Network;
        r.error.transient = transient;
        QCOMPARE(attempt::waitsForNetwork(r, cancelled, offline), waits);
    }

    void drawsBackoff_data()
    {
        QTest::addColumn<bool>("transient");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<int>("attemptsMade");
        QTest::addColumn<bool>("draws");
        QTest::newRow("transient, attempts left") << true << false << 1 << true;
        QTest::newRow("transient, last attempt left") << true << false << 2 << true;
        QTest::newRow("transient, attempts used") << true << false << 3 << false;
        QTest::newRow("permanent") << false << false << 1 << false;
        QTest::newRow("cancelled") << true << true << 1 << false;
    }
    void drawsBackoff()
    {
        QFETCH(bool, transient);
        QFETCH(bool, cancelled);
        QFETCH(int, attemptsMade);
        QFETCH(bool, draws);
        SyncError e;
        e.category = ErrorCategory::Network;
        e.transient = transient;
        QCOMPARE(attempt::drawsBackoff(e, cancelled, attemptsMade, 3), draws);
    }

    void busyWaitFits_data()
    {
        QTest::addColumn<qint64>("elapsedMs");
        QTest::addColumn<bool>("fits");
        QTest::newRow("at once") << qint64(0) << true;
        QTest::newRow("ends just before the deadline") << qint64(59'749) << true;
        QTest::newRow("ends at the deadline") << qint64(59'750) << false;
        QTest::newRow("past it") << qint64(61'000) << false;
    }
    void busyWaitFits()
    {
        QFETCH(qint64, elapsedMs);
        QFETCH(bool, fits);
        QCOMPARE(attempt::busyWaitFits(Millis(elapsedMs), Millis(250), Millis(60'000)), fits);
    }

    void offlineHoldExpired_data()
    {
        QTest::addColumn<bool>("heldOffline");
        QTest::addColumn<bool>("counts");
        QTest::addColumn<qint64>("elapsedMs"); // -1: the deadline clock has not started
        QTest::addColumn<bool>("expired");
        QTest::newRow("CLI run at the deadline") << true << true << qint64(60'000) << true;
        QTest::newRow("CLI run before it") << true << true << qint64(59'999) << false;
        QTest::newRow("desktop: offline time does not count")
            << true << false << qint64(600'000) << false;
        QTest::newRow("not held offline") << false << true << qint64(600'000) << false;
        QTest::newRow("no deadline clock yet") << true << true << qint64(-1) << false;
    }
    void offlineHoldExpired()
    {
        QFETCH(bool, heldOffline);
        QFETCH(bool, counts);
        QFETCH(qint64, elapsedMs);
        QFETCH(bool, expired);
        const std::optional<Millis> elapsed = elapsedMs < 0 ? std::nullopt
                                                            : std::optional(Millis(elapsedMs));
        QCOMPARE(attempt::offlineHoldExpired(heldOffline, counts, elapsed, Millis(60'000)),
                 expired);
    }

    void pausedHostTexts()
    {
        QCOMPARE(attempt::probingText(true, Millis(5000)),
                 QStringLiteral("a probe is checking it now"));
        QCOMPARE(attempt::probingText(false, Millis(1500)), QStringLiteral("probing it in 1.5 s"));
        QCOMPARE(attempt::probingText(false, Millis(-20)), QStringLiteral("probing it in 0 ms"));
        QCOMPARE(attempt::pausedText(QStringLiteral("h.test:9418"), 5,
                                     QStringLiteral("probing it in 1.5 s")),
                 QStringLiteral(
                     "h.test:9418 is paused after 5 failures in a row; probing it in 1.5 s"));
    }

    // An attempt counted without a connection reports the host's last error.
    void heldError_data()
    {
        QTest::addColumn<int>("lastCategory"); // None: no error known
        QTest::addColumn<int>("lastStatus");
        QTest::addColumn<int>("category");
        QTest::newRow("after 429s")
            << int(ErrorCategory::RateLimited) << 429 << int(ErrorCategory::RateLimited);
        QTest::newRow("after resets")
            << int(ErrorCategory::Network) << 0 << int(ErrorCategory::Network);
        QTest::newRow("nothing known")
            << int(ErrorCategory::None) << 0 << int(ErrorCategory::Network);
    }
    void heldError()
    {
        QFETCH(int, lastCategory);
        QFETCH(int, lastStatus);
        QFETCH(int, category);
        SyncError last;
        last.category = ErrorCategory(lastCategory);
        last.httpStatus = lastStatus;
        last.message = QStringLiteral("the server said slow down");
        const SyncError e = attempt::heldError(QStringLiteral("h:1"), 5, last,
                                               QStringLiteral("probing it in 2 s"));
        QCOMPARE(int(e.category), category);
        QVERIFY(e.transient);
        QCOMPARE(e.httpStatus, lastStatus);
        QVERIFY2(e.message.startsWith(QStringLiteral(
                     "No connection made: h:1 is paused after 5 failures in a row.")),
                 qPrintable(e.message));
        QCOMPARE(e.message.contains(QStringLiteral("Its last error: the server said slow down")),
                 last.isError());
        QCOMPARE(e.hint, QStringLiteral(
                             "This attempt counts; RepoDeck retries on the policy's schedule and "
                             "probing it in 2 s."));
    }

    void gaveUpHint()
    {
        const QString plain = attempt::gaveUpHint(QStringLiteral("Gave up after 6 attempt(s)."),
                                                  ErrorCategory::Network, 0, 6,
                                                  QStringLiteral("h:1"), 5);
        QCOMPARE(plain, QStringLiteral("Gave up after 6 attempt(s). ") + hintAfterGivingUpText());
        const QString held = attempt::gaveUpHint(QStringLiteral("Gave up after 6 attempt(s)."),
                                                 ErrorCategory::Network, 2, 6,
                                                 QStringLiteral("h:1"), 5);
        QVERIFY2(held.contains(QStringLiteral(
                     " 2 of the 6 made no connection because h:1 was paused: it failed 5 "
                     "times in a row. ")),
                 qPrintable(held));
        QVERIFY(held.endsWith(hintAfterGivingUpText()));
    }

    // How a sync ends.
    void resultAfterAttempt_data()
    {
        QTest::addColumn<bool>("ok");
        QTest::addColumn<int>("category");
        QTest::addColumn<int>("outcome");
        QTest::newRow("updated") << true << int(ErrorCategory::None) << int(Outcome::Updated);
        QTest::newRow("fetched only")
            << true << int(ErrorCategory::None) << int(Outcome::FetchedOnly);
        QTest::newRow("failed") << false << int(ErrorCategory::Server) << int(Outcome::Failed);
        QTest::newRow("cancelled")
            << false << int(ErrorCategory::Cancelled) << int(Outcome::Cancelled);
    }
    void resultAfterAttempt()
    {
        QFETCH(bool, ok);
        QFETCH(int, category);
        QFETCH(int, outcome);
        AttemptRecord last;
        last.ok = ok;
        last.error.category = ErrorCategory(category);
        last.error.message = ok ? QString() : QStringLiteral("failed");
        const Outcome attemptOutcome = ok ? Outcome(outcome) : Outcome::Failed;
        const RepoResult r = RepoResult::afterAttempt(last, attemptOutcome, QStringLiteral("dirty"),
                                                      QStringLiteral("left alone"), 3, 777);
        QCOMPARE(int(r.outcome), outcome);
        QCOMPARE(r.attempts, 3);
        QCOMPARE(r.bytes, qint64(777));
        QCOMPARE(r.reason, QStringLiteral("dirty"));
        QCOMPARE(r.detail, QStringLiteral("left alone"));
        QCOMPARE(int(r.error.category), category);
        QCOMPARE(r.error.message, last.error.message);
    }

    void resultFactories()
    {
        const RepoResult c = RepoResult::cancelled(2, 50);
        QCOMPARE(c.outcome, Outcome::Cancelled);
        QCOMPARE(c.attempts, 2);
        QCOMPARE(c.bytes, qint64(50));
        QCOMPARE(c.error.category, ErrorCategory::Cancelled);
        QVERIFY(!c.error.transient);
        QCOMPARE(c.error.message, QStringLiteral("Cancelled."));

        const RepoResult f = RepoResult::failed(
            SyncError::local(QStringLiteral("busy"), QStringLiteral("wait")), 1);
        QCOMPARE(f.outcome, Outcome::Failed);
        QCOMPARE(f.attempts, 1);
        QCOMPARE(f.bytes, qint64(0));
        QCOMPARE(f.error.message, QStringLiteral("busy"));

        const RepoResult h = RepoResult::heldOffline(0, Millis(125'000), 0);
        QCOMPARE(h.outcome, Outcome::Failed);
        QCOMPARE(h.attempts, 0);
        QCOMPARE(h.error.category, ErrorCategory::Network);
        QVERIFY(h.error.transient);
        QCOMPARE(h.error.message, QStringLiteral("The machine stayed offline."));
        QVERIFY2(h.error.hint.contains(
                     QStringLiteral("policy's 2 min 5 s deadline without spending an attempt")),
                 qPrintable(h.error.hint));
    }

private:
    static QString hintAfterGivingUpText()
    {
        return repodeck::core::hintAfterGivingUp(ErrorCategory::Network);
    }
};

QTEST_GUILESS_MAIN(TestAttemptRules)
#include "tst_attemptrules.moc"
