#include "model/ThroughputMeter.h"

namespace repodeck::ui {

double ThroughputMeter::add(qint64 nowMs, quint64 totalBytes)
{
    m_lastMs = nowMs;
    if (m_windowStartMs < 0 || totalBytes < m_windowStartBytes) {
        m_windowStartMs = nowMs;
        m_windowStartBytes = totalBytes;
        return m_rate;
    }
    const qint64 elapsed = nowMs - m_windowStartMs;
    if (elapsed < kWindowMs)
        return m_rate;
    const double current = static_cast<double>(totalBytes - m_windowStartBytes) * 1000.0
                           / static_cast<double>(elapsed);
    m_rate = m_rate <= 0.0 ? current : 0.6 * current + 0.4 * m_rate;
    m_windowStartMs = nowMs;
    m_windowStartBytes = totalBytes;
    return m_rate;
}

} // namespace repodeck::ui
