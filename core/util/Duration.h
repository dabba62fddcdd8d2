#pragma once

#include <QString>

#include <chrono>
#include <optional>

namespace repodeck::core {

using Millis = std::chrono::milliseconds;

// Parses "250ms", "5s", "2m", "1h" and sums like "1m30s". Bare numbers are
// rejected: a unit-less "5" is ambiguous and a common cron-script mistake.
std::optional<Millis> parseDuration(const QString &text);

// The shortest exact spelling: 1500ms -> "1500ms", 90000ms -> "90s", 3600000 -> "1h".
QString formatDuration(Millis duration);

// For people: "1.5 s", "2 min 5 s", "120 ms".
QString humanDuration(Millis duration);

} // namespace repodeck::core
