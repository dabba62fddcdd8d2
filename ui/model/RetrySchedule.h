#pragma once

#include "retry/RetryPolicy.h"

#include <QList>

namespace repodeck::ui {

// One wait between attempts, as the policy editor previews it.
struct RetryStep
{
    int retry = 0;        // 1 = the wait after the first failed attempt
    core::Millis base{0}; // the backoff curve without jitter
    core::Millis low{0};  // the jitter band the engine draws from
    core::Millis high{0};
};

// The whole retry schedule of a policy: delay per attempt with its jitter
// band, and the worst case from the first attempt's start to giving up
// (every attempt running into its timeout and every wait at the top of its
// band, capped by the deadline). Computed with core's backoff functions so the
// preview can never disagree with the engine.
struct RetrySchedule
{
    QList<RetryStep> steps;
    core::Millis worstCase{0};
    // The deadline, not the attempts, is what limits the worst case.
    bool deadlineLimits = false;

    static RetrySchedule compute(const core::RetryPolicy &policy);
};

} // namespace repodeck::ui
