#include "sync/Scheduler.h"

#include "retry/AttemptContext.h"
#include "net/Reachability.h"
#include "retry/Backoff.h"
#include "sync/AttemptRules.h"
#include "sync/SyncJob.h"
#include "util/RemoteUrl.h"

namespace repodeck::core {

using Clock = std::chrono::steady_clock;

struct Scheduler::Entry
{
    RepoSpec spec;
    RetryPolicy policy;
    QString host;
    State state = State::Queued;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
    int attempt = 0;          // attempts counted so far
    QElapsedTimer sinceFirst; // the deadline clock: from the first attempt, or from first being held
    Millis previousDelay{0};
    qint64 bytes = 0;
    bool checkpoint = false; // fetch in checkpointed steps from now on
    qint64 linkBytes = 0;    // what the link carried before the failure that switched to steps
    qint64 lostBytes = 0;    // what attempts that failed transiently received
    bool probe = false;      // the running attempt is its host's breaker probe
    bool retrying = false;   // the running attempt is a retry (counts against the budget)
    Trigger next = Trigger::Scheduled;    // what starts the next attempt
    Trigger running = Trigger::Scheduled; // what started the running one
    bool holding = false;        // its host is paused and it has said so (one `held` per hold)
    int heldAttempts = 0;        // attempts counted without a connection (host paused)
    bool waitingOnProbe = false; // a manual request waits for the probe in flight on its host
    QString heldReason;          // waiting in the queue for the network
    bool heldOffline = false;
    Clock::time_point notBefore{}; // jittered restart after going online / waking
    QDateTime dueWall;             // when the retry timer should fire, on the wall clock
    QTimer *timer = nullptr;       // retry or busy wait
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
        qRegisterMetaType<Trigger>();
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
        if (entry->state != State::Waiting || !entry->timer || !entry->timer->isActive()
            || !entry->dueWall.isValid())
            continue;
        // QTimer runs on the monotonic clock, which stood still while asleep.
        if (entry->dueWall <= now)
            entry->timer->start(static_cast<int>(randomSpread(m_resumeSpread).count()));
    }
    pump();
}

bool Scheduler::sync(const RepoSpec &spec, const RetryPolicy &policy, Trigger trigger)
{
    if (const auto it = m_entries.constFind(spec.name); it != m_entries.constEnd()) {
        Entry &entry = **it;
        if (trigger != Trigger::Manual || entry.cancel->isCancelled())
            return false;
        // A person asked for it now: no waiting for a retry timer or a
        // post-wake spread.
        entry.next = Trigger::Manual;
        entry.notBefore = {};
        if (entry.state != State::Waiting)
            return false; // queued or running: it starts as soon as it can anyway
        if (entry.timer)
            entry.timer->stop();
        entry.state = State::Queued;
        m_pending.prepend(spec.name);
        QTimer::singleShot(0, this, &Scheduler::pump);
        return true;
    }
    auto entry = std::make_shared<Entry>();
    entry->spec = spec;
    entry->policy = policy;
    entry->host = hostKeyOf(spec.url);
    entry->checkpoint = policy.checkpoint == Checkpoint::Always;
    entry->next = trigger == Trigger::Manual ? Trigger::Manual : Trigger::Scheduled;
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
    finish(name, RepoResult::cancelled(entry.attempt, entry.bytes));
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
    if (entry.holding)
        return;
    entry.holding = true;
    emit held(entry.spec.name, reason);
}

bool Scheduler::heldByOffline(const QString &hostKey) const
{
    return attempt::heldByOffline(m_online, m_loopbackExempt, hostKey);
}

QString Scheduler::probingText(const QString &host) const
{
    return attempt::probingText(m_gate.probeInFlight(host),
                                std::chrono::duration_cast<Millis>(m_gate.reopenAt(host)
                                                                   - Clock::now()));
}

void Scheduler::pump()
{
    if (m_paused)
        return;
    failHeldPastDeadline();
    const auto now = Clock::now();
    for (qsizetype i = 0; i < m_pending.size();) {
        const QString name = m_pending.at(i);
        Entry &entry = *m_entries.value(name);
        if (heldByOffline(entry.host)) {
            entry.heldOffline = true;
            if (entry.heldReason.isEmpty()) {
                entry.heldReason = QStringLiteral("offline: waiting for the network");
                if (!entry.sinceFirst.isValid())
                    entry.sinceFirst.start(); // held counts toward the deadline: it is due
                emit held(name, entry.heldReason);
            }
            ++i;
            continue;
        }
        if (entry.notBefore > now) {
            ++i;
            continue;
        }
        const bool manual = entry.next == Trigger::Manual;
        const bool isRetry = entry.attempt > 0
                             && !manual; // the retry budget is for automatic retries
        const HostGate::Verdict verdict = m_gate.admit(entry.host, isRetry, now);
        if (verdict == HostGate::Verdict::BreakerOpen) {
            if (manual && !entry.waitingOnProbe && m_gate.probeInFlight(entry.host)) {
                entry.waitingOnProbe = true; // its result answers this request too
                ++i;
                continue;
            }
            if (manual && entry.waitingOnProbe && m_gate.probeInFlight(entry.host)) {
                ++i;
                continue;
            }
            if (manual && !entry.waitingOnProbe) {
                // Asked for now on a paused host: this attempt is the probe, now.
                if (m_running >= m_maxConcurrent) {
                    ++i;
                    continue;
                }
                m_pending.removeAt(i);
                startAttempt(entry, true);
                continue;
            }
            // Due while the host is paused: counted, without a connection,
            // so the policy's attempts and delays still bound the run.
            const std::shared_ptr<Entry> keep = m_entries.value(name);
            m_pending.removeAt(i);
            spendHeldAttempt(*keep);
            continue;
        }
        if (m_running >= m_maxConcurrent) {
            ++i;
            continue;
        }
        if (verdict == HostGate::Verdict::Go || verdict == HostGate::Verdict::Probe) {
            m_pending.removeAt(i);
            startAttempt(entry, verdict == HostGate::Verdict::Probe);
            continue;
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
        if (!e.heldReason.isEmpty() && e.sinceFirst.isValid()
            && (!e.heldOffline || m_offlineDeadline)) {
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
    // Only offline holds wait in the queue; a paused host's repositories
    // spend their own retry schedule (spendHeldAttempt).
    const QStringList pending = m_pending;
    for (const QString &name : pending) {
        Entry &e = *m_entries.value(name);
        const std::optional<Millis> elapsed = e.sinceFirst.isValid()
                                                  ? std::optional(Millis(e.sinceFirst.elapsed()))
                                                  : std::nullopt;
        if (!attempt::offlineHoldExpired(e.heldOffline, m_offlineDeadline, elapsed,
                                         e.policy.deadline))
            continue;
        m_pending.removeAll(name);
        finish(name, RepoResult::heldOffline(e.attempt, e.policy.deadline, e.bytes));
    }
}

void Scheduler::startAttempt(Entry &entry, bool probe)
{
    entry.state = State::Running;
    entry.probe = probe;
    entry.running = entry.attempt > 0 && entry.next != Trigger::Manual ? Trigger::Retry
                                                                       : entry.next;
    entry.next = Trigger::Retry;
    entry.retrying = entry.running == Trigger::Retry;
    entry.heldReason.clear();
    entry.holding = false;
    entry.waitingOnProbe = false;
    m_gate.started(entry.host, entry.retrying, probe);
    if (probe)
        emit hostStateChanged(entry.host, BreakerState::HalfOpen, 0,
                              m_gate.consecutiveFailures(entry.host));
    ++m_running;
    ++entry.attempt;
    if (!entry.sinceFirst.isValid())
        entry.sinceFirst.start();
    emit attemptStarted(entry.spec.name, entry.attempt, entry.policy.maxAttempts, entry.running,
                        true);

    // Never let one attempt run past the total deadline.
    RetryPolicy policy = entry.policy;
    const Millis left = policy.deadline - Millis(entry.sinceFirst.elapsed());
    policy.attemptTimeout = std::max(Millis(1), std::min(policy.attemptTimeout, left));

    const QString name = entry.spec.name;
    QPointer<Scheduler> self(this);
    auto sink = [self, name](const TransferProgress &p) {
        QMetaObject::invokeMethod(
            self,
            [self, name, p] {
            if (self)
                emit self->progress(name, p);
            },
            Qt::QueuedConnection);
    };
    auto job = std::make_shared<SyncJob>(entry.spec, policy, entry.cancel, sink, entry.checkpoint,
                                         entry.linkBytes, entry.lostBytes);
    const QDateTime started = QDateTime::currentDateTimeUtc();
    m_pool.start([self, job, name, started] {
        QElapsedTimer clock;
        clock.start();
        const AttemptOutcome outcome = job->run();
        const qint64 elapsed = clock.elapsed();
        QMetaObject::invokeMethod(
            self,
            [self, name, outcome, elapsed, started] {
            if (self)
                self->onAttemptDone(name, outcome, elapsed, started);
            },
            Qt::QueuedConnection);
    });
}

void Scheduler::onAttemptDone(const QString &name, const AttemptOutcome &outcome, qint64 elapsedMs,
                              const QDateTime &started)
{
    --m_running;
    const std::shared_ptr<Entry> keep = m_entries.value(name);
    if (!keep) {
        pump();
        return;
    }
    Entry &entry = *keep;
    const bool cancelled = entry.cancel->isCancelled();
    noteTransfer(entry, outcome);
    noteHostReport(entry, outcome, cancelled);
    if (outcome.busy && !cancelled) {
        waitForLock(entry, outcome);
    } else {
        const AttemptRecord record = recordAttempt(entry, outcome, started, Millis(elapsedMs),
                                                   cancelled);
        if (attempt::waitsForNetwork(record, cancelled, heldByOffline(entry.host)))
            waitForNetwork(entry, record);
        else
            conclude(entry, record, outcome, cancelled);
    }
    pump();
}

void Scheduler::noteTransfer(Entry &entry, const AttemptOutcome &outcome)
{
    entry.bytes += outcome.bytes;
    if (outcome.suggestCheckpoint) {
        entry.checkpoint = true;
        entry.linkBytes = outcome.bytes;
    }
    entry.lostBytes += attempt::lostBytes(outcome);
}

void Scheduler::noteHostReport(Entry &entry, const AttemptOutcome &outcome, bool cancelled)
{
    const HostGate::Report result = attempt::hostReport(outcome, cancelled);
    if (result == HostGate::Report::TransientFailure)
        m_hostLastError.insert(entry.host,
                               outcome.error); // what attempts held while it is paused report
    const BreakerState before = m_gate.state(entry.host);
    const bool changed = m_gate.finished(entry.host, entry.retrying, entry.probe, result,
                                         Clock::now());
    const BreakerState now = m_gate.state(entry.host);
    if (changed || before != now) {
        const qint64 in = now == BreakerState::Open
                              ? std::chrono::duration_cast<Millis>(m_gate.reopenAt(entry.host)
                                                                   - Clock::now())
                                    .count()
                              : 0;
        emit hostStateChanged(entry.host, now, std::max<qint64>(0, in),
                              m_gate.consecutiveFailures(entry.host));
    }
    if (before != BreakerState::Closed && now == BreakerState::Closed)
        releaseHeld(entry.host);
    entry.probe = false;
}

void Scheduler::waitForLock(Entry &entry, const AttemptOutcome &outcome)
{
    // Not an attempt: another RepoDeck holds the repository. Wait for it
    // (bounded by the deadline) instead of failing a cron run.
    --entry.attempt;
    entry.next = entry.running;
    const QString name = entry.spec.name;
    if (attempt::busyWaitFits(Millis(entry.sinceFirst.elapsed()), m_busyInterval,
                              entry.policy.deadline)) {
        emit waitingForLock(name, outcome.busyDetail);
        waitThenRun(entry, m_busyInterval);
        return;
    }
    const SyncError error = SyncError::local(
        QStringLiteral("Another RepoDeck process (%1) kept the repository busy until the deadline.")
            .arg(outcome.busyDetail),
        QStringLiteral("Let that sync finish, or raise the policy's deadline."));
    finish(name, RepoResult::failed(error, entry.attempt));
}

AttemptRecord Scheduler::recordAttempt(const Entry &entry, const AttemptOutcome &outcome,
                                       const QDateTime &started, Millis duration,
                                       bool cancelled) const
{
    AttemptRecord record = attempt::recordOf(outcome, cancelled);
    record.attempt = entry.attempt;
    record.maxAttempts = entry.policy.maxAttempts;
    record.started = started;
    record.duration = duration;
    record.trigger = entry.running;
    return record;
}

void Scheduler::waitForNetwork(Entry &entry, AttemptRecord record)
{
    const QString name = entry.spec.name;
    record.error.hint = QStringLiteral(
        "The machine is offline; this attempt is not counted and the sync "
        "resumes when the network returns.");
    emit attemptFinished(name, record);
    --entry.attempt;
    entry.next = entry.running;
    entry.state = State::Queued;
    m_pending.append(name);
}

void Scheduler::releaseHeld(const QString &host)
{
    // The host is back: repositories that spent attempts while it was paused
    // resume now (spread a little) instead of waiting out their delays.
    for (const auto &e : std::as_const(m_entries)) {
        if (e->host != host || !e->holding)
            continue;
        e->holding = false;
        if (e->state == State::Waiting && e->timer && e->timer->isActive()) {
            const qint64 spread = randomSpread(
                                      std::min(m_resumeSpread, Millis(e->timer->remainingTime())))
                                      .count();
            e->timer->start(static_cast<int>(spread));
        }
    }
}

Millis Scheduler::nextBackoff(Entry &entry)
{
    const Millis previous = entry.previousDelay.count() > 0 ? entry.previousDelay
                                                            : entry.policy.initialDelay;
    const Millis delay = backoff::delay(entry.policy, entry.attempt, previous, entry.rng);
    entry.previousDelay = delay;
    return delay;
}

void Scheduler::spendHeldAttempt(Entry &entry)
{
    const QString name = entry.spec.name;
    const QString probing = probingText(entry.host);
    const int failures = m_gate.consecutiveFailures(entry.host);
    hold(entry, attempt::pausedText(entry.host, failures, probing));
    entry.running = entry.next == Trigger::Manual || entry.attempt == 0 ? entry.next
                                                                        : Trigger::Retry;
    entry.next = Trigger::Retry;
    entry.waitingOnProbe = false;
    ++entry.attempt;
    ++entry.heldAttempts;
    if (!entry.sinceFirst.isValid())
        entry.sinceFirst.start();
    emit attemptStarted(name, entry.attempt, entry.policy.maxAttempts, entry.running, false);

    AttemptRecord record;
    record.attempt = entry.attempt;
    record.maxAttempts = entry.policy.maxAttempts;
    record.started = QDateTime::currentDateTimeUtc();
    record.trigger = entry.running;
    record.held = true;
    record.error = attempt::heldError(entry.host, failures, m_hostLastError.value(entry.host),
                                      probing);
    AttemptOutcome outcome;
    outcome.outcome = Outcome::Failed;
    outcome.error = record.error;
    conclude(entry, record, outcome, false);
}

retry::Decision Scheduler::decideRetry(Entry &entry, const SyncError &error, bool cancelled)
{
    retry::Facts facts;
    facts.attemptsMade = entry.attempt;
    facts.elapsed = Millis(entry.sinceFirst.elapsed());
    facts.cancelled = cancelled;
    facts.now = QDateTime::currentDateTimeUtc();
    if (attempt::drawsBackoff(error, cancelled, entry.attempt, entry.policy.maxAttempts))
        facts.backoff = nextBackoff(entry);
    return retry::decide(entry.policy, error, facts);
}

void Scheduler::conclude(Entry &entry, AttemptRecord record, const AttemptOutcome &outcome,
                         bool cancelled)
{
    const QString name = entry.spec.name;
    const retry::Decision decision = record.ok ? retry::Decision{}
                                               : decideRetry(entry, record.error, cancelled);
    if (decision.retry())
        record.retryIn = decision.delay;
    emit attemptFinished(name, record);
    if (m_entries.value(name).get() != &entry)
        return; // cancelled from a slot of attemptFinished
    if (decision.retry()) {
        waitThenRun(entry, decision.delay);
        return;
    }
    RepoResult result = RepoResult::afterAttempt(record, outcome.outcome, outcome.reason,
                                                 outcome.detail, entry.attempt, entry.bytes);
    if (!decision.gaveUp.isEmpty())
        result.error.hint = attempt::gaveUpHint(decision.gaveUp, result.error.category,
                                                entry.heldAttempts, entry.attempt, entry.host,
                                                m_gate.consecutiveFailures(entry.host));
    finish(name, result);
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
