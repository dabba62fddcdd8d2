#pragma once

#include "util/Duration.h"

#include <QByteArray>
#include <QDateTime>

namespace repodeck::core::http {

// A Retry-After header value (RFC 9110 10.2.3): delay-seconds or an
// HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime forms).
// Returns the delay from `now`; a date in the past gives 0; an absent or
// malformed value gives -1 ms ("none").
Millis parseRetryAfter(const QByteArray &value, const QDateTime &now);

} // namespace repodeck::core::http
