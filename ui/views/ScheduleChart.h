#pragma once

#include "model/RetrySchedule.h"

#include <QWidget>

namespace repodeck::ui {

// A small bar chart of a retry schedule: one bar per wait, the jitter band
// shaded from its low to its high end and the un-jittered curve as a tick.
// Painted with QPainter; a chart library would be a lot for eight bars.
class ScheduleChart : public QWidget
{
    Q_OBJECT

public:
    explicit ScheduleChart(QWidget *parent = nullptr);

    void setSchedule(const RetrySchedule &schedule);
    const RetrySchedule &schedule() const { return m_schedule; }

    QSize sizeHint() const override { return {360, 150}; }
    QSize minimumSizeHint() const override { return {200, 100}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    RetrySchedule m_schedule;
};

} // namespace repodeck::ui
