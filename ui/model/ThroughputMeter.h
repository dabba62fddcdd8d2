#pragma once

#include <QtGlobal>

namespace repodeck::ui {

// Bytes per second from a growing byte counter, smoothed over about a second
// so a burst of callbacks does not make the figure jump around.
class ThroughputMeter
{
public:
    // `nowMs` is a monotonic clock; returns the current estimate.
    double add(qint64 nowMs, quint64 totalBytes);
    // Milliseconds since the last sample (stall detection); -1 before any.
    qint64 idleFor(qint64 nowMs) const { return m_lastMs < 0 ? -1 : nowMs - m_lastMs; }
    void reset() { *this = ThroughputMeter(); }

private:
    static constexpr qint64 kWindowMs = 1000;
    qint64 m_windowStartMs = -1;
    quint64 m_windowStartBytes = 0;
    qint64 m_lastMs = -1;
    double m_rate = 0.0;
};

} // namespace repodeck::ui
