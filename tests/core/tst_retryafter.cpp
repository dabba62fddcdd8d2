// Retry-After (RFC 9110 10.2.3) as the HTTP transport reads it: delay
// seconds or an HTTP-date in any of its three forms, against a fixed "now".
#include "net/http/RetryAfter.h"

#include <QTimeZone>
#include <QtTest>

using repodeck::core::http::parseRetryAfter;

class TestRetryAfter : public QObject
{
    Q_OBJECT

private slots:
    void parsing_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<qint64>("expectedMs");
        QTest::newRow("seconds") << QByteArray("120") << qint64(120'000);
        QTest::newRow("zero") << QByteArray("0") << qint64(0);
        QTest::newRow("spaces") << QByteArray(" 7 ") << qint64(7000);
        QTest::newRow("tab and CR") << QByteArray("\t30\r") << qint64(30'000);
        QTest::newRow("nine digits") << QByteArray("999999999") << qint64(999'999'999'000);
        QTest::newRow("IMF-fixdate")
            << QByteArray("Wed, 01 Jan 2025 00:01:30 GMT") << qint64(90'000);
        QTest::newRow("IMF-fixdate, lower case month")
            << QByteArray("Wed, 01 jan 2025 00:01:30 GMT") << qint64(90'000);
        QTest::newRow("RFC 850") << QByteArray("Wednesday, 01-Jan-25 00:00:10 GMT")
                                 << qint64(10'000);
        QTest::newRow("RFC 850, year 70 is 1970")
            << QByteArray("Thursday, 01-Jan-70 00:00:10 GMT") << qint64(0);
        QTest::newRow("asctime") << QByteArray("Wed Jan  1 00:00:05 2025") << qint64(5000);
        QTest::newRow("date in the past")
            << QByteArray("Tue, 31 Dec 2024 23:59:00 GMT") << qint64(0);
        QTest::newRow("now") << QByteArray("Wed, 01 Jan 2025 00:00:00 GMT") << qint64(0);
        QTest::newRow("negative") << QByteArray("-5") << qint64(-1);
        QTest::newRow("plus sign") << QByteArray("+5") << qint64(-1);
        QTest::newRow("fraction") << QByteArray("1.5") << qint64(-1);
        QTest::newRow("garbage") << QByteArray("soon") << qint64(-1);
        QTest::newRow("empty") << QByteArray("") << qint64(-1);
        QTest::newRow("only spaces") << QByteArray("   ") << qint64(-1);
        QTest::newRow("ten digits") << QByteArray("1000000000") << qint64(-1);
        QTest::newRow("absurd") << QByteArray("99999999999") << qint64(-1);
        QTest::newRow("not GMT") << QByteArray("Wed, 01 Jan 2025 00:01:30 UTC") << qint64(-1);
        QTest::newRow("unknown month") << QByteArray("Wed, 01 Foo 2025 00:01:30 GMT") << qint64(-1);
        QTest::newRow("day 32") << QByteArray("Wed, 32 Jan 2025 00:01:30 GMT") << qint64(-1);
        QTest::newRow("hour 24") << QByteArray("Wed, 01 Jan 2025 24:00:00 GMT") << qint64(-1);
        QTest::newRow("clock without seconds")
            << QByteArray("Wed, 01 Jan 2025 00:01 GMT") << qint64(-1);
    }
    void parsing()
    {
        QFETCH(QByteArray, value);
        QFETCH(qint64, expectedMs);
        const QDateTime now(QDate(2025, 1, 1), QTime(0, 0), QTimeZone::utc());
        QCOMPARE(qint64(parseRetryAfter(value, now).count()), expectedMs);
    }

    // The delay counts from the `now` given, not from the clock.
    void delayIsFromTheGivenNow()
    {
        const QByteArray date("Wed, 01 Jan 2025 00:01:30 GMT");
        const QDateTime now(QDate(2025, 1, 1), QTime(0, 1, 0), QTimeZone::utc());
        QCOMPARE(qint64(parseRetryAfter(date, now).count()), qint64(30'000));
        QCOMPARE(qint64(parseRetryAfter(date, now.addSecs(60)).count()), qint64(0));
        QCOMPARE(qint64(parseRetryAfter("30", now.addYears(5)).count()), qint64(30'000));
    }
};

QTEST_GUILESS_MAIN(TestRetryAfter)
#include "tst_retryafter.moc"
