#include "session/SyncSession.h"

#include "log/AttemptLog.h"
#include "net/Reachability.h"
#include "net/http/CertificatePins.h"
#include "platform/WakeDetector.h"
#include "state/StateEditor.h"
#include "sync/Scheduler.h"
#include "sync/SyncPlanner.h"
#include "util/RemoteUrl.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtConcurrent/QtConcurrentRun>

#include <spdlog/spdlog.h>

namespace repodeck::core {

SyncSession::SyncSession(QObject *parent)
    : QObject(parent)
    , m_scheduler(std::make_unique<Scheduler>())
    , m_planner(std::make_unique<SyncPlanner>())
    , m_hooks(std::make_unique<AfterSyncHooks>())
    , m_now([] { return QDateTime::currentDateTimeUtc(); })
{
    m_runClock.start();
    if (const QByteArray seed = qgetenv("REPODECK_SEED"); !seed.isEmpty())
        m_scheduler->setSeed(seed.toULongLong());
    // The attempt log hears each attempt first, then the record kept here,
    // then the front end (connection order): a front end reading state()
    // from a scheduler signal sees that signal already recorded.
    m_log = std::make_unique<AttemptLog>(m_scheduler.get(), [this](const QString &name) {
        const RepoSpec *spec = m_workspace.repository(name);
        return spec ? RemoteUrl::parse(spec->url).redacted() : QString();
    });
    connect(m_scheduler.get(), &Scheduler::queued, this, &SyncSession::onQueued);
    connect(m_scheduler.get(), &Scheduler::attemptStarted, this,
            [this](const QString &name, int attempt, int, Trigger trigger) {
        onAttemptStarted(name, attempt, trigger);
    });
    connect(m_scheduler.get(), &Scheduler::attemptFinished, this, &SyncSession::onAttemptFinished);
    connect(m_scheduler.get(), &Scheduler::finished, this, &SyncSession::onFinished);
    connect(m_scheduler.get(), &Scheduler::allFinished, this, [this] {
        if (m_hooks->isIdle())
            emit idle();
    });
    connect(m_hooks.get(), &AfterSyncHooks::hookFinished, this, &SyncSession::onHookFinished);
    connect(m_planner.get(), &SyncPlanner::due, this,
            [this](const QStringList &names) { sync(names); });
    connect(this, &SyncSession::synced, this, [this](const QString &name, const QDateTime &when) {
        if (!m_planStarted)
            return;
        m_planner->recordSync(name, when);
        emit planChanged(name, m_planner->dueAt(name));
    });

    m_ownReachability = std::make_unique<SystemReachability>();
    setReachability(m_ownReachability.get());
    m_ownWake = std::make_unique<WakeDetector>();
    setWakeDetector(m_ownWake.get());

    m_saveTimer.setSingleShot(true);
    connect(&m_saveTimer, &QTimer::timeout, this, &SyncSession::startSave);
    m_reloadTimer.setSingleShot(true);
    m_reloadTimer.setInterval(300);
    connect(&m_reloadTimer, &QTimer::timeout, this, &SyncSession::readState);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, &m_reloadTimer,
            qOverload<>(&QTimer::start));
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, &m_reloadTimer,
            qOverload<>(&QTimer::start));
    connect(&m_loadWatcher, &QFutureWatcher<Loaded>::finished, this,
            [this] { adoptFile(m_loadWatcher.result()); });
    connect(&m_saveWatcher, &QFutureWatcher<Written>::finished, this,
            [this] { adoptWritten(m_saveWatcher.result()); });
    connect(&m_metricsTimer, &QTimer::timeout, this,
            [this] { writeMetricsFile(m_metricsPath, renderPrometheus(metrics(false))); });
    configure(m_settings);
}

SyncSession::~SyncSession()
{
    m_stopped = true;
    m_saveTimer.stop();
    m_reloadTimer.stop();
    m_metricsTimer.stop();
    m_loadWatcher.waitForFinished();
    m_saveWatcher.waitForFinished();
    // The scheduler goes first (it cancels and waits for its workers) while
    // everything its signals reach still exists.
    m_hooks->disconnect(this);
    m_hooks->cancelAll();
    m_log.reset();
    m_scheduler->disconnect(this);
    m_scheduler.reset();
}

void SyncSession::configure(const SessionSettings &settings)
{
    m_settings = settings;
    m_scheduler->setMaxConcurrent(settings.jobs);
    m_scheduler->setHostConfig(settings.hosts);
    m_scheduler->setOfflineCountsTowardDeadline(settings.offlineCountsTowardDeadline);
    if (settings.saveDelayMs < 0)
        m_saveTimer.stop();
    else
        m_saveTimer.setInterval(settings.saveDelayMs);
    releaseMetered(); // --on-metered run, or a policy now `run`
}

void SyncSession::setReachability(Reachability *reachability)
{
    const bool wasMetered = isMetered();
    if (m_reachability)
        disconnect(m_reachability, nullptr, this, nullptr);
    m_scheduler->setReachability(reachability);
    m_reachability = reachability;
    if (reachability) {
        connect(reachability, &Reachability::meteredChanged, this, [this](bool metered) {
            releaseMetered();
            emit meteredChanged(metered, static_cast<int>(m_meteredWaiting.size()));
        });
    }
    if (m_ownReachability && reachability != m_ownReachability.get())
        m_ownReachability.reset();
    releaseMetered();
    if (wasMetered != isMetered())
        emit meteredChanged(isMetered(), static_cast<int>(m_meteredWaiting.size()));
}

bool SyncSession::isMetered() const
{
    return m_reachability && m_reachability->isMetered();
}

bool SyncSession::holdsForMetered(const RetryPolicy &policy) const
{
    return isMetered() && m_settings.onMetered.value_or(policy.onMetered) == OnMetered::Wait;
}

void SyncSession::releaseMetered()
{
    if (m_meteredWaiting.isEmpty())
        return;
    const QStringList waiting = m_meteredWaiting;
    for (const QString &name : waiting) {
        const RepoSpec *spec = m_workspace.repository(name);
        if (spec && holdsForMetered(m_workspace.policy(spec->policy)))
            continue;
        m_meteredWaiting.removeAll(name);
        if (spec && !m_stopped)
            m_scheduler->sync(*spec, m_workspace.policy(spec->policy), Trigger::Scheduled);
    }
    if (m_meteredWaiting.size() != waiting.size())
        emit meteredChanged(isMetered(), static_cast<int>(m_meteredWaiting.size()));
}

bool SyncSession::isIdle() const
{
    return m_scheduler->isIdle() && m_hooks->isIdle();
}

void SyncSession::cancel(const QString &name)
{
    m_scheduler->cancel(name);
    m_hooks->cancel(name);
}

void SyncSession::cancelAll()
{
    m_scheduler->cancelAll();
    m_hooks->cancelAll();
}

void SyncSession::setWakeDetector(WakeDetector *wake)
{
    if (m_wake)
        disconnect(m_wake, nullptr, this, nullptr);
    m_wake = wake;
    if (wake)
        connect(wake, &WakeDetector::resumed, this, &SyncSession::onResumed);
    if (m_ownWake && wake != m_ownWake.get())
        m_ownWake.reset();
}

void SyncSession::onResumed()
{
    // Timers run on the monotonic clock, which stood still while asleep:
    // retries and scheduled syncs that fell due meanwhile run now.
    const QDateTime now = m_now();
    m_scheduler->handleResumedFromSleep(now);
    if (m_planStarted)
        m_planner->checkDue(now);
}

QString SyncSession::open(const QString &workspacePath, Loading loading)
{
    m_workspacePath = workspacePath;
    m_statePath = RepoStateStore::pathFor(workspacePath);
    // Certificates a person pinned (in the desktop app) are trusted by every front end.
    m_pinsError = http::loadPinnedCertificates(http::pinnedCertificatesPath(workspacePath));
    if (loading == Loading::Now) {
        Loaded loaded;
        auto result = RepoStateStore::load(m_statePath);
        if (result)
            loaded.store = result.value();
        else
            loaded.error = result.error();
        adoptFile(loaded);
    } else {
        m_watch = true;
        readState();
    }
    return m_pinsError;
}

void SyncSession::setWorkspace(const Workspace &workspace)
{
    QSet<QString> wanted;
    for (const RepoSpec &spec : workspace.repositories())
        wanted.insert(spec.name);
    const QStringList known = m_states.keys();
    for (const QString &name : known) {
        if (wanted.contains(name))
            continue;
        cancel(name); // removed from the file: stop its sync and its after_sync command
        m_states.remove(name);
        m_active.remove(name);
        m_dirty.remove(name);
        m_unsaved.remove(name);
        m_unsavedHooks.remove(name);
        m_removed.insert(name);
    }
    for (const RepoSpec &spec : workspace.repositories()) {
        m_removed.remove(spec.name);
        if (!m_states.contains(spec.name))
            m_states.insert(spec.name, m_file.state(spec.name));
    }
    m_workspace = workspace;
    m_workspaceKnown = true;
    releaseMetered(); // removed repositories, policies now `run`
    updatePlan();
    if (!m_removed.isEmpty() && m_loaded && m_settings.saveDelayMs >= 0 && !m_saveTimer.isActive())
        m_saveTimer.start();
}

bool SyncSession::sync(const QString &name, Trigger trigger)
{
    const RepoSpec *spec = m_workspace.repository(name);
    if (!spec || m_stopped)
        return false;
    const RetryPolicy policy = m_workspace.policy(spec->policy);
    if (trigger == Trigger::Manual) {
        // A person asked for it now: it runs, metered or not.
        if (m_meteredWaiting.removeAll(name) > 0)
            emit meteredChanged(isMetered(), static_cast<int>(m_meteredWaiting.size()));
    } else if (holdsForMetered(policy) && m_scheduler->state(name) == Scheduler::State::Idle) {
        if (!m_meteredWaiting.contains(name)) {
            m_meteredWaiting.append(name);
            emit held(name, QStringLiteral("metered"));
            emit meteredChanged(true, static_cast<int>(m_meteredWaiting.size()));
        }
        return false;
    }
    return m_scheduler->sync(*spec, policy, trigger);
}

void SyncSession::sync(const QStringList &names, Trigger trigger)
{
    for (const QString &name : names)
        sync(name, trigger);
}

void SyncSession::startPlan()
{
    m_planWanted = true;
    updatePlan();
}

QDateTime SyncSession::nextSync(const QString &name) const
{
    return m_planStarted ? m_planner->dueAt(name) : QDateTime();
}

void SyncSession::updatePlan()
{
    // Planned from the last sync in the state file, whoever made it.
    if (!m_planWanted || m_stopped || !m_workspaceKnown || !m_loaded)
        return;
    QList<SyncPlanner::Item> items;
    for (const RepoSpec &spec : m_workspace.repositories()) {
        const RetryPolicy policy = m_workspace.policy(spec.policy);
        items.append({spec.name, policy.interval, policy.syncOnStart,
                      m_states.value(spec.name).lastAttempt});
    }
    m_planner->setItems(items);
    if (!m_planStarted) {
        m_planStarted = true;
        m_planner->start(m_now());
    }
    emitPlan();
}

void SyncSession::emitPlan()
{
    for (const RepoSpec &spec : m_workspace.repositories())
        emit planChanged(spec.name, m_planner->dueAt(spec.name));
}

void SyncSession::onQueued(const QString &name)
{
    const auto it = m_states.find(name);
    if (it == m_states.end() || m_active.contains(name))
        return;
    // A new run: its attempts replace the previous run's timeline.
    m_active.insert(name);
    it->timeline.clear();
    it->afterSync = {};
    m_oldHeads.remove(name);
    const RepoSpec *spec = m_workspace.repository(name);
    if (spec && !spec->withAfterSync(m_workspace.policy(spec->policy)).afterSync.isEmpty()) {
        QString head, branch;
        readHead(spec->path, &head, &branch);
        m_oldHeads.insert(name, head);
    }
}

void SyncSession::onAttemptStarted(const QString &name, int attempt, Trigger trigger)
{
    const auto it = m_states.find(name);
    if (it == m_states.end())
        return;
    m_active.insert(name);
    if (attempt == 1)
        m_runTriggers.insert(name, trigger);
    it->lastAttempt = QDateTime::currentDateTimeUtc();
    if (attempt == 1)
        emit synced(name, it->lastAttempt);
}

void SyncSession::onAttemptFinished(const QString &name, const AttemptRecord &record)
{
    const auto it = m_states.find(name);
    if (it == m_states.end())
        return;
    it->timeline.append(record);
    ++m_attemptsThisRun[name];
    if (!record.ok)
        ++m_failuresByCategory[categoryName(record.error.category)];
    markDirty(name);
}

void SyncSession::onFinished(const QString &name, const RepoResult &result)
{
    const auto it = m_states.find(name);
    if (it == m_states.end())
        return;
    const QList<AttemptRecord> timeline = it->timeline;
    recordResult(*it, result, timeline);
    m_unsaved[name].append({result, timeline});
    m_active.remove(name);
    markDirty(name);
    runAfterSync(name, result);
}

void SyncSession::runAfterSync(const QString &name, const RepoResult &result)
{
    const QString oldHead = m_oldHeads.take(name);
    const Trigger trigger = m_runTriggers.take(name);
    const RepoSpec *spec = m_workspace.repository(name);
    if (!spec || m_stopped)
        return;
    // The repository's own after_sync (or its "none") over its policy's.
    const RetryPolicy policy = spec->withAfterSync(m_workspace.policy(spec->policy));
    if (policy.afterSync.isEmpty() || result.outcome == Outcome::Cancelled
        || result.outcome == Outcome::None)
        return;
    if (result.outcome == Outcome::Failed && policy.afterSyncOn != AfterSyncOn::Any)
        return;
    HookRequest r;
    r.command = policy.afterSync;
    r.name = name;
    r.path = spec->path;
    r.url = RemoteUrl::parse(spec->url).redacted();
    r.outcome = outcomeName(result.outcome);
    r.reason = result.reason;
    const bool failed = result.outcome == Outcome::Failed;
    r.category = failed ? categoryName(result.error.category) : QString();
    r.message = redactUrlsInText(failed ? result.error.text() : result.detail);
    r.trigger = triggerName(trigger);
    r.oldHead = oldHead;
    readHead(spec->path, &r.newHead, &r.branch);
    r.attempts = result.attempts;
    r.timeout = policy.afterSyncTimeout;
    m_hooks->start(r);
}

void SyncSession::onHookFinished(const QString &name, const HookResult &result)
{
    // One record in the attempt log; the command itself is not written (it
    // is the user's own text and may carry a token).
    QJsonObject o{
        {QStringLiteral("record"), QStringLiteral("after_sync")},
        {QStringLiteral("repo"), name},
        {QStringLiteral("ok"), result.ok()},
        {QStringLiteral("exit_code"), result.exitCode},
        {QStringLiteral("timed_out"), result.timedOut},
        {QStringLiteral("duration_ms"), result.durationMs},
        {QStringLiteral("error"), result.error},
        {QStringLiteral("output"), redactUrlsInText(result.output)},
    };
    const std::string line = QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
    if (result.ok())
        spdlog::info("{}", line);
    else
        spdlog::warn("{}", line);
    // The timeline's row for it, kept in the state file; not when a newer
    // run of the repository has begun meanwhile (its timeline replaced the
    // one this command followed).
    if (const auto it = m_states.find(name); it != m_states.end() && !m_active.contains(name)) {
        AfterSyncRecord rec;
        rec.started = QDateTime::currentDateTimeUtc().addMSecs(-result.durationMs);
        rec.durationMs = result.durationMs;
        rec.exitCode = result.exitCode;
        rec.timedOut = result.timedOut;
        rec.killed = result.killed;
        rec.startFailed = result.startFailed;
        rec.error = withoutControlCharacters(redactUrlsInText(result.error))
                        .left(AfterSyncRecord::kMaxError);
        rec.output = withoutControlCharacters(redactUrlsInText(result.output))
                         .left(AfterSyncRecord::kMaxOutput);
        it->afterSync = rec;
        m_unsavedHooks.insert(name, rec);
        markDirty(name);
        emit stateChanged(name);
    }
    emit afterSyncFinished(name, result);
    if (isIdle())
        emit idle();
}

void SyncSession::markDirty(const QString &name)
{
    m_dirty.insert(name);
    if (m_loaded && !m_stopped && !m_statePath.isEmpty() && m_settings.saveDelayMs >= 0
        && !m_saveTimer.isActive())
        m_saveTimer.start();
}

void SyncSession::readState()
{
    if (m_statePath.isEmpty() || m_stopped)
        return;
    if (m_loadWatcher.isRunning()) {
        m_reloadTimer.start(); // read again once this read is done
        return;
    }
    const QString path = m_statePath;
    m_loadWatcher.setFuture(QtConcurrent::run([path] {
        Loaded loaded;
        loaded.exists = QFileInfo::exists(path);
        auto result = RepoStateStore::load(path);
        if (result)
            loaded.store = result.value();
        else
            loaded.error = result.error();
        return loaded;
    }));
}

void SyncSession::watchState(bool exists)
{
    // Writes are atomic renames: watch the folder too, and re-add the file.
    const QString dir = QFileInfo(m_statePath).absolutePath();
    if (!m_watcher.directories().contains(dir))
        m_watcher.addPath(dir);
    if (exists && !m_watcher.files().contains(m_statePath))
        m_watcher.addPath(m_statePath);
}

void SyncSession::adoptStore(const RepoStateStore &store)
{
    m_file = store;
    // What the file says about repositories that are neither syncing here
    // nor waiting to be written: at start everything, later other
    // processes' results (repodeck-cli runs, shards).
    for (auto it = m_states.begin(); it != m_states.end(); ++it) {
        const QString &name = it.key();
        if (m_active.contains(name) || m_dirty.contains(name) || m_unsaved.contains(name)
            || !m_file.contains(name))
            continue;
        const RepoState fromFile = m_file.state(name);
        if (fromFile == *it)
            continue;
        const bool newSync = fromFile.lastAttempt != it->lastAttempt;
        *it = fromFile;
        emit stateChanged(name);
        if (newSync && fromFile.lastAttempt.isValid())
            emit synced(name, fromFile.lastAttempt);
    }
}

void SyncSession::adoptFile(const Loaded &loaded)
{
    const bool first = !m_loaded;
    m_loaded = true;
    if (!m_stopped && m_watch)
        watchState(loaded.exists);
    if (!loaded.error.isEmpty()) {
        // Only a cache of past results: the next write (editStateStore)
        // keeps a damaged file aside as .damaged and starts afresh.
        if (first)
            emit stateError(tr("Past sync results could not be read: %1").arg(loaded.error));
    } else {
        adoptStore(loaded.store);
    }
    if (first) {
        emit stateLoaded();
        updatePlan();
    }
    if ((!m_dirty.isEmpty() || !m_removed.isEmpty()) && m_settings.saveDelayMs >= 0 && !m_stopped)
        m_saveTimer.start();
}

SyncSession::Pending SyncSession::takePending()
{
    Pending p;
    for (const QString &name : std::as_const(m_dirty)) {
        if (m_unsaved.contains(name))
            p.finished.insert(name, m_unsaved.take(name));
        if (m_active.contains(name))
            p.running.insert(name, m_states.value(name));
        if (m_unsavedHooks.contains(name))
            p.hooks.insert(name, m_unsavedHooks.take(name));
    }
    p.removed = m_removed;
    m_dirty.clear();
    m_removed.clear();
    return p;
}

SyncSession::Written SyncSession::write(const QString &path, const Pending &pending)
{
    Written w;
    w.error = editStateStore(
        path,
        [&](RepoStateStore &store) {
        // Finished runs fold into what the file says now, as if each had
        // been recorded the moment it ended.
        for (auto it = pending.finished.cbegin(); it != pending.finished.cend(); ++it) {
            RepoState st = store.state(it.key());
            for (const Run &run : it.value())
                recordResult(st, run.result, run.timeline);
            store.setState(it.key(), st);
        }
        // A run in progress shows its attempts so far.
        for (auto it = pending.running.cbegin(); it != pending.running.cend(); ++it) {
            RepoState st = store.state(it.key());
            st.timeline = it->timeline;
            st.lastAttempt = it->lastAttempt;
            st.afterSync = it->afterSync;
            store.setState(it.key(), st);
        }
        for (auto it = pending.hooks.cbegin(); it != pending.hooks.cend(); ++it) {
            RepoState st = store.state(it.key());
            st.afterSync = it.value();
            store.setState(it.key(), st);
        }
        for (const QString &name : pending.removed)
            store.remove(name);
        w.store = store;
        },
        &w.notice);
    return w;
}

void SyncSession::adoptWritten(const Written &written)
{
    if (!written.error.isEmpty()) {
        m_lastWriteError = written.error;
        emit stateError(written.error);
    } else {
        m_lastWriteError.clear();
        adoptStore(written.store);
    }
    if (!written.notice.isEmpty())
        m_lastNotice = written.notice;
    emit stateSaved();
    if (m_savePending && !m_stopped) {
        m_savePending = false;
        startSave();
    }
}

void SyncSession::startSave()
{
    if (!m_loaded || m_statePath.isEmpty() || (m_dirty.isEmpty() && m_removed.isEmpty()))
        return;
    if (m_saveWatcher.isRunning()) {
        m_savePending = true;
        return;
    }
    m_saveWatcher.setFuture(QtConcurrent::run(&SyncSession::write, m_statePath, takePending()));
}

QString SyncSession::saveNow()
{
    m_saveTimer.stop();
    m_saveWatcher.waitForFinished();
    m_savePending = false;
    if (!m_loaded || m_statePath.isEmpty() || (m_dirty.isEmpty() && m_removed.isEmpty()))
        return QString();
    const Written w = write(m_statePath, takePending());
    adoptWritten(w);
    return w.error;
}

void SyncSession::setMetricsFile(const QString &path, Millis interval,
                                 std::function<bool(const QString &)> covers)
{
    m_metricsPath = path;
    m_metricsCovers = std::move(covers);
    m_metricsTimer.stop();
    if (!path.isEmpty() && interval.count() > 0)
        m_metricsTimer.start(static_cast<int>(std::min<qint64>(interval.count(), INT_MAX)));
}

MetricsSnapshot SyncSession::metrics(bool runFinished) const
{
    MetricsSnapshot m;
    m.now = QDateTime::currentDateTimeUtc();
    m.runDurationMs = m_runClock.elapsed();
    m.runFinished = runFinished;
    // Every repository covered, not only those synced now: a run for a few
    // names must not make the others vanish from monitoring.
    for (const RepoSpec &r : m_workspace.repositories()) {
        if (m_metricsCovers && !m_metricsCovers(r.name))
            continue;
        m.repositories << r;
        m.states.setState(r.name, m_states.value(r.name));
        const QString host = hostKeyOf(r.url);
        m.hosts.insert(host, m_scheduler->hosts().state(host));
        m.attemptsByRepo.insert(r.name, m_attemptsThisRun.value(r.name));
    }
    for (auto it = m_workspace.policies().cbegin(); it != m_workspace.policies().cend(); ++it)
        m.policies.insert(it.key(), it.value());
    m.attemptFailures = m_failuresByCategory;
    return m;
}

QStringList SyncSession::finishRun(QString *notice)
{
    m_metricsTimer.stop();
    QStringList errors;
    if (const QString e = saveNow(); !e.isEmpty())
        errors << e;
    if (notice)
        *notice = m_lastNotice;
    if (!m_metricsPath.isEmpty()) {
        if (const QString e = writeMetricsFile(m_metricsPath, renderPrometheus(metrics(true)));
            !e.isEmpty())
            errors << e;
    }
    return errors;
}

void SyncSession::shutdown()
{
    m_stopped = true;
    m_planner->setItems({}); // no more scheduled syncs
    setWakeDetector(nullptr);
    m_reloadTimer.stop();
    m_metricsTimer.stop();
    m_watcher.disconnect();
    m_scheduler->setPaused(true);
    m_scheduler->cancelAll();
    m_hooks->cancelAll();
    m_scheduler->waitForWorkers();
    saveNow();
}

} // namespace repodeck::core
