// SyncTracker on an engine session fed with scheduler signals (emitted
// directly, as the engine would): activities, timeline, history the session
// persists across a restart, and notifications only on failure/recovery
// transitions, never per retry.
#include "model/RepoTableModel.h"
#include "model/SyncTracker.h"
#include "state/RepoStateStore.h"
#include "state/StateEditor.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"

#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;

namespace {

core::AttemptRecord failedAttempt(int n, qint64 retryInMs)
{
    core::AttemptRecord r;
    r.attempt = n;
    r.maxAttempts = 3;
    r.started = QDateTime::currentDateTimeUtc();
    r.duration = core::Millis(40);
    r.error.category = core::ErrorCategory::Network;
    r.error.transient = true;
    r.error.message = QStringLiteral("The connection was reset.");
    r.retryIn = core::Millis(retryInMs);
    return r;
}

core::RepoResult result(core::Outcome outcome, int attempts)
{
    core::RepoResult r;
    r.outcome = outcome;
    r.attempts = attempts;
    r.finished = QDateTime::currentDateTimeUtc();
    if (outcome == core::Outcome::Failed) {
        r.error.category = core::ErrorCategory::NotFound;
        r.error.message = QStringLiteral("The repository does not exist.");
        r.error.hint = QStringLiteral("Check the URL.");
    }
    return r;
}

} // namespace

class TestSyncTracker : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_statePath;

    struct Fixture
    {
        core::SyncSession session;
        core::Scheduler &scheduler = *session.scheduler();
        RepoTableModel model;
        SyncTracker tracker{&session, &model};

        // `statePath` is "<workspace>.state.json".
        explicit Fixture(const QString &statePath)
        {
            QList<core::RepoSpec> specs;
            core::Workspace ws;
            for (const char *name : {"alpha", "beta"}) {
                core::RepoSpec s;
                s.name = QString::fromLatin1(name);
                s.url = QStringLiteral("https://example.test/%1.git").arg(s.name);
                s.path = QStringLiteral("/tmp/") + s.name;
                specs << s;
                ws.addRepository(s);
            }
            model.setRepositories(specs);
            core::SessionSettings settings;
            settings.saveDelayMs = 10;
            session.configure(settings);
            session.setReloadDelay(20);
            session.open(statePath.chopped(int(qstrlen(".state.json"))));
            session.setWorkspace(ws);
            tracker.setRepositories({QStringLiteral("alpha"), QStringLiteral("beta")});
        }
    };

private slots:
    void init()
    {
        m_statePath = m_dir.filePath(
            QStringLiteral("%1.state.json").arg(QTest::currentTestFunction()));
    }

    void runWithRetries()
    {
        Fixture f(m_statePath);
        QTRY_VERIFY_WITH_TIMEOUT(f.tracker.isStateLoaded(), 5000);
        QSignalSpy timeline(&f.tracker, &SyncTracker::timelineChanged);
        const QString a = QStringLiteral("alpha");

        emit f.scheduler.queued(a);
        QCOMPARE(f.tracker.status(a).activity, core::Activity::Queued);
        emit f.scheduler.attemptStarted(a, 1, 3);
        QCOMPARE(f.tracker.status(a).activity, core::Activity::Running);
        QVERIFY(f.tracker.status(a).last.lastAttempt.isValid());
        core::TransferProgress p;
        p.phase = core::Phase::Receiving;
        p.receivedObjects = 5;
        p.totalObjects = 10;
        p.receivedBytes = 5000;
        emit f.scheduler.progress(a, p);
        QCOMPARE(f.tracker.status(a).progress.receivedObjects, quint64(5));

        emit f.scheduler.attemptFinished(a, failedAttempt(1, 2000));
        RepoStatus st = f.tracker.status(a);
        QCOMPARE(st.activity, core::Activity::Waiting);
        QVERIFY(st.retryAt > QDateTime::currentDateTimeUtc().addMSecs(1000));
        QCOMPARE(st.lastAttemptError.category, core::ErrorCategory::Network);
        QCOMPARE(st.last.timeline.size(), 1);

        emit f.scheduler.attemptStarted(a, 2, 3);
        core::AttemptRecord ok;
        ok.attempt = 2;
        ok.maxAttempts = 3;
        ok.ok = true;
        emit f.scheduler.attemptFinished(a, ok);
        emit f.scheduler.finished(a, result(core::Outcome::Cloned, 2));
        st = f.tracker.status(a);
        QCOMPARE(st.activity, core::Activity::Idle);
        QCOMPARE(st.last.lastOutcome, core::Outcome::Cloned);
        QCOMPARE(st.last.timeline.size(), 2);
        QVERIFY(st.last.lastSuccess.isValid());
        QVERIFY(timeline.count() >= 4);

        // The model received the snapshots.
        f.model.flushPendingUpdates();
        QCOMPARE(f.model.index(f.model.rowOf(a), RepoTableModel::State).data().toString(),
                 QStringLiteral("cloned"));

        // A new run starts a new timeline.
        emit f.scheduler.queued(a);
        QCOMPARE(f.tracker.status(a).last.timeline.size(), 0);
    }

    void historySurvivesRestart()
    {
        {
            Fixture f(m_statePath);
            QTRY_VERIFY_WITH_TIMEOUT(f.tracker.isStateLoaded(), 5000);
            QSignalSpy saved(&f.tracker, &SyncTracker::stateSaved);
            emit f.scheduler.queued(QStringLiteral("beta"));
            emit f.scheduler.attemptStarted(QStringLiteral("beta"), 1, 3);
            emit f.scheduler.attemptFinished(QStringLiteral("beta"), failedAttempt(1, -1));
            emit f.scheduler.finished(QStringLiteral("beta"), result(core::Outcome::Failed, 1));
            QTRY_VERIFY_WITH_TIMEOUT(saved.count() > 0 && QFile::exists(m_statePath), 5000);
        }
        auto stored = core::RepoStateStore::load(m_statePath);
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().state(QStringLiteral("beta")).lastOutcome, core::Outcome::Failed);

        Fixture again(m_statePath);
        QSignalSpy loaded(&again.tracker, &SyncTracker::stateLoaded);
        QVERIFY(loaded.wait(5000));
        const RepoStatus st = again.tracker.status(QStringLiteral("beta"));
        QCOMPARE(st.last.lastOutcome, core::Outcome::Failed);
        QCOMPARE(st.last.error.category, core::ErrorCategory::NotFound);
        QCOMPARE(st.last.timeline.size(), 1);
        QVERIFY(st.last.lastAttempt.isValid());
        QVERIFY(!st.last.lastSuccess.isValid());
        again.model.flushPendingUpdates();
        QCOMPARE(again.model.index(again.model.rowOf(QStringLiteral("beta")), RepoTableModel::State)
                     .data()
                     .toString(),
                 QStringLiteral("failed: not found"));
    }

    void notifiesOnTransitionsOnly()
    {
        Fixture f(m_statePath);
        QTRY_VERIFY_WITH_TIMEOUT(f.tracker.isStateLoaded(), 5000);
        QSignalSpy failed(&f.tracker, &SyncTracker::failedPermanently);
        QSignalSpy recovered(&f.tracker, &SyncTracker::recovered);
        const QString a = QStringLiteral("alpha");

        // Retries are not failures.
        emit f.scheduler.queued(a);
        emit f.scheduler.attemptStarted(a, 1, 3);
        emit f.scheduler.attemptFinished(a, failedAttempt(1, 10));
        emit f.scheduler.attemptStarted(a, 2, 3);
        emit f.scheduler.attemptFinished(a, failedAttempt(2, 20));
        QCOMPARE(failed.count(), 0);
        emit f.scheduler.attemptStarted(a, 3, 3);
        emit f.scheduler.attemptFinished(a, failedAttempt(3, -1));
        emit f.scheduler.finished(a, result(core::Outcome::Failed, 3));
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(0).toString(), a);
        QVERIFY(failed.at(0).at(1).toString().contains(QStringLiteral("Check the URL.")));

        // Failing again is not news.
        emit f.scheduler.queued(a);
        emit f.scheduler.finished(a, result(core::Outcome::Failed, 1));
        QCOMPARE(failed.count(), 1);
        QCOMPARE(f.tracker.status(a).last.consecutiveFailures, 2);

        // A cancelled run changes nothing.
        emit f.scheduler.queued(a);
        emit f.scheduler.finished(a, result(core::Outcome::Cancelled, 0));
        QCOMPARE(recovered.count(), 0);

        emit f.scheduler.queued(a);
        emit f.scheduler.finished(a, result(core::Outcome::UpToDate, 1));
        QCOMPARE(recovered.count(), 1);
        QCOMPARE(recovered.at(0).at(1).toInt(), 2);
        QCOMPARE(f.tracker.status(a).last.consecutiveFailures, 0);
        emit f.scheduler.queued(a);
        emit f.scheduler.finished(a, result(core::Outcome::UpToDate, 1));
        QCOMPARE(recovered.count(), 1);
    }

    void waitingForLock()
    {
        Fixture f(m_statePath);
        emit f.scheduler.queued(QStringLiteral("alpha"));
        emit f.scheduler.waitingForLock(QStringLiteral("alpha"),
                                        QStringLiteral("PID 7 on host (repodeck-cli)"));
        QCOMPARE(f.tracker.status(QStringLiteral("alpha")).activity, core::Activity::WaitingLock);
        f.model.flushPendingUpdates();
        QCOMPARE(f.model.totals().waiting, 1);
    }

    void sharesTheStateFileWithTheCli()
    {
        Fixture f(m_statePath);
        QTRY_VERIFY_WITH_TIMEOUT(f.tracker.isStateLoaded(), 5000);
        QSignalSpy synced(&f.tracker, &SyncTracker::synced);

        // repodeck-cli records a result for beta while the window is open.
        const QDateTime cliRun = QDateTime::currentDateTimeUtc().addSecs(-30);
        QCOMPARE(core::editStateStore(
                     m_statePath,
                     [&](core::RepoStateStore &store) {
            core::RepoState st;
            core::AttemptRecord r = failedAttempt(1, -1);
            r.started = cliRun;
            core::recordResult(st, result(core::Outcome::Failed, 1), {r});
            store.setState(QStringLiteral("beta"), st);
                     }),
                 QString());
        QTRY_COMPARE_WITH_TIMEOUT(f.tracker.status(QStringLiteral("beta")).last.lastOutcome,
                                  core::Outcome::Failed, 5000);
        QCOMPARE(f.tracker.status(QStringLiteral("beta")).last.lastAttempt, cliRun);
        QTRY_VERIFY_WITH_TIMEOUT(!synced.isEmpty(), 2000);
        QCOMPARE(synced.last().at(0).toString(), QStringLiteral("beta"));

        // The window's own result for alpha joins the file without dropping beta's.
        QSignalSpy saved(&f.tracker, &SyncTracker::stateSaved);
        emit f.scheduler.queued(QStringLiteral("alpha"));
        emit f.scheduler.attemptStarted(QStringLiteral("alpha"), 1, 3);
        emit f.scheduler.finished(QStringLiteral("alpha"), result(core::Outcome::UpToDate, 1));
        QVERIFY(saved.wait(5000));
        auto stored = core::RepoStateStore::load(m_statePath);
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().state(QStringLiteral("alpha")).lastOutcome,
                 core::Outcome::UpToDate);
        QCOMPARE(stored.value().state(QStringLiteral("beta")).lastOutcome, core::Outcome::Failed);
    }

    void heldAndOfflineRequeue()
    {
        Fixture f(m_statePath);
        const QString a = QStringLiteral("alpha");
        emit f.scheduler.queued(a);
        emit f.scheduler.held(a, QStringLiteral("offline: waiting for the network"));
        QCOMPARE(f.tracker.status(a).activity, core::Activity::Held);
        f.model.flushPendingUpdates();
        QCOMPARE(f.model.index(f.model.rowOf(a), RepoTableModel::State).data().toString(),
                 QStringLiteral("held: offline: waiting for the network"));
        emit f.scheduler.attemptStarted(a, 1, 3);
        QCOMPARE(f.tracker.status(a).activity, core::Activity::Running);
        QVERIFY(f.tracker.status(a).heldReason.isEmpty());
        // Offline: the engine requeues without a retry delay and without finishing.
        emit f.scheduler.attemptFinished(a, failedAttempt(1, -1));
        QCOMPARE(f.tracker.status(a).activity, core::Activity::Queued);
    }

    void unknownRepositoriesAreIgnored()
    {
        Fixture f(m_statePath);
        emit f.scheduler.queued(QStringLiteral("ghost"));
        emit f.scheduler.finished(QStringLiteral("ghost"), result(core::Outcome::Failed, 1));
        QVERIFY(!f.tracker.contains(QStringLiteral("ghost")));
    }
    // Another process (a CLI run, a shard) records a result for a
    // repository while this session's run of it is in flight: the session's
    // write folds its run into what the file says then, so neither is lost.
    void finishedRunFoldsIntoTheFileAsItIsNow()
    {
        Fixture f(m_statePath);
        QTRY_VERIFY_WITH_TIMEOUT(f.tracker.isStateLoaded(), 5000);
        const QString a = QStringLiteral("alpha");
        emit f.scheduler.queued(a);
        emit f.scheduler.attemptStarted(a, 1, 3);
        QCOMPARE(core::editStateStore(
                     m_statePath,
                     [&](core::RepoStateStore &store) {
            core::RepoState st;
            core::recordResult(st, result(core::Outcome::Failed, 1), {failedAttempt(1, -1)});
            store.setState(a, st);
                     }),
                 QString());
        emit f.scheduler.attemptFinished(a, failedAttempt(1, -1));
        emit f.scheduler.finished(a, result(core::Outcome::Failed, 1));
        QCOMPARE(f.session.saveNow(), QString());
        auto stored = core::RepoStateStore::load(m_statePath);
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().state(a).consecutiveFailures,
                 2); // the other run's failure, then this one's
        QCOMPARE(stored.value().state(a).timeline.size(), 1);
        QCOMPARE(f.session.state(a).consecutiveFailures, 2);
        QCOMPARE(f.tracker.status(a).last.consecutiveFailures, 2);
    }
};

QTEST_MAIN(TestSyncTracker)
#include "tst_synctracker.moc"
