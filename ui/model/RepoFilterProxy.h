#pragma once

#include <QSortFilterProxyModel>

namespace repodeck::ui {

// Sorts by the model's raw values and filters by status and free text.
class RepoFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    enum class Filter { All, Failing, NeedsAttention };

    explicit RepoFilterProxy(QObject *parent = nullptr);

    void setFilter(Filter filter);
    Filter filter() const { return m_filter; }
    // Case-insensitive substring of the name, URL, path or policy.
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    Filter m_filter = Filter::All;
    QString m_search;
};

} // namespace repodeck::ui
