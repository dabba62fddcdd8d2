// TimelineModel (QAbstractItemModelTester, live row) and the text/JSON
// export of a run.
#include "model/TimelineExport.h"
#include "model/TimelineModel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;

namespace {

QList<core::AttemptRecord> twoFailuresThenSuccess()
{
    const QDateTime t0(QDate(2026, 11, 27), QTime(9, 0, 0), Qt::UTC);
    core::AttemptRecord a;
    a.attempt = 1;
    a.maxAttempts = 4;
    a.started = t0;
    a.duration = core::Millis(1200);
    a.bytes = 2048;
    a.error.category = core::ErrorCategory::Network;
    a.error.transient = true;
    a.error.message = QStringLiteral("The connection to 127.0.0.1 was reset.");
    a.retryIn = core::Millis(1500);
    core::AttemptRecord b = a;
    b.attempt = 2;
    b.started = t0.addSecs(3);
    b.retryIn = core::Millis(3100);
    core::AttemptRecord c;
    c.attempt = 3;
    c.maxAttempts = 4;
    c.started = t0.addSecs(8);
    c.duration = core::Millis(4000);
    c.bytes = 5 * 1024 * 1024;
    c.ok = true;
    return {a, b, c};
}

} // namespace

class TestTimelineModel : public QObject
{
    Q_OBJECT

private slots:
    void recordsAndLiveRow()
    {
        TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime now(QDate(2026, 11, 27), QTime(9, 0, 20), Qt::UTC);
        model.setClock([now] { return now; });
        model.setRecords(twoFailuresThenSuccess().mid(0, 2));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, TimelineModel::Attempt).data().toString(),
                 QStringLiteral("1 of 4"));
        QCOMPARE(model.index(0, TimelineModel::Duration).data().toString(),
                 QStringLiteral("1.2 s"));
        QCOMPARE(model.index(0, TimelineModel::Result).data().toString(),
                 QStringLiteral("network (transient)"));
        QCOMPARE(model.index(1, TimelineModel::NextDelay).data().toString(),
                 QStringLiteral("3.1 s"));

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setLive(TimelineModel::LiveAttempt{3, 4, now.addSecs(-5), 4096});
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(2, TimelineModel::Result).data().toString(),
                 QStringLiteral("running…"));
        QCOMPARE(model.index(2, TimelineModel::Duration).data().toString(),
                 QStringLiteral("5.0 s"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setLive(TimelineModel::LiveAttempt{3, 4, now.addSecs(-5), 8192});
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.index(2, TimelineModel::Bytes).data().toString(), QStringLiteral("8.0 KiB"));

        model.setRecords(twoFailuresThenSuccess());
        QCOMPARE(model.rowCount(), 3); // the live row went with the reset
        QCOMPARE(model.index(2, TimelineModel::Result).data().toString(), QStringLiteral("ok"));
        QCOMPARE(model.index(2, TimelineModel::NextDelay).data().toString(), QStringLiteral("—"));
        model.setLive(std::nullopt);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void exportText()
    {
        core::RepoState s;
        s.lastOutcome = core::Outcome::Cloned;
        s.timeline = twoFailuresThenSuccess();
        const QString text = timelineExport::text(QStringLiteral("alpha"),
                                                  QStringLiteral("https://example.test/a.git"), s);
        QVERIFY(text.contains(QStringLiteral("Repository: alpha")));
        QVERIFY(text.contains(QStringLiteral("Result: cloned")));
        QVERIFY(text.contains(QStringLiteral("Attempt 1 of 4")));
        QVERIFY(text.contains(QStringLiteral("network: The connection to 127.0.0.1 was reset.")));
        QVERIFY(text.contains(QStringLiteral("next attempt after 1.5 s")));
        QCOMPARE(text.count(QStringLiteral("Attempt ")), 3);
    }

    void exportTextExplainsFailures()
    {
        core::RepoState s;
        s.lastOutcome = core::Outcome::Failed;
        s.error.category = core::ErrorCategory::Auth;
        s.error.message = QStringLiteral("The server rejected the credentials.");
        s.error.hint = QStringLiteral("Sign in again.");
        const QString text = timelineExport::text(QStringLiteral("alpha"), QStringLiteral("u"), s);
        QVERIFY(
            text.contains(QStringLiteral("What happened: The server rejected the credentials.")));
        QVERIFY(text.contains(QStringLiteral("What to do: Sign in again.")));
    }

    void exportJsonRoundTrips()
    {
        core::RepoState s;
        s.lastOutcome = core::Outcome::Cloned;
        s.attempts = 3;
        s.timeline = twoFailuresThenSuccess();
        const QByteArray json = timelineExport::json(QStringLiteral("alpha"),
                                                     QStringLiteral("https://example.test/a.git"),
                                                     s);
        const QJsonObject o = QJsonDocument::fromJson(json).object();
        QCOMPARE(o.value("repo").toString(), QStringLiteral("alpha"));
        QCOMPARE(o.value("outcome").toString(), QStringLiteral("cloned"));
        const QJsonArray attempts = o.value("timeline").toArray();
        QCOMPARE(attempts.size(), 3);
        QCOMPARE(attempts.at(0).toObject().value("retry_in_ms").toInt(), 1500);
        QCOMPARE(attempts.at(0).toObject().value("error").toObject().value("category").toString(),
                 QStringLiteral("network"));
        QVERIFY(core::RepoState::fromJson(o) == s);
    }
};

QTEST_MAIN(TestTimelineModel)
#include "tst_timelinemodel.moc"
