#include "sync/HostGate.h"

#include <algorithm>
#include <cmath>

namespace repodeck::core {

HostGate::HostGate(HostConfig config, quint64 seed)
    : m_config(config)
    , m_rng(seed)
{
}

CircuitBreaker::Config HostGate::breakerConfig() const
{
    return {m_config.breakerThreshold, m_config.minCooldown, m_config.maxCooldown};
}

HostGate::Verdict HostGate::admit(const QString &host, bool isRetry, Clock::time_point now) const
{
    const Host h = m_hosts.value(host);
    switch (h.breaker.admit(now)) {
    case CircuitBreaker::Admission::Paused: return Verdict::BreakerOpen;
    case CircuitBreaker::Admission::Probe: return Verdict::Probe;
    case CircuitBreaker::Admission::Closed: break;
    }
    if (h.inFlight >= m_config.maxConcurrent)
        return Verdict::HostFull;
    if (isRetry) {
        const int budget = std::max(m_config.minRetryConcurrency,
                                    static_cast<int>(
                                        std::floor(m_config.retryBudgetRatio * (h.inFlight + 1))));
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
    if (probe)
        h.breaker.probeStarted();
}

bool HostGate::finished(const QString &host, bool isRetry, bool probe, Report report,
                        Clock::time_point now)
{
    Host &h = m_hosts[host];
    h.inFlight = std::max(0, h.inFlight - 1);
    if (isRetry)
        h.retriesInFlight = std::max(0, h.retriesInFlight - 1);
    return h.breaker.finished(probe, report, breakerConfig(), now, m_rng);
}

BreakerState HostGate::state(const QString &host) const
{
    return m_hosts.value(host).breaker.state();
}

int HostGate::consecutiveFailures(const QString &host) const
{
    return m_hosts.value(host).breaker.consecutiveFailures();
}

HostGate::Clock::time_point HostGate::reopenAt(const QString &host) const
{
    return m_hosts.value(host).breaker.reopenAt();
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
    return m_hosts.value(host).breaker.probeInFlight();
}

std::optional<HostGate::Clock::time_point> HostGate::nextReopen() const
{
    std::optional<Clock::time_point> next;
    for (const Host &h : m_hosts) {
        if (h.breaker.waitsForProbe() && (!next || h.breaker.reopenAt() < *next))
            next = h.breaker.reopenAt();
    }
    return next;
}

} // namespace repodeck::core
