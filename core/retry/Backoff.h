#pragma once

#include "retry/RetryPolicy.h"

#include <random>

namespace repodeck::core {

struct DelayBounds
{
    Millis low{0};
    Millis high{0};
};

// Pure backoff arithmetic (AWS "Exponential Backoff and Jitter").
// `retry` counts from 1: the wait after the first failed attempt.
// `previous` is the delay chosen last time (decorrelated jitter feeds on it;
// pass policy.initialDelay for the first retry).
namespace backoff {

Millis baseDelay(const RetryPolicy &policy, int retry);
DelayBounds bounds(const RetryPolicy &policy, int retry, Millis previous);
Millis delay(const RetryPolicy &policy, int retry, Millis previous, std::mt19937_64 &rng);

// Worst case from the first attempt's start until the last attempt gives up,
// never more than the deadline.
Millis worstCaseTotal(const RetryPolicy &policy);

} // namespace backoff

} // namespace repodeck::core
