#include "retry/Backoff.h"

#include <algorithm>
#include <cmath>

namespace repodeck::core::backoff {

Millis baseDelay(const RetryPolicy &policy, int retry)
{
    const double initial = static_cast<double>(policy.initialDelay.count());
    const double cap = static_cast<double>(policy.maxDelay.count());
    // pow grows past the cap quickly; clamp before converting to avoid overflow.
    const double grown = initial * std::pow(policy.multiplier, std::max(0, retry - 1));
    return Millis(static_cast<qint64>(std::min(cap, grown)));
}

DelayBounds bounds(const RetryPolicy &policy, int retry, Millis previous)
{
    const Millis base = baseDelay(policy, retry);
    switch (policy.jitter) {
    case Jitter::None: return {base, base};
    case Jitter::Full: return {Millis(0), base};
    case Jitter::Equal: return {Millis(base.count() / 2), base};
    case Jitter::Decorrelated: {
        const Millis low = std::min(policy.initialDelay, policy.maxDelay);
        const Millis prev = std::max(previous, policy.initialDelay);
        const Millis high = std::min(policy.maxDelay, Millis(prev.count() * 3));
        return {low, std::max(low, high)};
    }
    }
    return {base, base};
}

Millis delay(const RetryPolicy &policy, int retry, Millis previous, std::mt19937_64 &rng)
{
    const DelayBounds b = bounds(policy, retry, previous);
    if (b.low == b.high)
        return b.low;
    std::uniform_int_distribution<qint64> pick(b.low.count(), b.high.count());
    return Millis(pick(rng));
}

Millis worstCaseTotal(const RetryPolicy &policy)
{
    Millis total = policy.attemptTimeout * policy.maxAttempts;
    Millis previous = policy.initialDelay;
    for (int retry = 1; retry < policy.maxAttempts; ++retry) {
        const Millis high = bounds(policy, retry, previous).high;
        total += high;
        previous = high;
    }
    return std::min(total, policy.deadline);
}

} // namespace repodeck::core::backoff
