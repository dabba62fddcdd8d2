#pragma once

#include "util/Duration.h"

#include <QString>

#include <chrono>
#include <random>

namespace repodeck::core {

enum class BreakerState { Closed, Open, HalfOpen };
QString breakerStateName(BreakerState state);

// One host's circuit breaker (Finagle-style failure accrual): after
// `threshold` consecutive transient failures the host is paused (Open); once
// a jittered, doubling cool-down has passed, a single probe (HalfOpen)
// decides whether everyone resumes (Closed) or the pause starts again.
// Pure logic on an injected clock and random generator; HostGate keeps one
// per host, beside the host's cap and retry budget.
class CircuitBreaker
{
public:
    using Clock = std::chrono::steady_clock;

    struct Config
    {
        int threshold = 5;         // consecutive transient failures that open it
        Millis minCooldown{5'000}; // the first pause; doubles per failed probe
        Millis maxCooldown{300'000};
    };

    // What one attempt's end says about the host.
    enum class Report {
        Success,
        TransientFailure,
        PermanentFailure, // the host answered (a 404, say): it is up
        Cancelled,
        // A transient failure after data arrived (the link dropped
        // mid-transfer): the host is up, so this closes the breaker like a
        // success and does not count toward opening it.
        LinkDropped,
    };

    enum class Admission { Closed, Probe, Paused };

    Admission admit(Clock::time_point now) const;
    void probeStarted();
    // Returns true when the state changed.
    bool finished(bool probe, Report report, const Config &config, Clock::time_point now,
                  std::mt19937_64 &rng);

    BreakerState state() const { return m_state; }
    int consecutiveFailures() const { return m_consecutive; }
    Clock::time_point reopenAt() const { return m_reopenAt; }
    bool probeInFlight() const { return m_probeInFlight; }
    // Open and its probe not yet started: the moment it may start.
    bool waitsForProbe() const { return m_state == BreakerState::Open && !m_probeInFlight; }

private:
    void open(const Config &config, Clock::time_point now, std::mt19937_64 &rng);

    BreakerState m_state = BreakerState::Closed;
    int m_consecutive = 0;
    int m_opens = 0; // consecutive openings, for the growing cool-down
    Clock::time_point m_reopenAt{};
    bool m_probeInFlight = false;
};

} // namespace repodeck::core
