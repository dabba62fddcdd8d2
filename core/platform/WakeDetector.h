#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace repodeck::core {

// Notices that the machine slept: the wall clock moved on while the
// monotonic clock (which stops during suspend on Linux and macOS) did not.
// Portable, needs no platform power API.
class WakeDetector : public QObject
{
    Q_OBJECT

public:
    explicit WakeDetector(QObject *parent = nullptr, int checkIntervalMs = 5000);

    // One check with explicit readings (tests); returns the detected sleep in ms or 0.
    qint64 check(qint64 wallNowMs, qint64 monotonicNowMs);

signals:
    void resumed(qint64 sleptMs);

private:
    QTimer m_timer;
    QElapsedTimer m_monotonic;
    qint64 m_lastWall = 0;
    qint64 m_lastMonotonic = 0;
};

} // namespace repodeck::core
