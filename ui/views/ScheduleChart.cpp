#include "views/ScheduleChart.h"

#include "model/StatusText.h"

#include <cmath>

#include <QPainter>

namespace repodeck::ui {

ScheduleChart::ScheduleChart(QWidget *parent)
    : QWidget(parent)
{
    setAccessibleName(tr("Retry schedule chart"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ScheduleChart::setSchedule(const RetrySchedule &schedule)
{
    m_schedule = schedule;
    QStringList waits;
    for (const RetryStep &s : schedule.steps)
        waits << tr("wait %1: %2 to %3")
                     .arg(s.retry)
                     .arg(text::duration(s.low), text::duration(s.high));
    setAccessibleDescription(waits.isEmpty() ? tr("No retries") : waits.join(QStringLiteral("; ")));
    update();
}

void ScheduleChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const QFontMetrics fm(font());
    const int labelWidth = fm.horizontalAdvance(QStringLiteral("00 min 00 s")) + 6;
    const QRect plot = rect().adjusted(labelWidth, fm.height() / 2 + 4, -8, -(fm.height() + 6));
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(plot.adjusted(0, 0, -1, -1));

    const QList<RetryStep> &steps = m_schedule.steps;
    if (steps.isEmpty() || plot.width() < 10 || plot.height() < 10) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(plot, Qt::AlignCenter, tr("One attempt: no retries"));
        return;
    }
    qint64 top = 1;
    for (const RetryStep &s : steps)
        top = std::max<qint64>(top, s.high.count());

    // Axis: zero and the largest delay.
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(0, plot.top() - fm.height() / 2, labelWidth - 4, fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, text::duration(core::Millis(top)));
    p.drawText(QRect(0, plot.bottom() - fm.height() / 2, labelWidth - 4, fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("0"));

    const int n = static_cast<int>(steps.size());
    const double slot = static_cast<double>(plot.width()) / n;
    const double barWidth = std::max(2.0, std::min(36.0, slot * 0.6));
    auto y = [&](qint64 ms) {
        return plot.bottom()
               - static_cast<double>(ms) / static_cast<double>(top) * (plot.height() - 1);
    };
    const QColor band = QColor(0x2f, 0x6f, 0xb3);
    // Label every k-th bar so the numbers never overlap.
    const double numberWidth = fm.horizontalAdvance(QStringLiteral("00")) * 1.8;
    const int labelEvery = std::max(1, static_cast<int>(std::ceil(numberWidth / slot)));
    for (int i = 0; i < n; ++i) {
        const RetryStep &s = steps.at(i);
        const double cx = plot.left() + slot * (i + 0.5);
        const QRectF bandRect(cx - barWidth / 2, y(s.high.count()), barWidth,
                              std::max(1.5, y(s.low.count()) - y(s.high.count())));
        QColor fill = band;
        fill.setAlpha(90);
        p.fillRect(bandRect, fill);
        p.setPen(QPen(band, 1));
        p.drawRect(bandRect);
        // The un-jittered curve, as a bold tick.
        p.setPen(QPen(pal.color(QPalette::Text), 2));
        const double by = y(s.base.count());
        p.drawLine(QPointF(cx - barWidth / 2 - 2, by), QPointF(cx + barWidth / 2 + 2, by));
        if (i % labelEvery == 0) {
            p.setPen(pal.color(QPalette::Text));
            p.drawText(QRectF(cx - slot, plot.bottom() + 3, slot * 2, fm.height()),
                       Qt::AlignHCenter | Qt::AlignTop, QString::number(s.retry));
        }
    }
}

} // namespace repodeck::ui
