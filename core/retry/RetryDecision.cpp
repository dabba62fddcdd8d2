#include "retry/RetryDecision.h"

#include <algorithm>

namespace repodeck::core::retry {

namespace {

Decision giveUp(Decision::Kind kind, QString why)
{
    Decision d;
    d.kind = kind;
    d.gaveUp = std::move(why);
    return d;
}

} // namespace

Decision decide(const RetryPolicy &policy, const SyncError &error, const Facts &facts)
{
    if (!error.isError() || !error.transient || facts.cancelled
        || error.category == ErrorCategory::Cancelled)
        return {};
    if (facts.attemptsMade >= policy.maxAttempts)
        return giveUp(Decision::Kind::AttemptsUsed,
                      QStringLiteral("Gave up after %1 attempt(s).").arg(facts.attemptsMade));

    const Millis left = policy.deadline - facts.elapsed;
    Millis delay = std::max(facts.backoff, Millis(0));
    if (error.retryAfter.count() >= 0) {
        if (policy.retryAfterLimit == RetryAfterLimit::MaxDelay) {
            delay = std::max(delay, std::min(error.retryAfter, policy.maxDelay));
        } else if (error.retryAfter >= left) {
            QString when;
            if (facts.now.isValid())
                when = QStringLiteral(" (at %1 UTC)")
                           .arg(facts.now.toUTC()
                                    .addMSecs(error.retryAfter.count())
                                    .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
            return giveUp(
                Decision::Kind::RetryAfterPastDeadline,
                QStringLiteral(
                    "Gave up at once: the server asked to come back in %1%2, after the policy's "
                    "%3 deadline (%4 left); retrying sooner would ignore its Retry-After.")
                    .arg(humanDuration(error.retryAfter), when, humanDuration(policy.deadline),
                         humanDuration(std::max(left, Millis(0)))));
        } else {
            delay = std::max(delay, error.retryAfter);
        }
    }
    if (facts.elapsed + delay >= policy.deadline)
        return giveUp(Decision::Kind::Deadline,
                      QStringLiteral(
                          "Gave up: the next attempt would pass the policy's %1 deadline.")
                          .arg(humanDuration(policy.deadline)));
    Decision d;
    d.kind = Decision::Kind::Retry;
    d.delay = delay;
    return d;
}

} // namespace repodeck::core::retry
