#pragma once

#include <QObject>
#include <QString>

class QAbstractItemView;

namespace repodeck::ui {

// Paints a short hint in an item view's viewport while its model has no
// rows: what an empty window is for and how to fill it. The text changes
// with the situation (no repositories yet vs. a filter that matches none).
class EmptyStateHint : public QObject
{
    Q_OBJECT

public:
    EmptyStateHint(QAbstractItemView *view, QString emptyText, QString filteredText);
    void setFiltered(bool filtered);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QAbstractItemView *m_view;
    QString m_emptyText;
    QString m_filteredText;
    bool m_filtered = false;
};

} // namespace repodeck::ui
