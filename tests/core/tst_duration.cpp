#include "util/Duration.h"

#include <QtTest>

using namespace repodeck::core;

class TestDuration : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms"); // -1 = rejected
        QTest::newRow("ms") << "250ms" << qint64(250);
        QTest::newRow("s") << "5s" << qint64(5000);
        QTest::newRow("m") << "2m" << qint64(120000);
        QTest::newRow("h") << "1h" << qint64(3600000);
        QTest::newRow("sum") << "1m30s" << qint64(90000);
        QTest::newRow("spaces trimmed") << " 10s " << qint64(10000);
        QTest::newRow("upper case") << "3S" << qint64(3000);
        QTest::newRow("zero") << "0s" << qint64(0);
        QTest::newRow("bare number") << "5" << qint64(-1);
        QTest::newRow("empty") << "" << qint64(-1);
        QTest::newRow("unknown unit") << "5d" << qint64(-1);
        QTest::newRow("negative") << "-5s" << qint64(-1);
        QTest::newRow("fraction") << "1.5s" << qint64(-1);
        QTest::newRow("trailing junk") << "5sx" << qint64(-1);
        QTest::newRow("absurd") << "99999999999h" << qint64(-1);
        // Found by fuzz_workspace: each part small enough, the sum formatted
        // as "56564830205s", which did not parse again.
        QTest::newRow("sum over the limit") << "000000942747170m5s" << qint64(-1);
        QTest::newRow("many parts overflow") << QString("999999999h").repeated(3000) << qint64(-1);
        QTest::newRow("largest") << "1000000000000ms" << qint64(1'000'000'000'000LL);
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        const auto parsed = parseDuration(text);
        if (ms < 0) {
            QVERIFY2(!parsed, qPrintable(text));
        } else {
            QVERIFY2(parsed.has_value(), qPrintable(text));
            QCOMPARE(parsed->count(), ms);
        }
    }

    void formatRoundTrips_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("text");
        QTest::newRow("ms") << qint64(1500) << "1500ms";
        QTest::newRow("s") << qint64(90000) << "90s";
        QTest::newRow("m") << qint64(120000) << "2m";
        QTest::newRow("h") << qint64(7200000) << "2h";
        QTest::newRow("zero") << qint64(0) << "0ms";
    }
    void formatRoundTrips()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, text);
        QCOMPARE(formatDuration(Millis(ms)), text);
        QCOMPARE(parseDuration(text)->count(), ms);
    }

    void human()
    {
        QCOMPARE(humanDuration(Millis(120)), QString("120 ms"));
        QCOMPARE(humanDuration(Millis(1500)), QString("1.5 s"));
        QCOMPARE(humanDuration(Millis(125000)), QString("2 min 5 s"));
    }
};

QTEST_GUILESS_MAIN(TestDuration)
#include "tst_duration.moc"
