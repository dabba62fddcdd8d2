// core/state: RepoStateStore round trip, atomic save, unreadable files.
#include "state/RepoStateStore.h"

#include <QtTest>

using namespace repodeck::core;

class TestStateStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    static RepoState sample()
    {
        RepoState s;
        s.lastSuccess = QDateTime(QDate(2026, 11, 26), QTime(8, 30, 0, 125), Qt::UTC);
        s.lastAttempt = QDateTime(QDate(2026, 11, 27), QTime(9, 0, 0), Qt::UTC);
        s.lastOutcome = Outcome::Failed;
        s.error.category = ErrorCategory::Timeout;
        s.error.transient = true;
        s.error.message = QStringLiteral("No data for 60 s.");
        s.error.hint = QStringLiteral("Gave up after 5 attempt(s).");
        s.error.httpStatus = 503;
        s.attempts = 5;
        s.consecutiveFailures = 2;
        AttemptRecord r;
        r.attempt = 1;
        r.maxAttempts = 5;
        r.started = s.lastAttempt;
        r.duration = Millis(60'000);
        r.bytes = 77;
        r.error = s.error;
        r.retryIn = Millis(2000);
        s.timeline << r;
        r.attempt = 2;
        r.retryIn = Millis(-1);
        s.timeline << r;
        return s;
    }

private slots:
    void pathIsNextToTheWorkspace()
    {
        QCOMPARE(RepoStateStore::pathFor(QStringLiteral("/home/u/.config/repodeck/workspace.json")),
                 QStringLiteral("/home/u/.config/repodeck/workspace.json.state.json"));
    }

    void missingFileIsEmpty()
    {
        auto loaded = RepoStateStore::load(m_dir.filePath("none.json"));
        QVERIFY(loaded.ok());
        QVERIFY(loaded.value().isEmpty());
    }

    void roundTrip()
    {
        RepoStateStore store;
        store.setState(QStringLiteral("alpha"), sample());
        RepoState ok;
        ok.lastOutcome = Outcome::FetchedOnly;
        ok.reason = QStringLiteral("dirty");
        ok.detail = QStringLiteral("Local changes in 1 file(s) were kept.");
        store.setState(QStringLiteral("team/beta"), ok);
        const QString path = m_dir.filePath("sub/ws.json.state.json");
        QCOMPARE(store.save(path), QString());
        auto loaded = RepoStateStore::load(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error()));
        QVERIFY(loaded.value() == store);
        QVERIFY(loaded.value().state(QStringLiteral("alpha")) == sample());
        QCOMPARE(loaded.value().state(QStringLiteral("alpha")).timeline.at(1).retryIn, Millis(-1));
    }

    void retainOnly()
    {
        RepoStateStore store;
        store.setState(QStringLiteral("a"), sample());
        store.setState(QStringLiteral("b"), sample());
        store.retainOnly({QStringLiteral("b"), QStringLiteral("c")});
        QCOMPARE(store.names(), QStringList{QStringLiteral("b")});
    }

    // The state file is input like any other: a text field or a timeline of
    // any size loads cut to what RepoDeck itself would have written.
    void oversizedFieldsAreCut()
    {
        RepoStateStore store;
        RepoState big = sample();
        big.detail = QString(1'000'000, QLatin1Char('d'));
        big.reason = QString(10'000, QLatin1Char('r'));
        big.error.message = QString(1'000'000, QLatin1Char('m'));
        const AttemptRecord r = big.timeline.first();
        for (int i = 0; i < 5000; ++i)
            big.timeline << r;
        store.setState(QStringLiteral("big"), big);
        const QString path = m_dir.filePath("big.json.state.json");
        QCOMPARE(store.save(path), QString());
        auto loaded = RepoStateStore::load(path);
        QVERIFY(loaded.ok());
        const RepoState s = loaded.value().state(QStringLiteral("big"));
        QVERIFY2(s.detail.size() <= 16 * 1024, qPrintable(QString::number(s.detail.size())));
        QVERIFY(s.reason.size() <= 256);
        QVERIFY(s.error.message.size() <= 16 * 1024);
        QCOMPARE(s.timeline.size(), 1000);
        QVERIFY(s.timeline.last().error.message.size() <= 16 * 1024);
    }

    void unreadableFileIsAnError()
    {
        const QString path = m_dir.filePath("broken.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{ not json");
        f.close();
        auto loaded = RepoStateStore::load(path);
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.error().contains(QStringLiteral("not valid JSON")));
        QVERIFY(!RepoStateStore::fromJson("{\"schema\": 99}").ok());
    }

    // Found by a fresh reviewer: a 248 MB state file was parsed whole
    // (1.7 GB). Valid JSON, only too large: refused, named, left alone.
    void oversizedFileIsRefused()
    {
        const QString path = m_dir.filePath("huge.state.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"schema\": 1, \"repositories\": {}, \"pad\": \"");
        const QByteArray chunk(1 << 20, 'x');
        for (int i = 0; i < 65; ++i)
            f.write(chunk);
        f.write("\"}");
        f.close();
        const qint64 size = QFileInfo(path).size();
        auto loaded = RepoStateStore::load(path);
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().contains("64 MiB") && loaded.error().contains(path),
                 qPrintable(loaded.error()));
        QCOMPARE(QFileInfo(path).size(), size);
    }
};

QTEST_GUILESS_MAIN(TestStateStore)
#include "tst_statestore.moc"
