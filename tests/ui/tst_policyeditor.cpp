// PolicyEditor: validation as you type (fields marked, message naming the
// problem), the preview's numbers against core's backoff arithmetic, and the
// policies dialog (OK disabled while invalid, rename/assign applied).
#include "UiTestUtil.h"
#include "dialogs/PoliciesDialog.h"
#include "model/RetrySchedule.h"
#include "retry/Backoff.h"
#include "views/PolicyEditor.h"
#include "views/ScheduleChart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;
using namespace repodeck::test;
using core::Millis;

namespace {

core::RetryPolicy sample(core::Jitter jitter)
{
    core::RetryPolicy p;
    p.name = QStringLiteral("sample");
    p.maxAttempts = 6;
    p.initialDelay = Millis(1000);
    p.multiplier = 2.0;
    p.maxDelay = Millis(8000);
    p.jitter = jitter;
    p.attemptTimeout = Millis(10'000);
    p.deadline = Millis(3'600'000);
    return p;
}

bool invalid(PolicyEditor &e, const char *key)
{
    return e.field(QLatin1String(key))->property("invalid").toBool();
}

} // namespace

Q_DECLARE_METATYPE(core::Jitter)

class TestPolicyEditor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { isolateSettings(QStringLiteral("tst_policyeditor")); }

    void scheduleNumbers_data()
    {
        QTest::addColumn<core::Jitter>("jitter");
        QTest::addColumn<QList<qint64>>("lows");
        QTest::addColumn<QList<qint64>>("highs");
        QTest::newRow("none") << core::Jitter::None << QList<qint64>{1000, 2000, 4000, 8000, 8000}
                              << QList<qint64>{1000, 2000, 4000, 8000, 8000};
        QTest::newRow("full") << core::Jitter::Full << QList<qint64>{0, 0, 0, 0, 0}
                              << QList<qint64>{1000, 2000, 4000, 8000, 8000};
        QTest::newRow("equal") << core::Jitter::Equal << QList<qint64>{500, 1000, 2000, 4000, 4000}
                               << QList<qint64>{1000, 2000, 4000, 8000, 8000};
        QTest::newRow("decorrelated")
            << core::Jitter::Decorrelated << QList<qint64>{1000, 1000, 1000, 1000, 1000}
            << QList<qint64>{3000, 8000, 8000, 8000, 8000};
    }

    void scheduleNumbers()
    {
        QFETCH(core::Jitter, jitter);
        QFETCH(QList<qint64>, lows);
        QFETCH(QList<qint64>, highs);
        const core::RetryPolicy p = sample(jitter);
        const RetrySchedule s = RetrySchedule::compute(p);
        QCOMPARE(s.steps.size(), 5); // six attempts, five waits
        qint64 sumHigh = 0;
        for (int i = 0; i < s.steps.size(); ++i) {
            QCOMPARE(s.steps.at(i).retry, i + 1);
            QCOMPARE(s.steps.at(i).low.count(), lows.at(i));
            QCOMPARE(s.steps.at(i).high.count(), highs.at(i));
            sumHigh += highs.at(i);
        }
        QCOMPARE(s.worstCase.count(), 6 * 10'000 + sumHigh);
        QCOMPARE(s.worstCase, core::backoff::worstCaseTotal(p));
        QVERIFY(!s.deadlineLimits);
    }

    void deadlineCapsTheWorstCase()
    {
        core::RetryPolicy p = sample(core::Jitter::Full);
        p.deadline = Millis(30'000);
        const RetrySchedule s = RetrySchedule::compute(p);
        QCOMPARE(s.worstCase, Millis(30'000));
        QVERIFY(s.deadlineLimits);
        PolicyEditor editor;
        editor.setPolicy(p);
        QVERIFY(editor.scheduleText().contains(
            QStringLiteral("Worst case before giving up: 30 s (the deadline).")));
    }

    void previewFollowsTyping()
    {
        PolicyEditor editor;
        editor.setPolicy(sample(core::Jitter::None));
        QVERIFY(editor.isValid());
        QCOMPARE(editor.chart()->schedule().steps.size(), 5);
        QCOMPARE(editor.scheduleText(),
                 QStringLiteral("Waits before retries: 1.0 s, 2.0 s, 4.0 s, 8.0 s, 8.0 s. "
                                "Worst case before giving up: 1 min 23 s."));
        QSignalSpy changed(&editor, &PolicyEditor::changed);
        auto *attempts = qobject_cast<QSpinBox *>(editor.field(QStringLiteral("max_attempts")));
        attempts->setValue(3);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(editor.chart()->schedule().steps.size(), 2);
        typeInto(qobject_cast<QLineEdit *>(editor.field(QStringLiteral("initial_delay"))),
                 QStringLiteral("250ms"));
        QCOMPARE(editor.policy().initialDelay, Millis(250));
        QCOMPARE(editor.chart()->schedule().steps.at(0).high, Millis(250));
        QVERIFY(editor.scheduleText().startsWith(
            QStringLiteral("Waits before retries: 250 ms, 500 ms.")));
    }

    void invalidFieldsAreMarkedAndNamed()
    {
        PolicyEditor editor;
        editor.setPolicy(sample(core::Jitter::Full));
        auto *initial = qobject_cast<QLineEdit *>(editor.field(QStringLiteral("initial_delay")));
        typeInto(initial, QStringLiteral("5 parsecs"));
        QVERIFY(!editor.isValid());
        QVERIFY(invalid(editor, "initial_delay"));
        QVERIFY(!invalid(editor, "max_delay"));
        QCOMPARE(editor.problems().size(), 1);
        QVERIFY(
            editor.problems().first().contains(QStringLiteral("initial delay is not a duration")));
        QVERIFY(editor.chart()->schedule().steps.isEmpty());
        QVERIFY(editor.scheduleText().contains(QStringLiteral("Fix the problems")));

        typeInto(initial, QStringLiteral("20s")); // now larger than max delay (8 s)
        QVERIFY(!invalid(editor, "initial_delay"));
        QVERIFY(invalid(editor, "max_delay"));
        QVERIFY(editor.problems().first().contains(
            QStringLiteral("max delay must be at least the initial delay")));

        typeInto(initial, QStringLiteral("1s"));
        auto *attempts = qobject_cast<QSpinBox *>(editor.field(QStringLiteral("max_attempts")));
        attempts->setValue(0);
        QVERIFY(invalid(editor, "max_attempts"));
        QVERIFY(editor.problems().first().contains(
            QStringLiteral("max attempts must be between 1 and 100")));
        auto *multiplier = qobject_cast<QDoubleSpinBox *>(
            editor.field(QStringLiteral("multiplier")));
        multiplier->setValue(0.5);
        QVERIFY(invalid(editor, "multiplier"));
        QCOMPARE(editor.problems().size(), 2);
        attempts->setValue(4);
        multiplier->setValue(1.5);
        QVERIFY(editor.isValid());
        QVERIFY(!invalid(editor, "multiplier"));

        auto *name = qobject_cast<QLineEdit *>(editor.field(QStringLiteral("name")));
        typeInto(name, QString());
        QVERIFY(invalid(editor, "name"));
        QVERIFY(editor.problems().first().contains(QStringLiteral("needs a name")));
    }

    void scheduleAndFreshnessKnobs()
    {
        PolicyEditor editor;
        core::RetryPolicy p = sample(core::Jitter::Full);
        p.interval = Millis(15 * 60'000);
        p.staleAfter = Millis(3'600'000);
        p.syncOnStart = true;
        p.checkpoint = core::Checkpoint::Always;
        p.retryAfterLimit = core::RetryAfterLimit::Deadline;
        editor.setPolicy(p);
        QVERIFY(editor.isValid());
        QVERIFY(editor.policy() == p);
        auto *interval = qobject_cast<QLineEdit *>(editor.field(QStringLiteral("interval")));
        QCOMPARE(interval->text(), QStringLiteral("15m"));
        typeInto(interval, QStringLiteral("500ms"));
        QVERIFY(invalid(editor, "interval"));
        QVERIFY(editor.problems().first().contains(
            QStringLiteral("interval must be 0 (off) or at least 1s")));
        typeInto(interval, QString()); // empty: no scheduled sync
        QVERIFY(editor.isValid());
        QCOMPARE(editor.policy().interval, Millis(0));
        auto *stale = qobject_cast<QLineEdit *>(editor.field(QStringLiteral("stale_after")));
        typeInto(stale, QStringLiteral("soon"));
        QVERIFY(invalid(editor, "stale_after"));
        typeInto(stale, QStringLiteral("2h"));
        QCOMPARE(editor.policy().staleAfter, Millis(7'200'000));
        qobject_cast<QComboBox *>(editor.field(QStringLiteral("checkpoint")))->setCurrentIndex(2);
        QCOMPARE(editor.policy().checkpoint, core::Checkpoint::Never);
        qobject_cast<QCheckBox *>(editor.field(QStringLiteral("sync_on_start")))->setChecked(false);
        QVERIFY(!editor.policy().syncOnStart);
    }

    // Issue 16: what happens around a sync is set in the editor too, and a
    // policy's settings survive a round trip through it.
    void aroundSyncKnobs()
    {
        PolicyEditor editor;
        core::RetryPolicy p = sample(core::Jitter::Full);
        p.onMetered = core::OnMetered::Run;
        p.afterSync = QStringLiteral("make -C docs");
        p.afterSyncOn = core::AfterSyncOn::Any;
        p.afterSyncTimeout = Millis(90'000);
        p.lfsFetchAll = true;
        editor.setPolicy(p);
        QVERIFY(editor.isValid());
        QVERIFY(editor.policy() == p);
        typeInto(qobject_cast<QLineEdit *>(editor.field(QStringLiteral("after_sync"))),
                 QStringLiteral("./notify.sh"));
        QCOMPARE(editor.policy().afterSync, QStringLiteral("./notify.sh"));
        auto *timeout = qobject_cast<QLineEdit *>(
            editor.field(QStringLiteral("after_sync_timeout")));
        typeInto(timeout, QStringLiteral("later"));
        QVERIFY(invalid(editor, "after_sync_timeout"));
        typeInto(timeout, QStringLiteral("2m"));
        QCOMPARE(editor.policy().afterSyncTimeout, Millis(120'000));
        qobject_cast<QComboBox *>(editor.field(QStringLiteral("on_metered")))->setCurrentIndex(0);
        QCOMPARE(editor.policy().onMetered, core::OnMetered::Wait);
        qobject_cast<QComboBox *>(editor.field(QStringLiteral("after_sync_on")))->setCurrentIndex(0);
        QCOMPARE(editor.policy().afterSyncOn, core::AfterSyncOn::Success);
        qobject_cast<QCheckBox *>(editor.field(QStringLiteral("lfs_fetch_all")))->setChecked(false);
        QVERIFY(!editor.policy().lfsFetchAll);
    }

    void dialogOkFollowsValidity()
    {
        core::Workspace ws;
        ws.setPolicy(sample(core::Jitter::Equal));
        PoliciesDialog dialog(ws, {});
        QVERIFY(dialog.okButton()->isEnabled());
        auto *deadline = qobject_cast<QLineEdit *>(
            dialog.editor()->field(QStringLiteral("deadline")));
        typeInto(deadline, QStringLiteral("0s"));
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(dialog.editor()->problems().first().contains(
            QStringLiteral("deadline must be positive")));
        typeInto(deadline, QStringLiteral("1h"));
        QVERIFY(dialog.okButton()->isEnabled());

        // Names must be unique.
        dialog.selectPolicy(QStringLiteral("sample"));
        auto *name = qobject_cast<QLineEdit *>(dialog.editor()->field(QStringLiteral("name")));
        typeInto(name, QStringLiteral("default"));
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(dialog.editor()->problems().first().contains(QStringLiteral("already named")));
        typeInto(name, QStringLiteral("sample"));
        QVERIFY(dialog.okButton()->isEnabled());

        // The default policy keeps its name.
        dialog.selectPolicy(QStringLiteral("default"));
        QVERIFY(
            qobject_cast<QLineEdit *>(dialog.editor()->field(QStringLiteral("name")))->isReadOnly());
    }

    void dialogRenamesAndAssigns()
    {
        core::Workspace ws;
        ws.setPolicy(sample(core::Jitter::Full));
        for (const char *n : {"a", "b", "c"}) {
            core::RepoSpec s;
            s.name = QString::fromLatin1(n);
            s.url = QStringLiteral("https://example.test/%1.git").arg(s.name);
            s.path = QStringLiteral("/tmp/p/") + s.name;
            s.policy = s.name == QLatin1String("a") ? QStringLiteral("sample")
                                                    : QStringLiteral("default");
            QCOMPARE(ws.addRepository(s), QString());
        }
        PoliciesDialog dialog(ws, {QStringLiteral("b"), QStringLiteral("c")});
        dialog.selectPolicy(QStringLiteral("sample"));
        typeInto(qobject_cast<QLineEdit *>(dialog.editor()->field(QStringLiteral("name"))),
                 QStringLiteral("patient"));
        typeInto(qobject_cast<QLineEdit *>(dialog.editor()->field(QStringLiteral("max_delay"))),
                 QStringLiteral("2m"));
        dialog.addPolicy();
        typeInto(qobject_cast<QLineEdit *>(dialog.editor()->field(QStringLiteral("name"))),
                 QStringLiteral("quick"));
        dialog.assignToSelected();

        const PoliciesDialog::Changes changes = dialog.changes();
        QCOMPARE(changes.renamed.value(QStringLiteral("sample")), QStringLiteral("patient"));
        QCOMPARE(changes.assign, QStringLiteral("quick"));
        QCOMPARE(PoliciesDialog::apply(ws, changes), QString());
        QVERIFY(!ws.hasPolicy(QStringLiteral("sample")));
        QCOMPARE(ws.policy(QStringLiteral("patient")).maxDelay, Millis(120'000));
        QCOMPARE(ws.repository(QStringLiteral("a"))->policy, QStringLiteral("patient"));
        QCOMPARE(ws.repository(QStringLiteral("b"))->policy, QStringLiteral("quick"));
        QCOMPARE(ws.repository(QStringLiteral("c"))->policy, QStringLiteral("quick"));
        QVERIFY(ws.hasPolicy(QStringLiteral("default")));
    }
};

QTEST_MAIN(TestPolicyEditor)
#include "tst_policyeditor.moc"
