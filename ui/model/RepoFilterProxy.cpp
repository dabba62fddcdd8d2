#include "model/RepoFilterProxy.h"

#include "model/RepoTableModel.h"

namespace repodeck::ui {

RepoFilterProxy::RepoFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(RepoTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
    // Status changes can move a row in or out of "failing": re-filter on dataChanged.
    setDynamicSortFilter(true);
}

void RepoFilterProxy::setFilter(Filter filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    invalidateRowsFilter();
}

void RepoFilterProxy::setSearchText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_search)
        return;
    m_search = trimmed;
    invalidateRowsFilter();
}

bool RepoFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    switch (m_filter) {
    case Filter::All: break;
    case Filter::Failing:
        if (!index.data(RepoTableModel::FailingRole).toBool())
            return false;
        break;
    case Filter::NeedsAttention:
        if (!index.data(RepoTableModel::AttentionRole).toBool())
            return false;
        break;
    }
    if (m_search.isEmpty())
        return true;
    return index.data(RepoTableModel::SearchTextRole)
        .toString()
        .contains(m_search, Qt::CaseInsensitive);
}

} // namespace repodeck::ui
