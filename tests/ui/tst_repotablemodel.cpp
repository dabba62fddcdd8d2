// RepoTableModel: structure (QAbstractItemModelTester), texts and sort values
// per state, and the coalescing of status updates into few dataChanged.
#include "model/RepoTableModel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;

namespace {

core::RepoSpec spec(const QString &name)
{
    core::RepoSpec s;
    s.name = name;
    s.url = QStringLiteral("https://token:secret@example.test/%1.git").arg(name);
    s.path = QStringLiteral("/tmp/repos/") + name;
    return s;
}

QList<core::RepoSpec> specs(int n)
{
    QList<core::RepoSpec> out;
    for (int i = 0; i < n; ++i)
        out << spec(QStringLiteral("repo%1").arg(i, 4, 10, QLatin1Char('0')));
    return out;
}

RepoStatus running(int attempt, quint64 received, quint64 total)
{
    RepoStatus s;
    s.activity = core::Activity::Running;
    s.attempt = attempt;
    s.maxAttempts = 5;
    s.progress.phase = core::Phase::Receiving;
    s.progress.receivedObjects = received;
    s.progress.totalObjects = total;
    s.progress.receivedBytes = received * 1024;
    return s;
}

} // namespace

class TestRepoTableModel : public QObject
{
    Q_OBJECT

private:
    RepoTableModel *m_model = nullptr;
    QDateTime m_now = QDateTime(QDate(2026, 11, 27), QTime(12, 0, 0), Qt::UTC);

    QString cell(const QString &name, int column) const
    {
        return m_model->index(m_model->rowOf(name), column).data().toString();
    }

private slots:
    void init()
    {
        m_model = new RepoTableModel(this);
        m_model->setClock([this] { return m_now; });
        new QAbstractItemModelTester(m_model,
                                     QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     m_model);
    }

    void cleanup()
    {
        delete m_model;
        m_model = nullptr;
    }

    void rowsFollowTheWorkspace()
    {
        m_model->setRepositories(specs(5));
        QCOMPARE(m_model->rowCount(), 5);
        QCOMPARE(m_model->columnCount(), int(RepoTableModel::ColumnCount));

        RepoStatus failed;
        failed.last.lastOutcome = core::Outcome::Failed;
        failed.last.error.category = core::ErrorCategory::NotFound;
        m_model->setStatus(QStringLiteral("repo0003"), failed);

        // Remove two non-adjacent rows, change one, add one: status of the rest stays.
        QList<core::RepoSpec> next = specs(5);
        next.removeAt(4);
        next.removeAt(1);
        next[0].policy = QStringLiteral("fast");
        next << spec(QStringLiteral("zeta"));
        QSignalSpy removed(m_model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(m_model, &QAbstractItemModel::rowsInserted);
        m_model->setRepositories(next);
        QCOMPARE(removed.count(), 2);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(m_model->rowCount(), 4);
        QCOMPARE(m_model->rowOf(QStringLiteral("repo0001")), -1);
        QCOMPARE(m_model->nameAt(3), QStringLiteral("zeta"));
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::Policy), QStringLiteral("fast"));
        QCOMPARE(cell(QStringLiteral("repo0003"), RepoTableModel::State),
                 QStringLiteral("failed: not found"));

        m_model->setRepositories({});
        QCOMPARE(m_model->rowCount(), 0);
    }

    void urlIsRedacted()
    {
        m_model->setRepositories(specs(1));
        const QString url = cell(QStringLiteral("repo0000"), RepoTableModel::Url);
        QCOMPARE(url, QStringLiteral("https://example.test/repo0000.git"));
        QVERIFY(!m_model->index(0, 0)
                     .data(RepoTableModel::SearchTextRole)
                     .toString()
                     .contains("secret"));
    }

    void stateTexts_data()
    {
        QTest::addColumn<RepoStatus>("status");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("progress"); // -2: no progress bar

        QTest::newRow("idle") << RepoStatus() << "idle" << -2;
        RepoStatus queued;
        queued.activity = core::Activity::Queued;
        QTest::newRow("queued") << queued << "queued" << -2;
        QTest::newRow("running") << running(2, 50, 200) << "attempt 2 of 5 · receiving" << 25;
        RepoStatus connecting = running(1, 0, 0);
        connecting.progress.phase = core::Phase::Connecting;
        QTest::newRow("connecting") << connecting << "attempt 1 of 5 · connecting" << -1;
        RepoStatus waiting;
        waiting.activity = core::Activity::Waiting;
        waiting.retryAt = m_now.addMSecs(12'300);
        waiting.lastAttemptError.category = core::ErrorCategory::Network;
        QTest::newRow("waiting") << waiting << "waiting for retry in 13 s (network)" << -2;
        RepoStatus held;
        held.activity = core::Activity::Held;
        held.heldReason = QStringLiteral("offline: waiting for the network");
        QTest::newRow("held") << held << "held: offline: waiting for the network" << -2;
        RepoStatus upToDate;
        upToDate.last.lastOutcome = core::Outcome::UpToDate;
        QTest::newRow("up to date") << upToDate << "up to date" << -2;
        RepoStatus updated;
        updated.last.lastOutcome = core::Outcome::Updated;
        QTest::newRow("updated") << updated << "updated" << -2;
        RepoStatus dirty;
        dirty.last.lastOutcome = core::Outcome::FetchedOnly;
        dirty.last.reason = QStringLiteral("dirty");
        QTest::newRow("local changes") << dirty << "local changes kept" << -2;
        RepoStatus diverged = dirty;
        diverged.last.reason = QStringLiteral("diverged");
        QTest::newRow("diverged") << diverged << "fetched only (diverged)" << -2;
        RepoStatus failed;
        failed.last.lastOutcome = core::Outcome::Failed;
        failed.last.error.category = core::ErrorCategory::Auth;
        QTest::newRow("failed") << failed << "failed: authentication" << -2;
    }

    void stateTexts()
    {
        QFETCH(RepoStatus, status);
        QFETCH(QString, text);
        QFETCH(int, progress);
        m_model->setRepositories(specs(1));
        m_model->setStatus(QStringLiteral("repo0000"), status);
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::State), text);
        const QVariant p = m_model->index(0, RepoTableModel::Progress)
                               .data(RepoTableModel::ProgressRole);
        if (progress == -2)
            QVERIFY(!p.isValid());
        else
            QCOMPARE(p.toInt(), progress);
    }

    void progressText()
    {
        m_model->setRepositories(specs(1));
        RepoStatus s = running(1, 1234, 5000);
        s.bytesPerSecond = 1.5 * 1024 * 1024;
        m_model->setStatus(QStringLiteral("repo0000"), s);
        const QString text = cell(QStringLiteral("repo0000"), RepoTableModel::Progress);
        QVERIFY2(text.contains(QStringLiteral("/ 5,000 objects"))
                     || text.contains(QStringLiteral("/ 5000 objects")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1.2 MiB")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1.5 MiB/s")), qPrintable(text));
    }

    void timesAndNextSync()
    {
        m_model->setRepositories(specs(1));
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::LastSuccess),
                 QStringLiteral("never"));
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::NextSync), QStringLiteral("—"));
        RepoStatus s;
        s.last.lastSuccess = m_now.addSecs(-60);
        m_model->setStatus(QStringLiteral("repo0000"), s);
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::LastSuccess),
                 m_now.addSecs(-60).toLocalTime().toString(QStringLiteral("HH:mm:ss")));
        QCOMPARE(m_model->index(0, RepoTableModel::LastSuccess)
                     .data(RepoTableModel::SortRole)
                     .toLongLong(),
                 m_now.addSecs(-60).toMSecsSinceEpoch());
        m_model->setNextSync(QStringLiteral("repo0000"), m_now.addSecs(600));
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::NextSync),
                 m_now.addSecs(600).toLocalTime().toString(QStringLiteral("HH:mm:ss")));
        m_model->setNextSync(QStringLiteral("repo0000"), {});
        QCOMPARE(cell(QStringLiteral("repo0000"), RepoTableModel::NextSync), QStringLiteral("—"));
    }

    void staleAgainstThePolicysFreshnessTarget()
    {
        QList<core::RepoSpec> list = specs(2);
        list[1].policy = QStringLiteral("fresh");
        m_model->setRepositories(list);
        core::RetryPolicy fresh;
        fresh.name = QStringLiteral("fresh");
        fresh.staleAfter = core::Millis(3'600'000);
        m_model->setPolicies(
            {{QStringLiteral("default"), core::RetryPolicy::defaults()}, {fresh.name, fresh}});
        RepoStatus old;
        old.last.lastOutcome = core::Outcome::UpToDate;
        old.last.lastSuccess = m_now.addSecs(-2 * 3600);
        m_model->setStatus(QStringLiteral("repo0000"), old); // default policy: no target
        m_model->setStatus(QStringLiteral("repo0001"), old);
        QVERIFY(!m_model->index(0, 0).data(RepoTableModel::StaleRole).toBool());
        QVERIFY(m_model->index(1, 0).data(RepoTableModel::StaleRole).toBool());
        QVERIFY(m_model->index(1, 0).data(RepoTableModel::AttentionRole).toBool());
        QVERIFY(m_model->index(1, RepoTableModel::LastSuccess).data(Qt::ForegroundRole).isValid());
        QVERIFY(m_model->index(1, RepoTableModel::LastSuccess)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("Stale")));
        old.last.lastSuccess = m_now.addSecs(-60);
        m_model->setStatus(QStringLiteral("repo0001"), old);
        QVERIFY(!m_model->index(1, 0).data(RepoTableModel::StaleRole).toBool());
    }

    void sortValuesRankStates()
    {
        m_model->setRepositories(specs(3));
        RepoStatus failed;
        failed.last.lastOutcome = core::Outcome::Failed;
        RepoStatus ok;
        ok.last.lastOutcome = core::Outcome::UpToDate;
        m_model->setStatus(QStringLiteral("repo0000"), ok);
        m_model->setStatus(QStringLiteral("repo0001"), running(1, 1, 2));
        m_model->setStatus(QStringLiteral("repo0002"), failed);
        auto rank = [this](int row) {
            return m_model->index(row, RepoTableModel::State).data(RepoTableModel::SortRole).toInt();
        };
        QVERIFY(rank(2) < rank(1)); // failed sorts before running
        QVERIFY(rank(1) < rank(0)); // running before up to date
    }

    void manyProgressUpdatesCoalesce()
    {
        m_model->setRepositories(specs(100));
        m_model->flushPendingUpdates();
        QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
        // 3 repositories, 200 progress snapshots each, within one interval.
        for (int i = 1; i <= 200; ++i) {
            for (int r : {3, 40, 77})
                m_model->setStatus(m_model->nameAt(r), running(1, quint64(i), 200));
        }
        QCOMPARE(changed.count(), 0); // nothing before the timer fires
        QVERIFY(changed.wait(2000));
        QCOMPARE(changed.count(), 3); // one per changed row
        QList<int> rows;
        for (const QList<QVariant> &args : changed) {
            const QModelIndex tl = args.at(0).value<QModelIndex>();
            const QModelIndex br = args.at(1).value<QModelIndex>();
            QCOMPARE(tl.row(), br.row());
            QCOMPARE(tl.column(), 0);
            QCOMPARE(br.column(), RepoTableModel::ColumnCount - 1);
            rows << tl.row();
        }
        QCOMPARE(rows, (QList<int>{3, 40, 77}));
        QCOMPARE(
            m_model->index(40, RepoTableModel::Progress).data(RepoTableModel::ProgressRole).toInt(),
            100);
    }

    void overHalfChangedIsOneRange()
    {
        m_model->setRepositories(specs(10));
        m_model->flushPendingUpdates();
        QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
        for (int r = 0; r < 6; ++r)
            m_model->setStatus(m_model->nameAt(r), running(1, 1, 10));
        m_model->flushPendingUpdates();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m_model->index(0, 0));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(),
                 m_model->index(9, RepoTableModel::ColumnCount - 1));
    }

    void totalsFollowFlushes()
    {
        m_model->setRepositories(specs(4));
        QSignalSpy totals(m_model, &RepoTableModel::totalsChanged);
        RepoStatus r = running(1, 1, 10);
        r.bytesPerSecond = 1000;
        m_model->setStatus(QStringLiteral("repo0000"), r);
        m_model->setStatus(QStringLiteral("repo0001"), r);
        RepoStatus waiting;
        waiting.activity = core::Activity::Waiting;
        waiting.retryAt = m_now.addSecs(5);
        m_model->setStatus(QStringLiteral("repo0002"), waiting);
        RepoStatus failed;
        failed.last.lastOutcome = core::Outcome::Failed;
        m_model->setStatus(QStringLiteral("repo0003"), failed);
        m_model->flushPendingUpdates();
        QCOMPARE(totals.count(), 1);
        const SyncTotals t = m_model->totals();
        QCOMPARE(t.running, 2);
        QCOMPARE(t.waiting, 1);
        QCOMPARE(t.failed, 1);
        QCOMPARE(t.bytesPerSecond, 2000.0);
    }

    void countdownTicksWithoutNewStatus()
    {
        m_model->setRepositories(specs(2));
        RepoStatus waiting;
        waiting.activity = core::Activity::Waiting;
        waiting.retryAt = m_now.addSecs(30);
        m_model->setStatus(QStringLiteral("repo0001"), waiting);
        m_model->flushPendingUpdates();
        QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
        // The 1 s tick repaints waiting rows on its own.
        QVERIFY(changed.wait(3000));
        QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 1);
    }

    void stopUpdatesSilencesTheModel()
    {
        m_model->setRepositories(specs(2));
        m_model->flushPendingUpdates();
        QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
        m_model->stopUpdates();
        m_model->setStatus(QStringLiteral("repo0000"), running(1, 1, 2));
        m_model->flushPendingUpdates();
        QCOMPARE(changed.count(), 0);
    }
};

QTEST_MAIN(TestRepoTableModel)
#include "tst_repotablemodel.moc"
