#include "sync/HostGate.h"

#include <algorithm>
#include <cmath>

namespace repodeck::core {

QString breakerStateName(BreakerState state)
{
    switch (state) {
    case BreakerState::Closed: return QStringLiteral("closed");
    case BreakerState::Open: return QStringLiteral("open");
    case BreakerState::HalfOpen: return QStringLiteral("half_open");
    }
    return {};
}

HostGate::HostGate(HostConfig config, quint64 seed)
    : m_config(config)
    , m_rng(seed)
{
}

HostGate::Verdict HostGate::admit(const QString &host, bool isRetry, Clock::time_point now) const
{
    const Host h = m_hosts.value(host);
    if (h.state == BreakerState::HalfOpen)
        return Verdict::BreakerOpen; // one probe at a time
    if (h.state == BreakerState::Open)
        return now >= h.reopenAt && !h.probeInFlight ? Verdict::Probe : Verdict::BreakerOpen;
    if (h.inFlight >= m_config.maxConcurrent)
        return Verdict::HostFull;
    if (isRetry) {
        const int budget = std::max(m_config.minRetryConcurrency,
                                    static_cast<int>(std::floor(m_config.retryBudgetRatio * (h.inFlight + 1))));
        if (h.retriesInFlight >= budget)
            return Verdict::BudgetExhausted;
    }
    return Verdict::Go;
}

void HostGate::started(const QString &host, bool isRetry, bool probe)
{
    Host &h = m_hosts[host];
    ++h.inFlight;
    if (isRetry) {
        ++h.retriesInFlight;
        h.peakRetries = std::max(h.peakRetries, h.retriesInFlight);
    }
    if (probe) {
        h.state = BreakerState::HalfOpen;
        h.probeInFlight = true;
    }
}

void HostGate::open(Host &h, Clock::time_point now)
{
    // Jittered, doubling cool-down between min and max (equal jitter keeps
    // at least half of it, so probes never stampede).
    const double base = std::min<double>(static_cast<double>(m_config.maxCooldown.count()),
                                         m_config.minCooldown.count() * std::pow(2.0, h.opens));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    h.reopenAt = now + Millis(static_cast<qint64>(base * jitter(m_rng)));
    h.state = BreakerState::Open;
    ++h.opens;
}

bool HostGate::finished(const QString &host, bool isRetry, bool probe, Result result, Clock::time_point now)
{
    Host &h = m_hosts[host];
    h.inFlight = std::max(0, h.inFlight - 1);
    if (isRetry)
        h.retriesInFlight = std::max(0, h.retriesInFlight - 1);
    if (probe)
        h.probeInFlight = false;
    const BreakerState before = h.state;

    switch (result) {
    case Result::Success:
    case Result::LinkDropped:      // data flowed: the host is up, the link is not
    case Result::PermanentFailure: // the host answered: it is up
        h.consecutive = 0;
        h.opens = 0;
        h.state = BreakerState::Closed;
        break;
    case Result::TransientFailure:
        ++h.consecutive;
        if (probe || (h.state == BreakerState::Closed && h.consecutive >= m_config.breakerThreshold))
            open(h, now);
        break;
    case Result::Cancelled:
        if (probe && h.state == BreakerState::HalfOpen)
            h.state = BreakerState::Open; // nobody learnt anything; probe again
        break;
    }
    return h.state != before;
}

BreakerState HostGate::state(const QString &host) const
{
    return m_hosts.value(host).state;
}

int HostGate::consecutiveFailures(const QString &host) const
{
    return m_hosts.value(host).consecutive;
}

HostGate::Clock::time_point HostGate::reopenAt(const QString &host) const
{
    return m_hosts.value(host).reopenAt;
}

int HostGate::retriesInFlight(const QString &host) const
{
    return m_hosts.value(host).retriesInFlight;
}

int HostGate::peakRetriesInFlight(const QString &host) const
{
    return m_hosts.value(host).peakRetries;
}

bool HostGate::probeInFlight(const QString &host) const
{
    return m_hosts.value(host).probeInFlight;
}

std::optional<HostGate::Clock::time_point> HostGate::nextReopen() const
{
    std::optional<Clock::time_point> next;
    for (const Host &h : m_hosts) {
        if (h.state == BreakerState::Open && !h.probeInFlight && (!next || h.reopenAt < *next))
            next = h.reopenAt;
    }
    return next;
}

} // namespace repodeck::core
