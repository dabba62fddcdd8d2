#include "sync/CircuitBreaker.h"

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

CircuitBreaker::Admission CircuitBreaker::admit(Clock::time_point now) const
{
    switch (m_state) {
    case BreakerState::HalfOpen: return Admission::Paused; // one probe at a time
    case BreakerState::Open:
        return now >= m_reopenAt && !m_probeInFlight ? Admission::Probe : Admission::Paused;
    case BreakerState::Closed: break;
    }
    return Admission::Closed;
}

void CircuitBreaker::probeStarted()
{
    m_state = BreakerState::HalfOpen;
    m_probeInFlight = true;
}

void CircuitBreaker::open(const Config &config, Clock::time_point now, std::mt19937_64 &rng)
{
    // Jittered, doubling cool-down between min and max (equal jitter keeps
    // at least half of it, so probes never stampede).
    const double base = std::min<double>(static_cast<double>(config.maxCooldown.count()),
                                         config.minCooldown.count() * std::pow(2.0, m_opens));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    m_reopenAt = now + Millis(static_cast<qint64>(base * jitter(rng)));
    m_state = BreakerState::Open;
    ++m_opens;
}

bool CircuitBreaker::finished(bool probe, Report report, const Config &config,
                              Clock::time_point now, std::mt19937_64 &rng)
{
    if (probe)
        m_probeInFlight = false;
    const BreakerState before = m_state;
    switch (report) {
    case Report::Success:
    case Report::LinkDropped:      // data flowed: the host is up, the link is not
    case Report::PermanentFailure: // the host answered: it is up
        m_consecutive = 0;
        m_opens = 0;
        m_state = BreakerState::Closed;
        break;
    case Report::TransientFailure:
        ++m_consecutive;
        if (probe || (m_state == BreakerState::Closed && m_consecutive >= config.threshold))
            open(config, now, rng);
        break;
    case Report::Cancelled:
        if (probe && m_state == BreakerState::HalfOpen)
            m_state = BreakerState::Open; // nobody learnt anything; probe again
        break;
    }
    return m_state != before;
}

} // namespace repodeck::core
