#include "sync/Scheduler.h"

#include "net/AttemptContext.h"
#include "retry/Backoff.h"
#include "sync/SyncJob.h"

#include <QPointer>
#include <QTimer>

namespace repodeck::core {

struct Scheduler::Entry
{
    RepoSpec spec;
    RetryPolicy policy;
    State state = State::Queued;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
    int attempt = 0;            // attempts started so far
    QElapsedTimer sinceFirst;   // runs from the first attempt's start
    QDateTime firstStart;
    Millis previousDelay{0};
    qint64 bytes = 0;
    bool checkpoint = false;    // fetch in checkpointed steps from now on
    qint64 linkBytes = 0;       // what the link carried before the failure that switched to steps
    QTimer *timer = nullptr;    // retry or busy wait
    std::mt19937_64 rng;
};

Scheduler::Scheduler(QObject *parent)
    : QObject(parent)
{
    static const int registered = [] {
        qRegisterMetaType<TransferProgress>();
        qRegisterMetaType<AttemptRecord>();
        qRegisterMetaType<RepoResult>();
        return 0;
    }();
    Q_UNUSED(registered);
    m_pool.setMaxThreadCount(m_maxConcurrent);
    m_pool.setExpiryTimeout(30'000);
}

Scheduler::~Scheduler()
{
    // Shutdown order: stop timers, cancel jobs, wait for the pool.
    for (const auto &entry : std::as_const(m_entries)) {
        if (entry->timer)
            entry->timer->stop();
        entry->cancel->cancel();
    }
    m_pool.waitForDone();
}

void Scheduler::setMaxConcurrent(int jobs)
{
    m_maxConcurrent = std::max(1, jobs);
    m_pool.setMaxThreadCount(m_maxConcurrent);
    pump();
}

bool Scheduler::sync(const RepoSpec &spec, const RetryPolicy &policy)
{
    if (m_entries.contains(spec.name))
        return false;
    auto entry = std::make_shared<Entry>();
    entry->spec = spec;
    entry->policy = policy;
    entry->checkpoint = policy.checkpoint == Checkpoint::Always;
    entry->rng.seed(m_seeded ? m_seed ^ qHash(spec.name) : std::random_device{}());
    m_entries.insert(spec.name, entry);
    m_pending.enqueue(spec.name);
    emit queued(spec.name);
    // Start on the next event-loop turn so callers can connect and enqueue a
    // batch first.
    QTimer::singleShot(0, this, &Scheduler::pump);
    return true;
}

Scheduler::State Scheduler::state(const QString &name) const
{
    const auto it = m_entries.constFind(name);
    return it == m_entries.constEnd() ? State::Idle : (*it)->state;
}

void Scheduler::cancel(const QString &name)
{
    const auto it = m_entries.find(name);
    if (it == m_entries.end())
        return;
    Entry &entry = **it;
    entry.cancel->cancel();
    if (entry.state == State::Running)
        return; // the worker notices within ~50 ms and reports back
    if (entry.timer)
        entry.timer->stop();
    m_pending.removeAll(name);
    RepoResult result;
    result.outcome = Outcome::Cancelled;
    result.attempts = entry.attempt;
    result.error.category = ErrorCategory::Cancelled;
    result.error.message = QStringLiteral("Cancelled.");
    result.bytes = entry.bytes;
    finish(name, result);
}

void Scheduler::cancelAll()
{
    const QStringList names = m_entries.keys();
    for (const QString &name : names)
        cancel(name);
}

void Scheduler::setPaused(bool paused)
{
    m_paused = paused;
    if (!paused)
        pump();
}

void Scheduler::pump()
{
    while (!m_paused && m_running < m_maxConcurrent && !m_pending.isEmpty()) {
        const QString name = m_pending.dequeue();
        const auto it = m_entries.find(name);
        if (it == m_entries.end())
            continue;
        startAttempt(**it);
    }
}

void Scheduler::startAttempt(Entry &entry)
{
    entry.state = State::Running;
    ++m_running;
    ++entry.attempt;
    if (!entry.sinceFirst.isValid()) {
        entry.sinceFirst.start();
        entry.firstStart = QDateTime::currentDateTimeUtc();
    }
    emit attemptStarted(entry.spec.name, entry.attempt, entry.policy.maxAttempts);

    // Never let one attempt run past the total deadline.
    RetryPolicy policy = entry.policy;
    const Millis left = policy.deadline - Millis(entry.sinceFirst.elapsed());
    policy.attemptTimeout = std::max(Millis(1), std::min(policy.attemptTimeout, left));

    const QString name = entry.spec.name;
    QPointer<Scheduler> self(this);
    auto sink = [self, name](const TransferProgress &p) {
        QMetaObject::invokeMethod(self, [self, name, p] {
            if (self)
                emit self->progress(name, p);
        }, Qt::QueuedConnection);
    };
    auto job = std::make_shared<SyncJob>(entry.spec, policy, entry.cancel, sink, entry.checkpoint, entry.linkBytes);
    const QDateTime started = QDateTime::currentDateTimeUtc();
    m_pool.start([self, job, name, started] {
        QElapsedTimer clock;
        clock.start();
        const AttemptOutcome outcome = job->run();
        const qint64 elapsed = clock.elapsed();
        QMetaObject::invokeMethod(self, [self, name, outcome, elapsed, started] {
            if (self)
                self->onAttemptDone(name, outcome, elapsed, started);
        }, Qt::QueuedConnection);
    });
}

void Scheduler::onAttemptDone(const QString &name, const AttemptOutcome &outcome, qint64 elapsedMs,
                              QDateTime started)
{
    --m_running;
    const auto it = m_entries.find(name);
    if (it == m_entries.end()) {
        pump();
        return;
    }
    Entry &entry = **it;
    entry.bytes += outcome.bytes;
    if (outcome.suggestCheckpoint) {
        entry.checkpoint = true;
        entry.linkBytes = outcome.bytes;
    }

    if (outcome.busy && !entry.cancel->isCancelled()) {
        // Not an attempt: another RepoDeck holds the repository. Wait for it
        // (bounded by the deadline) instead of failing a cron run.
        --entry.attempt;
        if (Millis(entry.sinceFirst.elapsed()) + m_busyInterval < entry.policy.deadline) {
            emit waitingForLock(name, outcome.busyDetail);
            waitThenRun(entry, m_busyInterval);
            pump();
            return;
        }
        RepoResult result;
        result.outcome = Outcome::Failed;
        result.attempts = entry.attempt;
        result.error = SyncError::local(
            QStringLiteral("Another RepoDeck process (%1) kept the repository busy until the deadline.")
                .arg(outcome.busyDetail),
            QStringLiteral("Let that sync finish, or raise the policy's deadline."));
        finish(name, result);
        pump();
        return;
    }

    AttemptRecord record;
    record.attempt = entry.attempt;
    record.maxAttempts = entry.policy.maxAttempts;
    record.started = started;
    record.duration = Millis(elapsedMs);
    record.bytes = outcome.bytes;
    record.ok = outcome.outcome != Outcome::Failed && outcome.outcome != Outcome::Cancelled;
    record.error = outcome.error;
    if (entry.cancel->isCancelled() && !record.ok) {
        record.error.category = ErrorCategory::Cancelled;
        record.error.transient = false;
    }

    const bool retry = !record.ok && record.error.transient && entry.attempt < entry.policy.maxAttempts
                       && !entry.cancel->isCancelled();
    QString gaveUp;
    if (retry) {
        const Millis delay = backoff::delay(entry.policy, entry.attempt, entry.previousDelay.count() > 0
                                                                             ? entry.previousDelay
                                                                             : entry.policy.initialDelay,
                                            entry.rng);
        if (Millis(entry.sinceFirst.elapsed()) + delay < entry.policy.deadline) {
            entry.previousDelay = delay;
            record.retryIn = delay;
            emit attemptFinished(name, record);
            waitThenRun(entry, delay);
            pump();
            return;
        }
        gaveUp = QStringLiteral("Gave up: the next attempt would pass the policy's %1 deadline.")
                     .arg(humanDuration(entry.policy.deadline));
    } else if (!record.ok && record.error.transient && !entry.cancel->isCancelled()) {
        gaveUp = QStringLiteral("Gave up after %1 attempt(s).").arg(entry.attempt);
    }
    emit attemptFinished(name, record);

    RepoResult result;
    result.outcome = record.ok ? outcome.outcome
                               : (record.error.category == ErrorCategory::Cancelled ? Outcome::Cancelled
                                                                                    : Outcome::Failed);
    result.attempts = entry.attempt;
    result.reason = outcome.reason;
    result.detail = outcome.detail;
    result.error = record.error;
    if (!gaveUp.isEmpty())
        result.error.hint = gaveUp + QLatin1Char(' ') + result.error.hint;
    result.bytes = entry.bytes;
    finish(name, result);
    pump();
}

void Scheduler::waitThenRun(Entry &entry, Millis delay)
{
    entry.state = State::Waiting;
    if (!entry.timer) {
        entry.timer = new QTimer(this);
        entry.timer->setSingleShot(true);
        entry.timer->setTimerType(Qt::PreciseTimer);
        const QString name = entry.spec.name;
        connect(entry.timer, &QTimer::timeout, this, [this, name] {
            const auto it = m_entries.find(name);
            if (it == m_entries.end())
                return;
            (*it)->state = State::Queued;
            m_pending.enqueue(name);
            pump();
        });
    }
    entry.timer->start(static_cast<int>(std::min<qint64>(delay.count(), INT_MAX)));
}

void Scheduler::finish(const QString &name, RepoResult result)
{
    const auto it = m_entries.find(name);
    if (it == m_entries.end())
        return;
    const std::shared_ptr<Entry> entry = *it;
    m_entries.erase(it);
    if (entry->timer) {
        entry->timer->stop();
        entry->timer->deleteLater();
        entry->timer = nullptr;
    }
    result.finished = QDateTime::currentDateTimeUtc();
    result.duration = entry->sinceFirst.isValid() ? Millis(entry->sinceFirst.elapsed()) : Millis(0);
    emit finished(name, result);
    if (m_entries.isEmpty())
        emit allFinished();
}

} // namespace repodeck::core
