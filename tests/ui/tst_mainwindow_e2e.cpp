// End to end: the real main window syncs against a real git daemon through
// the fault proxy and a real smart-HTTP server, and the table shows what the
// engine did: the retries (waiting for retry, attempt 3 of 4) and the final
// states (cloned; failed: not found after one attempt).
#include "UiTestUtil.h"
#include "git/GitLibrary.h"
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "model/RepoTableModel.h"
#include "model/StatusText.h"
#include "model/SyncTracker.h"
#include "model/TimelineModel.h"
#include "shell/MainActions.h"
#include "shell/MainWindow.h"
#include "state/RepoStateStore.h"
#include "sync/Scheduler.h"
#include "views/DetailsPane.h"
#include "workspace/WorkspaceEditor.h"

#include <QAction>
#include <QLabel>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;
using namespace repodeck::test;

class TestMainWindowE2e : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    GitDaemonServer m_daemon;
    HttpGitServer m_http;
    FaultProxy m_proxy;

    static QString stateOf(MainWindow &w, const QString &name)
    {
        RepoTableModel *m = w.model();
        return m->index(m->rowOf(name), RepoTableModel::State).data().toString();
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::git::initialize(), QString());
        isolateSettings(QStringLiteral("tst_mainwindow_e2e"));
        qputenv("REPODECK_LOG_DIR", m_dir.filePath(QStringLiteral("logs")).toUtf8());
        const QString served = m_dir.filePath(QStringLiteral("served"));
        QDir().mkpath(served);
        const QString bare = GitRepoFactory::createBareRepo(served, QStringLiteral("flaky.git"), 3);
        QVERIFY(!bare.isEmpty());
        // Big enough that the throttled third attempt is on screen for a while.
        QVERIFY(GitRepoFactory::addLargeFile(bare, 192 * 1024));
        QVERIFY(m_daemon.start(served));
        QVERIFY(m_http.start(served));
        QVERIFY(m_proxy.start(m_daemon.port()));
    }

    void retriesThenClonesAndPermanentFailureStopsAtOnce()
    {
        // Attempts 1 and 2 are reset by the proxy; attempt 3 gets through,
        // paced to ~160 KiB/s so its progress is visible.
        m_proxy.resetFirst(2);
        m_proxy.setThrottle(160 * 1024);

        const QString ws = m_dir.filePath(QStringLiteral("workspace.json"));
        const QString flakyPath = m_dir.filePath(QStringLiteral("work/flaky"));
        const QString missingPath = m_dir.filePath(QStringLiteral("work/missing"));
        const QString flakyUrl = m_proxy.url(QStringLiteral("git"), QStringLiteral("flaky.git"));
        const QString missingUrl = m_http.url(QStringLiteral("missing.git"));
        QCOMPARE(core::editWorkspace(ws, [&](core::Workspace &w) {
                     core::RetryPolicy p;
                     p.name = QStringLiteral("e2e");
                     p.maxAttempts = 4;
                     p.initialDelay = core::Millis(500); // long enough to be seen waiting
                     p.multiplier = 1.0;
                     p.maxDelay = core::Millis(500);
                     p.jitter = core::Jitter::None;
                     p.connectTimeout = core::Millis(5000);
                     p.stallTimeout = core::Millis(10'000);
                     p.attemptTimeout = core::Millis(60'000);
                     p.deadline = core::Millis(120'000);
                     w.setPolicy(p);
                     QString e = w.addRepository({QStringLiteral("flaky"), flakyUrl, flakyPath,
                                                  core::RepoMode::WorkingCopy, {}, QStringLiteral("e2e")});
                     if (e.isEmpty())
                         e = w.addRepository({QStringLiteral("missing"), missingUrl, missingPath,
                                              core::RepoMode::WorkingCopy, {}, QStringLiteral("e2e")});
                     return e;
                 }),
                 QString());

        MainWindow w(ws);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 2, 5000);

        // Everything the table shows, at each (coalesced) repaint.
        QHash<QString, QStringList> seen;
        QList<int> progressSeen;
        connect(w.model(), &QAbstractItemModel::dataChanged, this, [&] {
            for (const QString &name : {QStringLiteral("flaky"), QStringLiteral("missing")}) {
                const QString state = stateOf(w, name);
                if (seen[name].isEmpty() || seen[name].last() != state)
                    seen[name] << state;
            }
            const QVariant p = w.model()->index(w.model()->rowOf(QStringLiteral("flaky")), RepoTableModel::Progress)
                                   .data(RepoTableModel::ProgressRole);
            if (p.isValid())
                progressSeen << p.toInt();
        });

        w.actions()->syncAll->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("missing")), QStringLiteral("failed: not found"), 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("flaky")), QStringLiteral("cloned"), 60'000);
        // The model answers with the newest snapshot at once; the view hears
        // of it at the next coalesced update.
        QTRY_COMPARE_WITH_TIMEOUT(seen.value(QStringLiteral("flaky")).last(), QStringLiteral("cloned"), 1000);

        const QStringList flaky = seen.value(QStringLiteral("flaky"));
        qInfo("flaky showed: %s", qPrintable(flaky.join(QStringLiteral(" | "))));
        qInfo("missing showed: %s", qPrintable(seen.value(QStringLiteral("missing")).join(QStringLiteral(" | "))));
        auto any = [&flaky](const QString &prefix) {
            return std::any_of(flaky.begin(), flaky.end(), [&](const QString &s) { return s.startsWith(prefix); });
        };
        QVERIFY2(any(QStringLiteral("waiting for retry in")), qPrintable(flaky.join(" | ")));
        QVERIFY2(flaky.filter(QStringLiteral("(network)")).size() > 0, qPrintable(flaky.join(" | ")));
        QVERIFY2(any(QStringLiteral("attempt 3 of 4")), qPrintable(flaky.join(" | ")));
        QVERIFY2(!any(QStringLiteral("attempt 4 of 4")), qPrintable(flaky.join(" | ")));
        QVERIFY2(!progressSeen.isEmpty(), "the progress bar never showed");
        QCOMPARE(flaky.last(), QStringLiteral("cloned"));
        QVERIFY(m_proxy.resetConnections() >= 2);
        QVERIFY(QFileInfo::exists(flakyPath + QStringLiteral("/.git")));
        QVERIFY(QFileInfo::exists(flakyPath + QStringLiteral("/large.bin")));

        // The engine's record, as the details pane shows it.
        const core::RepoState flakyState = w.tracker()->status(QStringLiteral("flaky")).last;
        QCOMPARE(flakyState.timeline.size(), 3);
        for (int i = 0; i < 2; ++i) {
            QVERIFY(!flakyState.timeline.at(i).ok);
            QCOMPARE(flakyState.timeline.at(i).error.category, core::ErrorCategory::Network);
            QCOMPARE(flakyState.timeline.at(i).retryIn, core::Millis(500));
        }
        QVERIFY(flakyState.timeline.at(2).ok);
        QVERIFY(flakyState.timeline.at(2).bytes > 150 * 1024);
        QVERIFY(flakyState.lastSuccess.isValid());

        const core::RepoState missingState = w.tracker()->status(QStringLiteral("missing")).last;
        QCOMPARE(missingState.timeline.size(), 1);
        QCOMPARE(missingState.attempts, 1);
        QCOMPARE(missingState.error.category, core::ErrorCategory::NotFound);
        QVERIFY(!missingState.error.transient);
        QCOMPARE(seen.value(QStringLiteral("missing")).filter(QStringLiteral("attempt 2")).size(), 0);

        w.selectRepository(QStringLiteral("flaky"));
        QCOMPARE(w.details()->repository(), QStringLiteral("flaky"));
        QCOMPARE(w.details()->timelineModel()->rowCount(), 3);
        QCOMPARE(w.details()->timelineModel()->index(0, TimelineModel::Result).data().toString(),
                 QStringLiteral("network (transient)"));
        QVERIFY(w.details()->timelineText().contains(QStringLiteral("next attempt after 500 ms")));

        w.selectRepository(QStringLiteral("missing"));
        QCOMPARE(w.details()->timelineModel()->rowCount(), 1);
        QVERIFY(!text::fix(missingState).isEmpty());
        w.model()->flushPendingUpdates();
        QCOMPARE(w.findChild<QLabel *>(QStringLiteral("failedLabel"))->text(), QStringLiteral("Failed: 1"));
        QCOMPARE(w.findChild<QLabel *>(QStringLiteral("runningLabel"))->text(), QStringLiteral("Running: 0"));

        // A second Sync All: the clone is up to date, the 404 still fails once.
        w.actions()->syncAll->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("flaky")), QStringLiteral("up to date"), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(w.scheduler()->isIdle(), 30'000);
        QCOMPARE(w.tracker()->status(QStringLiteral("missing")).last.consecutiveFailures, 2);

        // The history survives the window.
        const QString statePath = core::RepoStateStore::pathFor(ws);
        w.tracker()->saveNow();
        auto stored = core::RepoStateStore::load(statePath);
        QVERIFY(stored.ok());
        QVERIFY(stored.value().state(QStringLiteral("flaky")).lastSuccess.isValid());
        QCOMPARE(stored.value().state(QStringLiteral("missing")).lastOutcome, core::Outcome::Failed);
    }
};

QTEST_MAIN(TestMainWindowE2e)
#include "tst_mainwindow_e2e.moc"
