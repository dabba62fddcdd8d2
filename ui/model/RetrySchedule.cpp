#include "model/RetrySchedule.h"

#include "retry/Backoff.h"

namespace repodeck::ui {

RetrySchedule RetrySchedule::compute(const core::RetryPolicy &policy)
{
    RetrySchedule schedule;
    // Decorrelated jitter feeds on the previous delay; like worstCaseTotal,
    // assume the previous wait was the longest possible.
    core::Millis previous = policy.initialDelay;
    for (int retry = 1; retry < policy.maxAttempts; ++retry) {
        const core::DelayBounds b = core::backoff::bounds(policy, retry, previous);
        schedule.steps.append({retry, core::backoff::baseDelay(policy, retry), b.low, b.high});
        previous = b.high;
    }
    schedule.worstCase = core::backoff::worstCaseTotal(policy);
    schedule.deadlineLimits = schedule.worstCase >= policy.deadline;
    return schedule;
}

} // namespace repodeck::ui
