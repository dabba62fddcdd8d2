#pragma once

#include <QFontMetrics>
#include <QStyledItemDelegate>

namespace repodeck::ui {

// Paints the progress column as a native progress bar (no per-row widgets):
// percent from RepoTableModel::ProgressRole, text from the display role.
class ProgressDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The label as painted: one line, elided to `width` pixels.
    static QString shownText(const QString &text, const QFontMetrics &metrics, int width);
};

} // namespace repodeck::ui
