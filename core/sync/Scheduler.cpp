#include "sync/Scheduler.h"

#include "net/AttemptContext.h"
#include "net/Reachability.h"
#include "retry/Backoff.h"
#include "retry/ErrorClassifier.h"
#include "sync/SyncJob.h"
#include "util/RemoteUrl.h"

#include <QUrl>

namespace repodeck::core {

using Clock = std::chrono::steady_clock;

struct Scheduler::Entry
{
    RepoSpec spec;
    RetryPolicy policy;
    QString host;
    State state = State::Queued;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
    int attempt = 0;            // attempts counted so far
    QElapsedTimer sinceFirst;   // the deadline clock: from the first attempt, or from first being held
    Millis previousDelay{0};
    qint64 bytes = 0;
    bool checkpoint = false;    // fetch in checkpointed steps from now on
    qint64 linkBytes = 0;       // what the link carried before the failure that switched to steps
    bool probe = false;         // the running attempt is its host's breaker probe
    bool retrying = false;      // the running attempt is a retry (counts against the budget)
    QString heldReason;
    bool heldOffline = false;
    Clock::time_point notBefore{};   // jittered restart after going online / waking
    QDateTime dueWall;               // when the retry timer should fire, on the wall clock
    QTimer *timer = nullptr;         // retry or busy wait
    std::mt19937_64 rng;
};

Scheduler::Scheduler(QObject *parent)
    : QObject(parent)
{
    static const int registered = [] {
        qRegisterMetaType<TransferProgress>();
        qRegisterMetaType<AttemptRecord>();
        qRegisterMetaType<RepoResult>();
        qRegisterMetaType<BreakerState>();
        return 0;
    }();
    Q_UNUSED(registered);
    m_pool.setMaxThreadCount(m_maxConcurrent);
    m_pool.setExpiryTimeout(30'000);
    m_wakeTimer.setSingleShot(true);
    m_wakeTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_wakeTimer, &QTimer::timeout, this, &Scheduler::pump);
}

Scheduler::~Scheduler()
{
    // Shutdown order: stop timers, cancel jobs, wait for the pool.
    m_wakeTimer.stop();
    for (const auto &entry : std::as_const(m_entries)) {
        if (entry->timer)
            entry->timer->stop();
        entry->cancel->cancel();
    }
    m_pool.waitForDone();
}

QString Scheduler::hostKey(const QString &url)
{
    const RemoteUrl remote = RemoteUrl::parse(url);
    if (!remote.isNetwork())
        return QStringLiteral("local");
    const QUrl parsed(remote.redacted());
    const int port = parsed.port();
    return port > 0 ? QStringLiteral("%1:%2").arg(remote.host().toLower()).arg(port) : remote.host().toLower();
}

bool Scheduler::isLoopbackHost(const QString &key)
{
    const QString host = key.section(QLatin1Char(':'), 0, 0);
    return key == QLatin1String("local") || host == QLatin1String("localhost")
           || host.startsWith(QLatin1String("127.")) || key.startsWith(QLatin1String("[::1]"));
}

void Scheduler::setSeed(quint64 seed)
{
    m_seed = seed;
    m_seeded = true;
    m_rng.seed(seed);
    m_gate = HostGate(m_gate.config(), seed);
}

void Scheduler::setMaxConcurrent(int jobs)
{
    m_maxConcurrent = std::max(1, jobs);
    m_pool.setMaxThreadCount(m_maxConcurrent);
    pump();
}

void Scheduler::setReachability(Reachability *reachability)
{
    if (m_reachability)
        disconnect(m_reachability, nullptr, this, nullptr);
    m_reachability = reachability;
    if (reachability) {
        connect(reachability, &Reachability::onlineChanged, this, &Scheduler::onOnlineChanged);
        onOnlineChanged(reachability->isOnline());
    }
}

Millis Scheduler::randomSpread(Millis spread)
{
    if (spread.count() <= 0)
        return Millis(0);
    std::uniform_int_distribution<qint64> pick(0, spread.count());
    return Millis(pick(m_rng));
}

void Scheduler::onOnlineChanged(bool online)
{
    if (online == m_online)
        return;
    m_online = online;
    emit onlineChanged(online);
    if (!online)
        return;
    // Back online: everyone held resumes promptly, spread so they do not all
    // connect in the same millisecond; offline time does not count against
    // their deadlines.
    const auto now = Clock::now();
    for (const QString &name : std::as_const(m_pending)) {
        Entry &e = *m_entries.value(name);
        e.notBefore = now + randomSpread(m_resumeSpread);
        if (e.heldOffline) {
            e.heldOffline = false;
            e.heldReason.clear();
            if (e.sinceFirst.isValid())
                e.sinceFirst.restart();
        }
    }
    pump();
}

void Scheduler::handleResumedFromSleep(const QDateTime &now)
{
    for (const auto &entry : std::as_const(m_entries)) {
        if (entry->state != State::Waiting || !entry->timer || !entry->timer->isActive() || !entry->dueWall.isValid())
            continue;
        // QTimer runs on the monotonic clock, which stood still while asleep.
        if (entry->dueWall <= now)
            entry->timer->start(static_cast<int>(randomSpread(m_resumeSpread).count()));
    }
    pump();
}

bool Scheduler::sync(const RepoSpec &spec, const RetryPolicy &policy)
{
    if (m_entries.contains(spec.name))
        return false;
    auto entry = std::make_shared<Entry>();
    entry->spec = spec;
    entry->policy = policy;
    entry->host = hostKey(spec.url);
    entry->checkpoint = policy.checkpoint == Checkpoint::Always;
    entry->rng.seed(m_seeded ? m_seed ^ qHash(spec.name, 0) : std::random_device{}());
    m_entries.insert(spec.name, entry);
    m_pending.append(spec.name);
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

void Scheduler::hold(Entry &entry, const QString &reason)
{
    if (!entry.sinceFirst.isValid())
        entry.sinceFirst.start(); // held counts toward the deadline: it is due
    if (entry.heldReason != reason) {
        entry.heldReason = reason;
        emit held(entry.spec.name, reason);
    }
}

void Scheduler::pump()
{
    if (m_paused)
        return;
    failHeldPastDeadline();
    const auto now = Clock::now();
    for (qsizetype i = 0; i < m_pending.size() && m_running < m_maxConcurrent;) {
        const QString name = m_pending.at(i);
        Entry &entry = *m_entries.value(name);
        if (heldByOffline(entry.host)) {
            entry.heldOffline = true;
            hold(entry, QStringLiteral("offline: waiting for the network"));
            ++i;
            continue;
        }
        if (entry.notBefore > now) {
            ++i;
            continue;
        }
        const bool isRetry = entry.attempt > 0;
        const HostGate::Verdict verdict = m_gate.admit(entry.host, isRetry, now);
        if (verdict == HostGate::Verdict::Go || verdict == HostGate::Verdict::Probe) {
            m_pending.removeAt(i);
            startAttempt(entry, verdict == HostGate::Verdict::Probe);
            continue;
        }
        if (verdict == HostGate::Verdict::BreakerOpen) {
            const qint64 in = std::chrono::duration_cast<Millis>(m_gate.reopenAt(entry.host) - now).count();
            hold(entry, QStringLiteral("%1 is paused after %2 failures in a row; probing it in %3")
                            .arg(entry.host).arg(m_gate.consecutiveFailures(entry.host))
                            .arg(humanDuration(Millis(std::max<qint64>(0, in)))));
        }
        ++i;
    }
    armWakeTimer();
}

void Scheduler::armWakeTimer()
{
    const auto now = Clock::now();
    std::optional<Clock::time_point> next = m_gate.nextReopen();
    for (const QString &name : std::as_const(m_pending)) {
        const Entry &e = *m_entries.value(name);
        if (e.notBefore > now && (!next || e.notBefore < *next))
            next = e.notBefore;
        if (!e.heldReason.isEmpty() && e.sinceFirst.isValid() && (!e.heldOffline || m_offlineDeadline)) {
            const auto deadline = now + (e.policy.deadline - Millis(e.sinceFirst.elapsed()));
            if (!next || deadline < *next)
                next = deadline;
        }
    }
    if (!next) {
        m_wakeTimer.stop();
        return;
    }
    const qint64 ms = std::chrono::duration_cast<Millis>(*next - now).count();
    m_wakeTimer.start(static_cast<int>(std::clamp<qint64>(ms + 1, 0, INT_MAX)));
}

void Scheduler::failHeldPastDeadline()
{
    const QStringList pending = m_pending;
    for (const QString &name : pending) {
        Entry &e = *m_entries.value(name);
        if (e.heldReason.isEmpty() || (e.heldOffline && !m_offlineDeadline) || !e.sinceFirst.isValid()
            || Millis(e.sinceFirst.elapsed()) < e.policy.deadline)
            continue;
        m_pending.removeAll(name);
        RepoResult result;
        result.outcome = Outcome::Failed;
        result.attempts = e.attempt;
        if (e.heldOffline) {
            result.error.category = ErrorCategory::Network;
            result.error.transient = true;
            result.error.message = QStringLiteral("The machine stayed offline.");
            result.error.hint = QStringLiteral("Gave up at the policy's %1 deadline without spending an attempt; "
                                               "sync again once the network is back.")
                                    .arg(humanDuration(e.policy.deadline));
            result.bytes = e.bytes;
            finish(name, result);
            continue;
        }
        result.error = m_hostLastError.value(e.host);
        if (!result.error.isError()) {
            result.error.category = ErrorCategory::Network;
            result.error.transient = true;
            result.error.message = QStringLiteral("%1 kept failing.").arg(e.host);
        }
        result.error.hint = QStringLiteral("Gave up at the policy's %1 deadline: %2 failed %3 times in a row, so "
                                           "RepoDeck paused it and its probes kept failing. Check that the server is up "
                                           "and reachable; RepoDeck will try again on the next sync.")
                                .arg(humanDuration(e.policy.deadline), e.host)
                                .arg(m_gate.consecutiveFailures(e.host));
        result.bytes = e.bytes;
        finish(name, result);
    }
}

void Scheduler::startAttempt(Entry &entry, bool probe)
{
    entry.state = State::Running;
    entry.probe = probe;
    entry.retrying = entry.attempt > 0;
    entry.heldReason.clear();
    m_gate.started(entry.host, entry.retrying, probe);
    if (probe)
        emit hostStateChanged(entry.host, BreakerState::HalfOpen, 0, m_gate.consecutiveFailures(entry.host));
    ++m_running;
    ++entry.attempt;
    if (!entry.sinceFirst.isValid())
        entry.sinceFirst.start();
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

bool Scheduler::handleBusy(Entry &entry, const AttemptOutcome &outcome)
{
    // Not an attempt: another RepoDeck holds the repository. Wait for it
    // (bounded by the deadline) instead of failing a cron run.
    --entry.attempt;
    const QString name = entry.spec.name;
    if (Millis(entry.sinceFirst.elapsed()) + m_busyInterval < entry.policy.deadline) {
        emit waitingForLock(name, outcome.busyDetail);
        waitThenRun(entry, m_busyInterval);
        return true;
    }
    RepoResult result;
    result.outcome = Outcome::Failed;
    result.attempts = entry.attempt;
    result.error = SyncError::local(
        QStringLiteral("Another RepoDeck process (%1) kept the repository busy until the deadline.").arg(outcome.busyDetail),
        QStringLiteral("Let that sync finish, or raise the policy's deadline."));
    finish(name, result);
    return true;
}

Millis Scheduler::chooseDelay(Entry &entry, const SyncError &error)
{
    const Millis previous = entry.previousDelay.count() > 0 ? entry.previousDelay : entry.policy.initialDelay;
    Millis delay = backoff::delay(entry.policy, entry.attempt, previous, entry.rng);
    entry.previousDelay = delay;
    // RFC 9110 Retry-After is a minimum; the policy says how far it may go.
    if (error.retryAfter.count() >= 0) {
        const Millis cap = entry.policy.retryAfterLimit == RetryAfterLimit::Deadline
                               ? entry.policy.deadline - Millis(entry.sinceFirst.elapsed())
                               : entry.policy.maxDelay;
        delay = std::max(delay, std::min(error.retryAfter, cap));
    }
    return delay;
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
    const std::shared_ptr<Entry> keep = *it;
    Entry &entry = *keep;
    entry.bytes += outcome.bytes;
    if (outcome.suggestCheckpoint) {
        entry.checkpoint = true;
        entry.linkBytes = outcome.bytes;
    }
    const bool cancelled = entry.cancel->isCancelled();

    // What the host learns from this attempt.
    HostGate::Result hostResult = HostGate::Result::Success;
    if (outcome.busy || cancelled || outcome.outcome == Outcome::Cancelled)
        hostResult = HostGate::Result::Cancelled;
    else if (outcome.outcome == Outcome::Failed)
        hostResult = outcome.error.transient ? HostGate::Result::TransientFailure : HostGate::Result::PermanentFailure;
    if (hostResult == HostGate::Result::TransientFailure)
        m_hostLastError.insert(entry.host, outcome.error);
    const BreakerState before = m_gate.state(entry.host);
    if (m_gate.finished(entry.host, entry.retrying, entry.probe, hostResult, Clock::now())
        || before != m_gate.state(entry.host)) {
        const BreakerState now = m_gate.state(entry.host);
        const qint64 in = now == BreakerState::Open
                              ? std::chrono::duration_cast<Millis>(m_gate.reopenAt(entry.host) - Clock::now()).count()
                              : 0;
        emit hostStateChanged(entry.host, now, std::max<qint64>(0, in), m_gate.consecutiveFailures(entry.host));
    }
    entry.probe = false;

    if (outcome.busy && !cancelled) {
        handleBusy(entry, outcome);
        pump();
        return;
    }

    AttemptRecord record;
    record.attempt = entry.attempt;
    record.maxAttempts = entry.policy.maxAttempts;
    record.started = started;
    record.duration = Millis(elapsedMs);
    record.bytes = outcome.bytes;
    record.httpVersion = outcome.httpVersion;
    record.ok = outcome.outcome != Outcome::Failed && outcome.outcome != Outcome::Cancelled;
    record.error = outcome.error;
    if (cancelled && !record.ok) {
        record.error.category = ErrorCategory::Cancelled;
        record.error.transient = false;
    }

    // Offline: the failure says nothing about the repository; it does not
    // cost an attempt, and the repository waits for the network.
    if (!record.ok && record.error.transient && !cancelled && heldByOffline(entry.host)) {
        record.error.hint = QStringLiteral("The machine is offline; this attempt is not counted and the sync "
                                           "resumes when the network returns.");
        emit attemptFinished(name, record);
        --entry.attempt;
        entry.state = State::Queued;
        m_pending.append(name);
        pump();
        return;
    }

    const bool retry = !record.ok && record.error.transient && entry.attempt < entry.policy.maxAttempts && !cancelled;
    QString gaveUp;
    if (retry) {
        const Millis delay = chooseDelay(entry, record.error);
        if (Millis(entry.sinceFirst.elapsed()) + delay < entry.policy.deadline) {
            record.retryIn = delay;
            emit attemptFinished(name, record);
            waitThenRun(entry, delay);
            pump();
            return;
        }
        gaveUp = QStringLiteral("Gave up: the next attempt would pass the policy's %1 deadline.")
                     .arg(humanDuration(entry.policy.deadline));
    } else if (!record.ok && record.error.transient && !cancelled) {
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
        result.error.hint = gaveUp + QLatin1Char(' ') + hintAfterGivingUp(result.error.category);
    result.bytes = entry.bytes;
    finish(name, result);
    pump();
}

void Scheduler::waitThenRun(Entry &entry, Millis delay)
{
    entry.state = State::Waiting;
    entry.dueWall = QDateTime::currentDateTimeUtc().addMSecs(delay.count());
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
            m_pending.append(name);
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
    m_pending.removeAll(name);
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
