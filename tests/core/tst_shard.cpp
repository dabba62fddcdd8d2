// Sharding a CLI run's repositories (--shard I/N): a name's shard depends on
// the name alone, so machines that never talk split a workspace alike, now
// and after an upgrade. tst_operations runs the shards of a workspace.
#include "workspace/Shard.h"

#include <QtTest>

using namespace repodeck::core;

class TestShard : public QObject
{
    Q_OBJECT

private slots:
    // Pinned values: changing them would move repositories between shards
    // of machines that upgrade at different times.
    void shardOf_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("shard");
        QTest::newRow("repo-0 of 3") << "repo-0" << 3 << 2;
        QTest::newRow("repo-1 of 3") << "repo-1" << 3 << 0;
        QTest::newRow("repo-2 of 3") << "repo-2" << 3 << 1;
        QTest::newRow("repo-1 of 64") << "repo-1" << 64 << 51;
        QTest::newRow("linux of 5") << "linux" << 5 << 0;
        QTest::newRow("UTF-8, not UTF-16") << QString::fromUtf8("żółw") << 64 << 6;
        QTest::newRow("empty name") << "" << 5 << 2;
        QTest::newRow("one shard") << "repo-1" << 1 << 0;
        QTest::newRow("no shards counts as one") << "repo-1" << 0 << 0;
        QTest::newRow("negative counts as one") << "repo-1" << -3 << 0;
    }
    void shardOf()
    {
        QFETCH(QString, name);
        QFETCH(int, count);
        QFETCH(int, shard);
        QCOMPARE(repodeck::core::shardOf(name, count), shard);
    }

    void everyNameInExactlyOneShard()
    {
        for (int n = 1; n <= 7; ++n) {
            QList<int> sizes(n, 0);
            for (int i = 0; i < 700; ++i) {
                const int s = repodeck::core::shardOf(QStringLiteral("repo-%1").arg(i), n);
                QVERIFY(s >= 0 && s < n);
                ++sizes[s];
            }
            for (int size : std::as_const(sizes))
                QVERIFY2(size > 700 / n / 2, "no shard is left nearly empty");
        }
    }

    void parseShard_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("count");
        QTest::newRow("2/5") << "2/5" << true << 1 << 5;
        QTest::newRow("1/1") << "1/1" << true << 0 << 1;
        QTest::newRow("5/5") << "5/5" << true << 4 << 5;
        QTest::newRow("0/5: 1-based") << "0/5" << false << -1 << -1;
        QTest::newRow("6/5") << "6/5" << false << -1 << -1;
        QTest::newRow("1/0") << "1/0" << false << -1 << -1;
        QTest::newRow("no slash") << "2" << false << -1 << -1;
        QTest::newRow("words") << "x" << false << -1 << -1;
        QTest::newRow("three parts") << "1/2/3" << false << -1 << -1;
        QTest::newRow("empty") << "" << false << -1 << -1;
    }
    void parseShard()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(int, index);
        QFETCH(int, count);
        int i = -1;
        int n = -1;
        QString error;
        QCOMPARE(repodeck::core::parseShard(text, &i, &n, &error), ok);
        QCOMPARE(i, index);
        QCOMPARE(n, count);
        QCOMPARE(error.isEmpty(), ok);
        if (!ok)
            QVERIFY2(error.contains(QStringLiteral("--shard 2/5")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestShard)
#include "tst_shard.moc"
