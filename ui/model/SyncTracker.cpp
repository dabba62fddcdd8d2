#include "model/SyncTracker.h"

#include "model/RepoTableModel.h"
#include "state/StateEditor.h"
#include "sync/Scheduler.h"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace repodeck::ui {

namespace {
QDateTime now()
{
    return QDateTime::currentDateTimeUtc();
}
} // namespace

SyncTracker::SyncTracker(core::Scheduler *scheduler, RepoTableModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
{
    m_monotonic.start();
    connect(scheduler, &core::Scheduler::queued, this, &SyncTracker::onQueued);
    connect(scheduler, &core::Scheduler::held, this, &SyncTracker::onHeld);
    connect(scheduler, &core::Scheduler::attemptStarted, this, &SyncTracker::onAttemptStarted);
    connect(scheduler, &core::Scheduler::progress, this, &SyncTracker::onProgress);
    connect(scheduler, &core::Scheduler::attemptFinished, this, &SyncTracker::onAttemptFinished);
    connect(scheduler, &core::Scheduler::waitingForLock, this, &SyncTracker::onWaitingForLock);
    connect(scheduler, &core::Scheduler::finished, this, &SyncTracker::onFinished);

    m_rateTimer.setInterval(1000);
    connect(&m_rateTimer, &QTimer::timeout, this, &SyncTracker::zeroStalledRates);
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(1000);
    connect(&m_saveTimer, &QTimer::timeout, this, &SyncTracker::startSave);
    m_reloadTimer.setSingleShot(true);
    m_reloadTimer.setInterval(300);
    connect(&m_reloadTimer, &QTimer::timeout, this, &SyncTracker::readState);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, &m_reloadTimer, qOverload<>(&QTimer::start));
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, &m_reloadTimer, qOverload<>(&QTimer::start));
    connect(&m_loadWatcher, &QFutureWatcher<Loaded>::finished, this, &SyncTracker::onStateRead);
    connect(&m_saveWatcher, &QFutureWatcher<QString>::finished, this, [this] {
        if (const QString error = m_saveWatcher.result(); !error.isEmpty())
            emit stateError(error);
        emit stateSaved();
        if (m_savePending && !m_stopped) {
            m_savePending = false;
            startSave();
        }
    });
}

SyncTracker::~SyncTracker()
{
    stop();
    m_loadWatcher.waitForFinished();
    m_saveWatcher.waitForFinished();
}

void SyncTracker::loadState(const QString &path)
{
    m_statePath = path;
    readState();
}

void SyncTracker::readState()
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
        auto result = core::RepoStateStore::load(path);
        if (result)
            loaded.store = result.value();
        else
            loaded.error = result.error();
        return loaded;
    }));
}

void SyncTracker::onStateRead()
{
    const Loaded loaded = m_loadWatcher.result();
    const bool first = !m_loaded;
    m_loaded = true;
    watchState(loaded.exists);
    if (!loaded.error.isEmpty()) {
        // A damaged file is only a cache of past results; the next write
        // (through editStateStore) keeps it aside as .damaged and starts afresh.
        if (first) {
            emit stateError(tr("Past sync results could not be read: %1").arg(loaded.error));
            emit stateLoaded();
        }
        return;
    }
    m_file = loaded.store;
    // Adopt what the file says about repositories that are neither syncing
    // here nor waiting to be written: at start-up everything, later the
    // results of repodeck-cli runs.
    for (auto it = m_statuses.begin(); it != m_statuses.end(); ++it) {
        if (it->activity != Activity::Idle || m_dirty.contains(it.key()) || !m_file.contains(it.key()))
            continue;
        const core::RepoState fromFile = m_file.state(it.key());
        if (fromFile == it->last)
            continue;
        const bool newSync = fromFile.lastAttempt != it->last.lastAttempt;
        it->last = fromFile;
        publish(it.key(), *it);
        emit timelineChanged(it.key());
        if (newSync && fromFile.lastAttempt.isValid())
            emit synced(it.key(), fromFile.lastAttempt);
    }
    if (first)
        emit stateLoaded();
    if (!m_dirty.isEmpty() || !m_removed.isEmpty())
        m_saveTimer.start();
}

void SyncTracker::watchState(bool fileExists)
{
    // Writes are atomic renames: watch the folder too, and re-add the file.
    const QString dir = QFileInfo(m_statePath).absolutePath();
    if (!m_watcher.directories().contains(dir))
        m_watcher.addPath(dir);
    if (fileExists && !m_watcher.files().contains(m_statePath))
        m_watcher.addPath(m_statePath);
}

void SyncTracker::setRepositories(const QStringList &names)
{
    const QSet<QString> wanted(names.begin(), names.end());
    for (auto it = m_statuses.begin(); it != m_statuses.end();) {
        if (wanted.contains(it.key())) {
            ++it;
            continue;
        }
        m_meters.remove(it.key());
        m_dirty.remove(it.key());
        m_removed.insert(it.key());
        it = m_statuses.erase(it);
    }
    for (const QString &name : names) {
        m_removed.remove(name);
        if (m_statuses.contains(name))
            continue;
        RepoStatus status;
        status.last = m_file.state(name);
        m_statuses.insert(name, status);
        publish(name, status);
    }
    if (!m_removed.isEmpty() && m_loaded && !m_saveTimer.isActive())
        m_saveTimer.start();
}

void SyncTracker::publish(const QString &name, const RepoStatus &status)
{
    m_model->setStatus(name, status);
}

void SyncTracker::changed(const QString &name)
{
    m_dirty.insert(name);
    if (m_loaded && !m_stopped && !m_statePath.isEmpty() && !m_saveTimer.isActive())
        m_saveTimer.start();
}

void SyncTracker::onQueued(const QString &name)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    if (it->activity == Activity::Idle) {
        // A new run: its attempts replace the previous run's timeline.
        it->attempt = 0;
        it->last.timeline.clear();
        emit timelineChanged(name);
    }
    it->activity = Activity::Queued;
    publish(name, *it);
}

void SyncTracker::onHeld(const QString &name, const QString &reason)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->activity = Activity::Held;
    it->heldReason = reason;
    publish(name, *it);
}

void SyncTracker::onAttemptStarted(const QString &name, int attempt, int maxAttempts)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->activity = Activity::Running;
    it->attempt = attempt;
    it->maxAttempts = maxAttempts;
    it->attemptStarted = now();
    it->progress = {};
    it->bytesPerSecond = 0.0;
    it->heldReason.clear();
    it->last.lastAttempt = it->attemptStarted;
    m_meters[name].reset();
    if (!m_rateTimer.isActive())
        m_rateTimer.start();
    publish(name, *it);
    emit timelineChanged(name);
    if (attempt == 1)
        emit synced(name, it->attemptStarted);
}

void SyncTracker::onProgress(const QString &name, const core::TransferProgress &progress)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end() || it->activity != Activity::Running)
        return;
    it->progress = progress;
    it->bytesPerSecond = m_meters[name].add(m_monotonic.elapsed(), progress.receivedBytes);
    publish(name, *it);
}

void SyncTracker::onAttemptFinished(const QString &name, const core::AttemptRecord &record)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->last.timeline.append(record);
    it->bytesPerSecond = 0.0;
    m_meters.remove(name);
    if (record.retryIn.count() >= 0) {
        it->activity = Activity::WaitingRetry;
        it->retryAt = now().addMSecs(record.retryIn.count());
        it->lastAttemptError = record.error;
    } else {
        // Either the run ends now (finished follows at once) or the engine
        // requeued it without counting the attempt (offline).
        it->activity = Activity::Queued;
    }
    publish(name, *it);
    emit timelineChanged(name);
    changed(name);
}

void SyncTracker::onWaitingForLock(const QString &name, const QString &holder)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->activity = Activity::WaitingLock;
    it->lockHolder = holder;
    m_meters.remove(name);
    publish(name, *it);
}

void SyncTracker::onFinished(const QString &name, const core::RepoResult &result)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    RepoStatus &st = *it;
    const int failedBefore = st.last.consecutiveFailures;
    st.activity = Activity::Idle;
    st.progress = {};
    st.bytesPerSecond = 0.0;
    st.lockHolder.clear();
    st.heldReason.clear();
    st.lastAttemptError = {};
    m_meters.remove(name);

    // The same bookkeeping as repodeck-cli, so both leave the same file.
    const QList<core::AttemptRecord> timeline = st.last.timeline;
    core::recordResult(st.last, result, timeline);
    if (result.outcome == core::Outcome::Failed && failedBefore == 0)
        emit failedPermanently(name, result.error.text());
    else if (st.last.consecutiveFailures == 0 && failedBefore > 0 && result.outcome != core::Outcome::Cancelled)
        emit recovered(name, failedBefore);
    publish(name, st);
    emit timelineChanged(name);
    changed(name);
}

void SyncTracker::zeroStalledRates()
{
    // Progress only arrives with bytes; a stalled transfer would otherwise
    // keep showing its last rate.
    const qint64 nowMs = m_monotonic.elapsed();
    for (auto it = m_meters.begin(); it != m_meters.end(); ++it) {
        const qint64 idle = it->idleFor(nowMs);
        auto st = m_statuses.find(it.key());
        if (idle > 2000 && st != m_statuses.end() && st->bytesPerSecond > 0.0) {
            st->bytesPerSecond = 0.0;
            it->reset();
            publish(it.key(), *st);
        }
    }
    if (m_meters.isEmpty())
        m_rateTimer.stop();
}

SyncTracker::Pending SyncTracker::takePending()
{
    Pending p;
    for (const QString &name : std::as_const(m_dirty)) {
        p.changes.insert(name, m_statuses.value(name).last);
        m_file.setState(name, m_statuses.value(name).last);
    }
    p.removed = m_removed;
    m_dirty.clear();
    m_removed.clear();
    return p;
}

QString SyncTracker::write(const QString &path, const Pending &pending)
{
    return core::editStateStore(path, [&pending](core::RepoStateStore &store) {
        for (auto it = pending.changes.cbegin(); it != pending.changes.cend(); ++it)
            store.setState(it.key(), it.value());
        for (const QString &name : pending.removed)
            store.remove(name);
    });
}

void SyncTracker::startSave()
{
    if (!m_loaded || m_statePath.isEmpty() || (m_dirty.isEmpty() && m_removed.isEmpty()))
        return;
    if (m_saveWatcher.isRunning()) {
        m_savePending = true;
        return;
    }
    m_saveWatcher.setFuture(QtConcurrent::run(&SyncTracker::write, m_statePath, takePending()));
}

void SyncTracker::stop()
{
    m_stopped = true;
    m_rateTimer.stop();
    m_saveTimer.stop();
    m_reloadTimer.stop();
    m_watcher.disconnect();
}

void SyncTracker::saveNow()
{
    stop();
    m_saveWatcher.waitForFinished();
    m_savePending = false;
    if (!m_loaded || m_statePath.isEmpty() || (m_dirty.isEmpty() && m_removed.isEmpty()))
        return;
    // Shutdown only: the window is gone, so this write blocks nobody.
    if (const QString error = write(m_statePath, takePending()); !error.isEmpty())
        emit stateError(error);
}

} // namespace repodeck::ui
