#pragma once

#include "sync/CircuitBreaker.h"
#include "util/Duration.h"

#include <QHash>
#include <QString>

#include <chrono>
#include <optional>
#include <random>

namespace repodeck::core {

// Per-host admission, so a host is treated as a unit. Three rules, in this
// order: the host's circuit breaker (CircuitBreaker.h: a host failing
// transiently is paused and probed), a cap on its concurrent operations, and
// a retry budget (Envoy-style: retries in flight stay within a fraction of
// the host's traffic, with a small floor). Pure logic on an injected clock.
struct HostConfig
{
    int maxConcurrent = 4;
    int breakerThreshold = 5;  // consecutive transient failures that open the breaker
    Millis minCooldown{5'000}; // first pause; doubles per failed probe
    Millis maxCooldown{300'000};
    double retryBudgetRatio = 0.2; // retries in flight <= ratio x attempts in flight ...
    int minRetryConcurrency = 3;   // ... but at least this many
};

class HostGate
{
public:
    using Clock = std::chrono::steady_clock;

    enum class Verdict {
        Go,              // start normally
        Probe,           // start as the breaker's single probe
        HostFull,        // the per-host cap is reached
        BudgetExhausted, // a retry would exceed the host's retry budget
        BreakerOpen,     // the host is paused
    };
    // What one attempt's end says about its host.
    using Report = CircuitBreaker::Report;

    explicit HostGate(HostConfig config = {}, quint64 seed = std::random_device{}());

    void setConfig(const HostConfig &config) { m_config = config; }
    const HostConfig &config() const { return m_config; }

    Verdict admit(const QString &host, bool isRetry, Clock::time_point now) const;
    void started(const QString &host, bool isRetry, bool probe);
    // Returns true when the breaker state of `host` changed.
    bool finished(const QString &host, bool isRetry, bool probe, Report report,
                  Clock::time_point now);

    BreakerState state(const QString &host) const;
    int consecutiveFailures(const QString &host) const;
    Clock::time_point reopenAt(const QString &host) const;
    int retriesInFlight(const QString &host) const;
    int peakRetriesInFlight(const QString &host) const;
    bool probeInFlight(const QString &host) const;
    // The earliest moment an open breaker allows its probe.
    std::optional<Clock::time_point> nextReopen() const;

private:
    struct Host
    {
        int inFlight = 0;
        int retriesInFlight = 0;
        int peakRetries = 0;
        CircuitBreaker breaker;
    };

    CircuitBreaker::Config breakerConfig() const;

    HostConfig m_config;
    QHash<QString, Host> m_hosts;
    std::mt19937_64 m_rng;
};

} // namespace repodeck::core
