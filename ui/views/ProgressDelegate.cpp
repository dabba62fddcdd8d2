#include "views/ProgressDelegate.h"

#include "model/RepoTableModel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace repodeck::ui {

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    const QVariant percent = index.data(RepoTableModel::ProgressRole);
    if (!percent.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // Selection background first, so the bar sits on the row like its neighbours.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &background, painter, option.widget);

    QStyleOptionProgressBar bar;
    bar.initFrom(option.widget);
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.state &= ~QStyle::State_Selected; // a selected bar draws inverted in some styles
    bar.minimum = 0;
    bar.maximum = 100;
    bar.progress = std::max(0, percent.toInt());
    // One line, elided to the bar: some styles wrap a long label onto a
    // second line the row cannot show. The whole text is the tooltip.
    bar.text = shownText(index.data(Qt::DisplayRole).toString(), option.fontMetrics,
                         bar.rect.width() - 8);
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    if (option.state & QStyle::State_Selected) {
        // The chunk is drawn in the highlight colour: keep it apart from the selection.
        bar.palette.setColor(QPalette::Highlight,
                             option.palette.color(QPalette::Highlight).darker(150));
    }
    painter->save();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
    painter->restore();
}

QString ProgressDelegate::shownText(const QString &text, const QFontMetrics &metrics, int width)
{
    QString line = text;
    line.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return metrics.elidedText(line, Qt::ElideRight, std::max(0, width));
}

QSize ProgressDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(), 260));
    return size;
}

} // namespace repodeck::ui
