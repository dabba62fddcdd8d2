#include "views/EmptyStateHint.h"

#include <QAbstractItemView>
#include <QCoreApplication>
#include <QEvent>
#include <QPainter>

namespace repodeck::ui {

EmptyStateHint::EmptyStateHint(QAbstractItemView *view, QString emptyText, QString filteredText)
    : QObject(view)
    , m_view(view)
    , m_emptyText(std::move(emptyText))
    , m_filteredText(std::move(filteredText))
{
    view->viewport()->installEventFilter(this);
}

void EmptyStateHint::setFiltered(bool filtered)
{
    m_filtered = filtered;
    m_view->viewport()->update();
}

bool EmptyStateHint::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Paint && m_view->model()
        && m_view->model()->rowCount() == 0) {
        // Let the view paint its (empty) background first, then the hint.
        m_view->viewport()->removeEventFilter(this);
        QCoreApplication::sendEvent(m_view->viewport(), event);
        m_view->viewport()->installEventFilter(this);
        QPainter painter(m_view->viewport());
        QColor color = m_view->palette().color(QPalette::Disabled, QPalette::Text);
        painter.setPen(color);
        const QRect area = m_view->viewport()->rect().adjusted(24, 24, -24, -24);
        painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap,
                         m_filtered ? m_filteredText : m_emptyText);
        return true;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace repodeck::ui
