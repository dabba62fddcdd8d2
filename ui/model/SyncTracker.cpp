#include "model/SyncTracker.h"

#include "model/RepoTableModel.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"

namespace repodeck::ui {

namespace {
QDateTime now()
{
    return QDateTime::currentDateTimeUtc();
}
} // namespace

SyncTracker::SyncTracker(core::SyncSession *session, RepoTableModel *model, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_model(model)
{
    m_monotonic.start();
    // The session connected to its scheduler first: by the time a signal
    // arrives here, session->state() already holds what it recorded.
    core::Scheduler *scheduler = session->scheduler();
    connect(scheduler, &core::Scheduler::queued, this, &SyncTracker::onQueued);
    connect(scheduler, &core::Scheduler::held, this, &SyncTracker::onHeld);
    connect(scheduler, &core::Scheduler::attemptStarted, this,
            [this](const QString &name, int attempt, int maxAttempts) {
        onAttemptStarted(name, attempt, maxAttempts);
    });
    connect(scheduler, &core::Scheduler::progress, this, &SyncTracker::onProgress);
    connect(scheduler, &core::Scheduler::attemptFinished, this, &SyncTracker::onAttemptFinished);
    connect(scheduler, &core::Scheduler::waitingForLock, this, &SyncTracker::onWaitingForLock);
    connect(scheduler, &core::Scheduler::finished, this, &SyncTracker::onFinished);
    connect(session, &core::SyncSession::stateChanged, this, &SyncTracker::onStateChanged);
    connect(session, &core::SyncSession::synced, this, &SyncTracker::synced);
    connect(session, &core::SyncSession::stateLoaded, this, &SyncTracker::stateLoaded);
    connect(session, &core::SyncSession::stateSaved, this, &SyncTracker::stateSaved);
    connect(session, &core::SyncSession::stateError, this, &SyncTracker::stateError);

    m_rateTimer.setInterval(1000);
    connect(&m_rateTimer, &QTimer::timeout, this, &SyncTracker::zeroStalledRates);
}

SyncTracker::~SyncTracker()
{
    stop();
}

bool SyncTracker::isStateLoaded() const
{
    return m_session->isStateLoaded();
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
        it = m_statuses.erase(it);
    }
    for (const QString &name : names) {
        if (m_statuses.contains(name))
            continue;
        RepoStatus status;
        status.last = m_session->state(name);
        m_statuses.insert(name, status);
        publish(name, status);
    }
}

void SyncTracker::publish(const QString &name, const RepoStatus &status)
{
    if (!m_stopped)
        m_model->setStatus(name, status);
}

void SyncTracker::onStateChanged(const QString &name)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->last = m_session->state(name);
    publish(name, *it);
    emit timelineChanged(name);
}

void SyncTracker::onQueued(const QString &name)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    if (it->activity == core::Activity::Idle) {
        // A new run: its attempts replace the previous run's timeline.
        it->attempt = 0;
        it->last = m_session->state(name);
        emit timelineChanged(name);
    }
    it->activity = core::Activity::Queued;
    publish(name, *it);
}

void SyncTracker::onHeld(const QString &name, const QString &reason)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->activity = core::Activity::Held;
    it->heldReason = reason;
    publish(name, *it);
}

void SyncTracker::onAttemptStarted(const QString &name, int attempt, int maxAttempts)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->activity = core::Activity::Running;
    it->attempt = attempt;
    it->maxAttempts = maxAttempts;
    it->attemptStarted = now();
    it->progress = {};
    it->bytesPerSecond = 0.0;
    it->heldReason.clear();
    it->last = m_session->state(name);
    m_meters[name].reset();
    if (!m_rateTimer.isActive() && !m_stopped)
        m_rateTimer.start();
    publish(name, *it);
    emit timelineChanged(name);
}

void SyncTracker::onProgress(const QString &name, const core::TransferProgress &progress)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end() || it->activity != core::Activity::Running)
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
    it->last = m_session->state(name);
    it->bytesPerSecond = 0.0;
    m_meters.remove(name);
    if (record.retryIn.count() >= 0) {
        it->activity = core::Activity::Waiting;
        it->retryAt = now().addMSecs(record.retryIn.count());
        it->lastAttemptError = record.error;
    } else {
        // Either the run ends now (finished follows at once) or the engine
        // requeued it without counting the attempt (offline).
        it->activity = core::Activity::Queued;
    }
    publish(name, *it);
    emit timelineChanged(name);
}

void SyncTracker::onWaitingForLock(const QString &name, const QString &holder)
{
    const auto it = m_statuses.find(name);
    if (it == m_statuses.end())
        return;
    it->activity = core::Activity::WaitingLock;
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
    st.activity = core::Activity::Idle;
    st.progress = {};
    st.bytesPerSecond = 0.0;
    st.lockHolder.clear();
    st.heldReason.clear();
    st.lastAttemptError = {};
    m_meters.remove(name);
    st.last = m_session->state(name); // the session recorded the result
    if (result.outcome == core::Outcome::Failed && failedBefore == 0)
        emit failedPermanently(name, result.error.text());
    else if (st.last.consecutiveFailures == 0 && failedBefore > 0
             && result.outcome != core::Outcome::Cancelled)
        emit recovered(name, failedBefore);
    publish(name, st);
    emit timelineChanged(name);
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

void SyncTracker::stop()
{
    m_stopped = true;
    m_rateTimer.stop();
}

} // namespace repodeck::ui
