// End to end: the real main window syncs against a real git daemon through
// the fault proxy and a real smart-HTTP server, and the table shows what the
// engine did: the retries (waiting for retry, attempt 3 of 4) and the final
// states (cloned; failed: not found after one attempt). The window's one
// engine session syncs on its own by the policy (counted at the server, also
// after Preferences), runs overdue syncs on wake and back online, and a
// manual sync runs a waiting retry, or a paused host's probe, at once. On a
// metered connection scheduled syncs wait (status bar), Sync All asks once
// and connects, and the waiting ones run when it is no longer metered.
#include "UiTestUtil.h"
#include "net/NetworkSetup.h"
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "model/RepoTableModel.h"
#include "model/StatusText.h"
#include "model/SyncTracker.h"
#include "model/TimelineModel.h"
#include "dialogs/PreferencesDialog.h"
#include "net/Reachability.h"
#include "platform/WakeDetector.h"
#include "shell/RepoCommands.h"
#include "state/StateEditor.h"
#include "shell/MainActions.h"
#include "shell/MainWindow.h"
#include "state/RepoStateStore.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "util/RemoteUrl.h"
#include "views/DetailsPane.h"
#include "workspace/WorkspaceEditor.h"

#include <QAction>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
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

    int m_wsCounter = 0;

    static QString stateOf(MainWindow &w, const QString &name)
    {
        RepoTableModel *m = w.model();
        return m->index(m->rowOf(name), RepoTableModel::State).data().toString();
    }

    static core::RetryPolicy quickPolicy(const QString &name)
    {
        core::RetryPolicy p;
        p.name = name;
        p.maxAttempts = 3;
        p.initialDelay = core::Millis(200);
        p.multiplier = 1.0;
        p.maxDelay = core::Millis(200);
        p.jitter = core::Jitter::None;
        p.connectTimeout = core::Millis(5000);
        p.stallTimeout = core::Millis(10'000);
        p.attemptTimeout = core::Millis(60'000);
        p.deadline = core::Millis(600'000);
        return p;
    }

    // A workspace of its own whose repositories (name -> URL) all use `policy`.
    QString workspaceWith(const core::RetryPolicy &policy,
                          const QList<QPair<QString, QString>> &repos)
    {
        const QString dir = m_dir.filePath(QStringLiteral("ws%1").arg(++m_wsCounter));
        QDir().mkpath(dir);
        const QString ws = dir + QStringLiteral("/workspace.json");
        const QString error = core::editWorkspace(ws, [&](core::Workspace &w) {
            w.setPolicy(policy);
            for (const auto &repo : repos) {
                if (QString e = w.addRepository({repo.first,
                                                 repo.second,
                                                 dir + QStringLiteral("/") + repo.first,
                                                 core::RepoMode::WorkingCopy,
                                                 {},
                                                 policy.name,
                                                 {},
                                                 {},
                                                 {}});
                    !e.isEmpty())
                    return e;
            }
            return QString();
        });
        return error.isEmpty() ? ws : QString();
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
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
        QVERIFY(!GitRepoFactory::createBareRepo(served, QStringLiteral("tick.git"), 2).isEmpty());
    }

    // Preferences are kept in QSettings (one function sets two jobs): every
    // function starts from the defaults, whatever ran before it.
    void init() { QSettings().clear(); }

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
        QCOMPARE(core::editWorkspace(
                     ws,
                     [&](core::Workspace &w) {
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
            QString e = w.addRepository({QStringLiteral("flaky"),
                                         flakyUrl,
                                         flakyPath,
                                         core::RepoMode::WorkingCopy,
                                         {},
                                         QStringLiteral("e2e"),
                                         {},
                                         {},
                                         {}});
            if (e.isEmpty())
                e = w.addRepository({QStringLiteral("missing"),
                                     missingUrl,
                                     missingPath,
                                     core::RepoMode::WorkingCopy,
                                     {},
                                     QStringLiteral("e2e"),
                                     {},
                                     {},
                                     {}});
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
            const QVariant p = w.model()
                                   ->index(w.model()->rowOf(QStringLiteral("flaky")),
                                           RepoTableModel::Progress)
                                   .data(RepoTableModel::ProgressRole);
            if (p.isValid())
                progressSeen << p.toInt();
        });

        w.actions()->syncAll->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("missing")),
                                  QStringLiteral("failed: not found"), 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("flaky")), QStringLiteral("cloned"),
                                  60'000);
        // The model answers with the newest snapshot at once; the view hears
        // of it at the next coalesced update.
        QTRY_COMPARE_WITH_TIMEOUT(seen.value(QStringLiteral("flaky")).last(),
                                  QStringLiteral("cloned"), 1000);

        const QStringList flaky = seen.value(QStringLiteral("flaky"));
        qInfo("flaky showed: %s", qPrintable(flaky.join(QStringLiteral(" | "))));
        qInfo("missing showed: %s",
              qPrintable(seen.value(QStringLiteral("missing")).join(QStringLiteral(" | "))));
        auto any = [&flaky](const QString &prefix) {
            return std::any_of(flaky.begin(), flaky.end(),
                               [&](const QString &s) { return s.startsWith(prefix); });
        };
        QVERIFY2(any(QStringLiteral("waiting for retry in")), qPrintable(flaky.join(" | ")));
        QVERIFY2(flaky.filter(QStringLiteral("(network)")).size() > 0,
                 qPrintable(flaky.join(" | ")));
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
        QCOMPARE(seen.value(QStringLiteral("missing")).filter(QStringLiteral("attempt 2")).size(),
                 0);

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
        QCOMPARE(w.findChild<QLabel *>(QStringLiteral("failedLabel"))->text(),
                 QStringLiteral("Failed: 1"));
        QCOMPARE(w.findChild<QLabel *>(QStringLiteral("runningLabel"))->text(),
                 QStringLiteral("Running: 0"));

        // A second Sync All: the clone is up to date, the 404 still fails once.
        w.actions()->syncAll->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("flaky")), QStringLiteral("up to date"),
                                  30'000);
        QTRY_VERIFY_WITH_TIMEOUT(w.scheduler()->isIdle(), 30'000);
        QCOMPARE(w.tracker()->status(QStringLiteral("missing")).last.consecutiveFailures, 2);

        // The history survives the window.
        const QString statePath = core::RepoStateStore::pathFor(ws);
        QCOMPARE(w.session()->saveNow(), QString());
        auto stored = core::RepoStateStore::load(statePath);
        QVERIFY(stored.ok());
        QVERIFY(stored.value().state(QStringLiteral("flaky")).lastSuccess.isValid());
        QCOMPARE(stored.value().state(QStringLiteral("missing")).lastOutcome,
                 core::Outcome::Failed);
    }
    // The window's engine runs the plan by itself: interval 1.5 s and sync
    // on start, nobody touching anything. Each sync is one connection to
    // the server (clone, then fetches), counted by the proxy in front of it.
    void syncsOnItsOwnAndKeepsDoingSoAfterPreferences()
    {
        FaultProxy server;
        QVERIFY(server.start(m_daemon.port()));
        core::RetryPolicy policy = quickPolicy(QStringLiteral("ticking"));
        policy.interval = core::Millis(1500);
        policy.syncOnStart = true;
        const QString ws = workspaceWith(policy,
                                         {{QStringLiteral("tick"), server.url("git", "tick.git")}});
        QVERIFY(!ws.isEmpty());

        MainWindow w(ws);
        QElapsedTimer clock;
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= 3, 15'000);
        qInfo("left alone: %d connections in %lld ms", server.totalConnections(), clock.elapsed());
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("tick")).last.lastOutcome,
                                  core::Outcome::UpToDate, 10'000);

        // Preferences' OK reconfigures the same engine in place.
        w.actions()->preferences->trigger();
        auto *dialog = w.findChild<PreferencesDialog *>();
        QVERIFY(dialog);
        const QList<QSpinBox *> spins = dialog->findChildren<QSpinBox *>();
        QVERIFY(!spins.isEmpty());
        spins.first()->setValue(2); // syncs at once
        dialog->accept();
        QCOMPARE(w.scheduler()->maxConcurrent(), 2);
        const int before = server.totalConnections();
        clock.restart();
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= before + 2, 10'000);
        qInfo("after Preferences: %d more connections in %lld ms",
              server.totalConnections() - before, clock.elapsed());
        // And again: still one engine, still syncing.
        w.actions()->preferences->trigger();
        QTRY_VERIFY(w.findChild<PreferencesDialog *>());
        w.findChild<PreferencesDialog *>()->accept();
        const int again = server.totalConnections();
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= again + 2, 10'000);
    }

    // Asleep, no timer fires: after the wake the scheduled sync that fell
    // due and the retry that fell due both run at once.
    void wakeRunsOverdueSyncs()
    {
        FaultProxy server;
        QVERIFY(server.start(m_daemon.port()));
        server.resetFirst(1); // the retrier's first attempt
        core::RetryPolicy policy = quickPolicy(QStringLiteral("hourly"));
        policy.interval = core::Millis(3'600'000);
        policy.initialDelay = core::Millis(3'600'000); // a retry an hour away
        policy.maxDelay = policy.initialDelay;
        policy.deadline = core::Millis(10 * 3'600'000);
        const QString ws = workspaceWith(
            policy, {{QStringLiteral("sleeper"), server.url("git", "tick.git")},
                     {QStringLiteral("retrier"), server.url("git", "tick.git")}});
        QVERIFY(!ws.isEmpty());
        // Both synced a minute ago: the next scheduled sync is an hour away.
        const QDateTime minuteAgo = QDateTime::currentDateTimeUtc().addSecs(-60);
        QCOMPARE(core::editStateStore(
                     core::RepoStateStore::pathFor(ws),
                     [&](core::RepoStateStore &store) {
            for (const char *name : {"sleeper", "retrier"}) {
                core::RepoState st;
                st.lastAttempt = minuteAgo;
                st.lastSuccess = minuteAgo;
                st.lastOutcome = core::Outcome::UpToDate;
                store.setState(QString::fromLatin1(name), st);
            }
                     }),
                 QString());

        MainWindow w(ws);
        core::WakeDetector wake(nullptr, 3'600'000); // checked by hand below
        w.session()->setWakeDetector(&wake);
        QDateTime wall = QDateTime::currentDateTimeUtc();
        w.session()->setClock([&wall] { return wall; });
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->nextSync(QStringLiteral("sleeper")).isValid(), 5000);
        QVERIFY(w.session()->nextSync(QStringLiteral("sleeper"))
                > QDateTime::currentDateTimeUtc().addSecs(50 * 60));

        w.commands()->sync({QStringLiteral("retrier")});
        QTRY_COMPARE_WITH_TIMEOUT(w.scheduler()->state(QStringLiteral("retrier")),
                                  core::Scheduler::State::Waiting, 10'000);
        QCOMPARE(server.totalConnections(), 1);

        // The laptop slept two hours.
        wall = QDateTime::currentDateTimeUtc().addSecs(7200);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(wake.check(QDateTime::currentMSecsSinceEpoch() + 7'200'000, 0) > 0);
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= 3, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(w.scheduler()->isIdle(), 10'000);
        qInfo("after the wake: %d connections in %lld ms", server.totalConnections() - 1,
              clock.elapsed());
        QCOMPARE(w.tracker()->status(QStringLiteral("retrier")).last.lastOutcome,
                 core::Outcome::Cloned);
        QCOMPARE(w.tracker()->status(QStringLiteral("sleeper")).last.lastOutcome,
                 core::Outcome::Cloned);
    }

    // Offline, due syncs wait without connecting; back online they run.
    void backOnlineRunsSyncsThatFellDue()
    {
        FaultProxy server;
        QVERIFY(server.start(m_daemon.port()));
        core::RetryPolicy policy = quickPolicy(QStringLiteral("often"));
        policy.interval = core::Millis(1000);
        policy.syncOnStart = true;
        const QString ws = workspaceWith(policy, {{QStringLiteral("roamer"),
                                                   server.url("git", "tick.git")}});
        QVERIFY(!ws.isEmpty());

        MainWindow w(ws);
        core::ManualReachability net;
        net.setOnline(false);
        w.session()->setReachability(&net);
        w.scheduler()->setLoopbackExemptFromOffline(
            false); // the loopback daemon stands in for a remote host
        w.scheduler()->setResumeSpread(core::Millis(200));
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("roamer")).activity,
                                  core::Activity::Held, 10'000);
        QVERIFY(!w.findChild<QLabel *>(QStringLiteral("offlineLabel"))->isHidden());
        QCOMPARE(server.totalConnections(), 0);

        QElapsedTimer clock;
        clock.start();
        net.setOnline(true);
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= 1, 5000);
        qInfo("back online: first connection after %lld ms", clock.elapsed());
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("roamer")).last.lastOutcome,
                                  core::Outcome::Cloned, 10'000);
        w.session()->setReachability(nullptr);
    }

    void meteredHoldsScheduledSyncsAndAsksOnceForManualOnes()
    {
        FaultProxy server;
        QVERIFY(server.start(m_daemon.port()));
        core::RetryPolicy policy = quickPolicy(QStringLiteral("thrifty"));
        policy.interval = core::Millis(1000);
        policy.syncOnStart = true;
        const QString ws = workspaceWith(policy,
                                         {{QStringLiteral("m1"), server.url("git", "tick.git")},
                                          {QStringLiteral("m2"), server.url("git", "tick.git")}});
        QVERIFY(!ws.isEmpty());

        MainWindow w(ws);
        core::ManualReachability net;
        net.setMetered(true);
        w.session()->setReachability(&net);
        auto *label = w.findChild<QLabel *>(QStringLiteral("meteredLabel"));
        QVERIFY(label);
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->meteredWaiting().size(), 2, 10'000);
        QVERIFY(!label->isHidden());
        QCOMPARE(label->text(),
                 QStringLiteral("Metered connection: 2 scheduled syncs wait, Sync All runs them"));
        QCOMPARE(server.totalConnections(), 0);

        // Sync All asks first; nothing connects before the answer.
        w.actions()->syncAll->trigger();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = w.findChild<QMessageBox *>(QStringLiteral("meteredConfirm")))
                    != nullptr);
        QCOMPARE(server.totalConnections(), 0);
        box->button(QMessageBox::Yes)->click();
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= 2, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("m1")).last.lastOutcome,
                                  core::Outcome::Cloned, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("m2")).last.lastOutcome,
                                  core::Outcome::Cloned, 10'000);
        QVERIFY(w.commands()->meteredConfirmed());

        // The plan's next syncs wait again; a second manual sync does not ask.
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->meteredWaiting().size(), 2, 10'000);
        const int afterManual = server.totalConnections();
        w.commands()->sync({QStringLiteral("m1")}, core::Trigger::Manual);
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= afterManual + 1, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(w.scheduler()->isIdle(), 10'000);
        const int held = server.totalConnections();
        qInfo("metered: %d connections, all manual; %d scheduled syncs wait", held,
              static_cast<int>(w.session()->meteredWaiting().size()));

        // The policy's after_sync command failing is said in the status bar.
        core::RetryPolicy withHook = policy;
        withHook.afterSync = QStringLiteral("exit 7");
        QCOMPARE(core::editWorkspace(
                     ws,
                     [&](core::Workspace &wsp) {
            wsp.setPolicy(withHook);
            return QString();
                     }),
                 QString());
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->workspace().policy(policy.name).afterSync,
                                  withHook.afterSync, 10'000);
        QSignalSpy hooks(w.session(), &core::SyncSession::afterSyncFinished);
        w.commands()->sync({QStringLiteral("m2")}, core::Trigger::Manual);
        QTRY_COMPARE_WITH_TIMEOUT(hooks.size(), 1, 10'000);
        QVERIFY(w.statusBar()->currentMessage().contains(QStringLiteral("exited with code 7")));
        QTRY_VERIFY_WITH_TIMEOUT(w.scheduler()->isIdle(), 10'000);
        const int heldAgain = server.totalConnections();

        // Not metered any more: the waiting ones connect.
        QVERIFY(heldAgain >= held + 1);
        net.setMetered(false);
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= heldAgain + 1, 10'000);
        QVERIFY(label->isHidden());
        w.session()->setReachability(nullptr);
    }

    // Retry now: Sync Selected on a repository waiting an hour for its
    // retry connects at once, and the timeline says a person started it.
    void syncSelectedRunsAWaitingRetryNow()
    {
        FaultProxy server;
        QVERIFY(server.start(m_daemon.port()));
        server.resetFirst(1);
        core::RetryPolicy policy = quickPolicy(QStringLiteral("patient"));
        policy.initialDelay = core::Millis(3'600'000);
        policy.maxDelay = policy.initialDelay;
        policy.deadline = core::Millis(10 * 3'600'000);
        const QString ws = workspaceWith(policy, {{QStringLiteral("later"),
                                                   server.url("git", "tick.git")}});
        QVERIFY(!ws.isEmpty());

        MainWindow w(ws);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 1, 5000);
        w.commands()->sync({QStringLiteral("later")});
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("later")).activity,
                                  core::Activity::Waiting, 10'000);
        QCOMPARE(server.totalConnections(), 1);
        w.selectRepository(QStringLiteral("later"));
        // The table (and the actions) hear of the wait at the next flush.
        w.model()->flushPendingUpdates();
        QCoreApplication::processEvents();
        QVERIFY(w.actions()->cancelSelected->isEnabled());
        QVERIFY(w.actions()->syncSelected->isEnabled()); // waiting is not in flight

        QElapsedTimer clock;
        clock.start();
        w.actions()->syncSelected->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= 2, 5000);
        const qint64 connectedAfter = clock.elapsed();
        QTRY_COMPARE_WITH_TIMEOUT(w.tracker()->status(QStringLiteral("later")).last.lastOutcome,
                                  core::Outcome::Cloned, 10'000);
        qInfo("Sync Selected: the server saw attempt 2 after %lld ms (the retry was due in an hour)",
              connectedAfter);
        QVERIFY(connectedAfter < 5000);
        const QList<core::AttemptRecord>
            timeline = w.tracker()->status(QStringLiteral("later")).last.timeline;
        QCOMPARE(timeline.size(), 2);
        QCOMPARE(timeline.at(0).trigger, core::Trigger::Scheduled);
        QCOMPARE(timeline.at(1).trigger, core::Trigger::Manual);
        QCOMPARE(server.totalConnections(), 2);
    }

    // On a paused host (breaker open for a minute) a manual sync is the
    // host's probe, sent at once; when it succeeds the host's other held
    // repository follows without waiting out its delay.
    void manualSyncProbesAPausedHostAtOnce()
    {
        FaultProxy server;
        QVERIFY(server.start(m_daemon.port()));
        server.resetFirst(1);
        core::RetryPolicy policy = quickPolicy(QStringLiteral("paused"));
        policy.initialDelay = core::Millis(3'600'000);
        policy.maxDelay = policy.initialDelay;
        policy.deadline = core::Millis(10 * 3'600'000);
        const QString ws = workspaceWith(
            policy, {{QStringLiteral("first"), server.url("git", "tick.git")},
                     {QStringLiteral("second"), server.url("git", "tick.git")}});
        QVERIFY(!ws.isEmpty());

        MainWindow w(ws);
        core::SessionSettings engine = w.session()->settings();
        engine.hosts.breakerThreshold = 1;
        engine.hosts.minCooldown = core::Millis(600'000);
        engine.hosts.maxCooldown = core::Millis(600'000);
        w.session()->configure(engine);
        w.scheduler()->setResumeSpread(core::Millis(200));
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 2, 5000);
        const QString host = core::hostKeyOf(server.url("git", "tick.git"));

        w.commands()->sync({QStringLiteral("first")});
        QTRY_COMPARE_WITH_TIMEOUT(w.scheduler()->state(QStringLiteral("first")),
                                  core::Scheduler::State::Waiting, 10'000);
        QCOMPARE(w.scheduler()->hosts().state(host), core::BreakerState::Open);
        // Due while the host is paused: counted without a connection.
        w.commands()->sync({QStringLiteral("second")});
        QTRY_COMPARE_WITH_TIMEOUT(w.scheduler()->state(QStringLiteral("second")),
                                  core::Scheduler::State::Waiting, 10'000);
        QVERIFY(w.tracker()->status(QStringLiteral("second")).last.timeline.value(0).held);
        QCOMPARE(server.totalConnections(), 1);

        QElapsedTimer clock;
        clock.start();
        w.selectRepository(QStringLiteral("first"));
        w.model()->flushPendingUpdates();
        QCoreApplication::processEvents();
        QVERIFY(w.actions()->syncSelected->isEnabled());
        w.actions()->syncSelected->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(server.totalConnections() >= 2, 5000);
        qInfo("paused host: the manual probe connected after %lld ms (cool-down 10 min)",
              clock.elapsed());
        QTRY_VERIFY_WITH_TIMEOUT(w.scheduler()->isIdle(), 10'000);
        qInfo("paused host: both synced after %lld ms, %d connections in all", clock.elapsed(),
              server.totalConnections());
        QCOMPARE(server.totalConnections(), 3); // the reset, the probe, the held repository
        QCOMPARE(w.scheduler()->hosts().state(host), core::BreakerState::Closed);
        QCOMPARE(w.tracker()->status(QStringLiteral("first")).last.lastOutcome,
                 core::Outcome::Cloned);
        QCOMPARE(w.tracker()->status(QStringLiteral("first")).last.timeline.last().trigger,
                 core::Trigger::Manual);
        QCOMPARE(w.tracker()->status(QStringLiteral("second")).last.lastOutcome,
                 core::Outcome::Cloned);
    }
};

QTEST_MAIN(TestMainWindowE2e)
#include "tst_mainwindow_e2e.moc"
