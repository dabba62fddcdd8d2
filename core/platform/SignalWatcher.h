#pragma once

#include <QObject>

namespace repodeck::core {

// Turns SIGINT/SIGTERM (Ctrl+C / console close on Windows) into a Qt signal
// on the main thread, so shutdown can cancel cleanly instead of dying
// mid-write. One per process.
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void interrupted(int signalNumber);

private:
    struct Impl;
    Impl *d;
};

} // namespace repodeck::core
