#include "platform/WakeDetector.h"

#include <QDateTime>

namespace repodeck::core {

namespace {
constexpr qint64 kMinSleepMs = 20'000; // below this it is clock noise or a busy machine
}

WakeDetector::WakeDetector(QObject *parent, int checkIntervalMs)
    : QObject(parent)
{
    m_monotonic.start();
    m_lastWall = QDateTime::currentMSecsSinceEpoch();
    m_lastMonotonic = 0;
    m_timer.setInterval(checkIntervalMs);
    connect(&m_timer, &QTimer::timeout, this,
            [this] { check(QDateTime::currentMSecsSinceEpoch(), m_monotonic.elapsed()); });
    m_timer.start();
}

qint64 WakeDetector::check(qint64 wallNowMs, qint64 monotonicNowMs)
{
    const qint64 wallDelta = wallNowMs - m_lastWall;
    const qint64 monoDelta = monotonicNowMs - m_lastMonotonic;
    m_lastWall = wallNowMs;
    m_lastMonotonic = monotonicNowMs;
    const qint64 slept = wallDelta - monoDelta;
    if (slept >= kMinSleepMs) {
        emit resumed(slept);
        return slept;
    }
    return 0;
}

} // namespace repodeck::core
