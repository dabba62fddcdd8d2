// The retry decision after a failed attempt, row by row: attempts, deadline,
// and a server's Retry-After as "not before" (capped only by the deadline
// unless the policy opts in to max_delay).
#include "retry/RetryDecision.h"

#include <QtTest>

using namespace repodeck::core;
using Kind = retry::Decision::Kind;

namespace {

RetryPolicy policy(RetryAfterLimit limit)
{
    RetryPolicy p;
    p.maxAttempts = 5;
    p.initialDelay = Millis(100);
    p.maxDelay = Millis(500);
    p.deadline = Millis(60'000);
    p.retryAfterLimit = limit;
    return p;
}

SyncError failure(ErrorCategory category, bool transient, qint64 retryAfterMs)
{
    SyncError e;
    e.category = category;
    e.transient = transient;
    e.retryAfter = Millis(retryAfterMs);
    e.message = QStringLiteral("failed");
    return e;
}

} // namespace

class TestRetryDecision : public QObject
{
    Q_OBJECT

private slots:
    void defaultsTreatRetryAfterAsNotBefore()
    {
        QCOMPARE(RetryPolicy::defaults().retryAfterLimit, RetryAfterLimit::Deadline);
    }

    void decide_data()
    {
        QTest::addColumn<int>("limit");
        QTest::addColumn<int>("category");
        QTest::addColumn<bool>("transient");
        QTest::addColumn<qint64>("retryAfterMs"); // -1: none
        QTest::addColumn<int>("attemptsMade");
        QTest::addColumn<qint64>("elapsedMs");
        QTest::addColumn<qint64>("backoffMs");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<int>("kind");
        QTest::addColumn<qint64>("delayMs"); // -1: no retry

        const int dl = int(RetryAfterLimit::Deadline);
        const int md = int(RetryAfterLimit::MaxDelay);
        const int net = int(ErrorCategory::Network);
        const int server = int(ErrorCategory::Server);
        const int rate = int(ErrorCategory::RateLimited);
        const int auth = int(ErrorCategory::Auth);

        QTest::newRow("transient: the backoff delay")
            << dl << net << true << qint64(-1) << 1 << qint64(0) << qint64(80) << false
            << int(Kind::Retry) << qint64(80);
        QTest::newRow("permanent: no retry")
            << dl << auth << false << qint64(-1) << 1 << qint64(0) << qint64(80) << false
            << int(Kind::Final) << qint64(-1);
        QTest::newRow("cancelled: no retry")
            << dl << net << true << qint64(-1) << 1 << qint64(0) << qint64(80) << true
            << int(Kind::Final) << qint64(-1);
        QTest::newRow("attempts used")
            << dl << net << true << qint64(-1) << 5 << qint64(0) << qint64(80) << false
            << int(Kind::AttemptsUsed) << qint64(-1);
        QTest::newRow("backoff would pass the deadline")
            << dl << net << true << qint64(-1) << 2 << qint64(59'950) << qint64(80) << false
            << int(Kind::Deadline) << qint64(-1);
        // The case: 503 with Retry-After: 3, max delay 500 ms.
        QTest::newRow("503 Retry-After 3 s beats max delay 500 ms")
            << dl << server << true << qint64(3000) << 1 << qint64(0) << qint64(120) << false
            << int(Kind::Retry) << qint64(3000);
        QTest::newRow("429 Retry-After 20 s, well inside the deadline")
            << dl << rate << true << qint64(20'000) << 1 << qint64(1000) << qint64(300) << false
            << int(Kind::Retry) << qint64(20'000);
        QTest::newRow("Retry-After shorter than the backoff: backoff")
            << dl << rate << true << qint64(50) << 1 << qint64(0) << qint64(400) << false
            << int(Kind::Retry) << qint64(400);
        QTest::newRow("Retry-After 0") << dl << server << true << qint64(0) << 1 << qint64(0)
                                       << qint64(90) << false << int(Kind::Retry) << qint64(90);
        QTest::newRow("Retry-After past the deadline: give up at once")
            << dl << rate << true << qint64(3'600'000) << 1 << qint64(0) << qint64(100) << false
            << int(Kind::RetryAfterPastDeadline) << qint64(-1);
        QTest::newRow("Retry-After just past what is left")
            << dl << server << true << qint64(10'001) << 2 << qint64(50'000) << qint64(100) << false
            << int(Kind::RetryAfterPastDeadline) << qint64(-1);
        QTest::newRow("Retry-After just inside what is left")
            << dl << server << true << qint64(9'999) << 2 << qint64(50'000) << qint64(100) << false
            << int(Kind::Retry) << qint64(9'999);
        QTest::newRow("attempts used wins over Retry-After")
            << dl << rate << true << qint64(1000) << 5 << qint64(0) << qint64(100) << false
            << int(Kind::AttemptsUsed) << qint64(-1);
        // What tst_host_aware used to wait for on the wall clock: a server's
        // Retry-After of 1 or 2 s with a backoff of tens of milliseconds.
        QTest::newRow("429 Retry-After 1 s, not before: 1 s")
            << dl << rate << true << qint64(1000) << 1 << qint64(0) << qint64(15) << false
            << int(Kind::Retry) << qint64(1000);
        QTest::newRow("503 Retry-After 1 s, not before: 1 s")
            << dl << server << true << qint64(1000) << 1 << qint64(0) << qint64(15) << false
            << int(Kind::Retry) << qint64(1000);
        QTest::newRow("503 Retry-After 2 s, max delay 500 ms: 2 s")
            << dl << server << true << qint64(2000) << 1 << qint64(0) << qint64(120) << false
            << int(Kind::Retry) << qint64(2000);
        QTest::newRow("opt-in max_delay: Retry-After 1 s capped at 500 ms")
            << md << rate << true << qint64(1000) << 1 << qint64(0) << qint64(15) << false
            << int(Kind::Retry) << qint64(500);
        QTest::newRow("opt-in max_delay caps Retry-After")
            << md << server << true << qint64(3000) << 1 << qint64(0) << qint64(120) << false
            << int(Kind::Retry) << qint64(500);
        QTest::newRow("opt-in max_delay: long Retry-After still retries")
            << md << rate << true << qint64(3'600'000) << 1 << qint64(0) << qint64(120) << false
            << int(Kind::Retry) << qint64(500);
        QTest::newRow("opt-in max_delay: backoff above the capped delay")
            << md << rate << true << qint64(3000) << 3 << qint64(0) << qint64(450) << false
            << int(Kind::Retry) << qint64(500);
    }
    void decide()
    {
        QFETCH(int, limit);
        QFETCH(int, category);
        QFETCH(bool, transient);
        QFETCH(qint64, retryAfterMs);
        QFETCH(int, attemptsMade);
        QFETCH(qint64, elapsedMs);
        QFETCH(qint64, backoffMs);
        QFETCH(bool, cancelled);
        QFETCH(int, kind);
        QFETCH(qint64, delayMs);

        retry::Facts facts;
        facts.attemptsMade = attemptsMade;
        facts.elapsed = Millis(elapsedMs);
        facts.backoff = Millis(backoffMs);
        facts.cancelled = cancelled;
        facts.now = QDateTime(QDate(2026, 12, 1), QTime(12, 0), Qt::UTC);
        const retry::Decision d = retry::decide(
            policy(RetryAfterLimit(limit)),
            failure(ErrorCategory(category), transient, retryAfterMs), facts);
        QCOMPARE(int(d.kind), kind);
        QCOMPARE(qint64(d.delay.count()), delayMs);
        QCOMPARE(d.retry(), kind == int(Kind::Retry));
        const bool givesUpOnTransient = transient && !cancelled && kind != int(Kind::Retry);
        QCOMPARE(!d.gaveUp.isEmpty(), givesUpOnTransient);
    }

    // Giving up because of Retry-After says when the server said to come back.
    void givingUpSaysWhenToComeBack()
    {
        retry::Facts facts;
        facts.attemptsMade = 1;
        facts.backoff = Millis(100);
        facts.now = QDateTime(QDate(2026, 12, 1), QTime(12, 0), Qt::UTC);
        const retry::Decision d = retry::decide(
            policy(RetryAfterLimit::Deadline),
            failure(ErrorCategory::RateLimited, true, 2 * 3'600'000), facts);
        QCOMPARE(d.kind, Kind::RetryAfterPastDeadline);
        QVERIFY2(d.gaveUp.contains(QStringLiteral("2026-12-01 14:00:00 UTC")),
                 qPrintable(d.gaveUp));
        QVERIFY2(d.gaveUp.contains(QStringLiteral("deadline")), qPrintable(d.gaveUp));
    }
};

QTEST_GUILESS_MAIN(TestRetryDecision)
#include "tst_retrydecision.moc"
