#pragma once

#include "retry/RetryPolicy.h"
#include "retry/SyncError.h"

#include <QDateTime>
#include <QString>

namespace repodeck::core::retry {

// What is known when an attempt has failed, besides its error.
struct Facts
{
    int attemptsMade = 0;   // attempts counted so far, the failed one included
    Millis elapsed{0};      // on the deadline clock (from the first attempt)
    Millis backoff{0};      // the delay the backoff math chose for this retry
    bool cancelled = false; // the user or a signal cancelled it
    QDateTime now;          // the wall clock, to say when a server asked to come back
};

// Whether and when to try again. Pure: the same facts give the same answer.
struct Decision
{
    enum class Kind {
        Retry,                  // wait `delay`, then try again
        Final,                  // not worth retrying: permanent, cancelled or succeeded
        AttemptsUsed,           // transient, but the policy's attempts are spent
        Deadline,               // transient, but the next attempt would pass the deadline
        RetryAfterPastDeadline, // the server asked to come back after the deadline
    };
    Kind kind = Kind::Final;
    Millis delay{-1}; // Retry only
    QString gaveUp;   // for people, when a transient failure is given up on

    bool retry() const { return kind == Kind::Retry; }
};

// The retry decision after a failed attempt.
//
// A server's Retry-After (RFC 9110 10.2.3) means "not before": by default
// (retry_after_limit deadline) the next attempt waits at least that long,
// however small the policy's max delay, and when the server asks for longer
// than the deadline leaves, RepoDeck gives up at once and says when the server
// said to come back, rather than retrying early (which rate-limited APIs such
// as GitHub's punish). `retry_after_limit max_delay` opts in to capping the
// server's delay at the policy's max delay.
Decision decide(const RetryPolicy &policy, const SyncError &error, const Facts &facts);

} // namespace repodeck::core::retry
