#pragma once

#include "model/RepoStatus.h"
#include "retry/RetryPolicy.h"
#include "workspace/RepoSpec.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QIcon>
#include <QList>
#include <QMap>
#include <QTimer>

#include <functional>

namespace repodeck::ui {

// The repository table. Rows are workspace entries; each carries a status
// snapshot from SyncTracker. Status changes only mark rows dirty; a timer
// turns them into one dataChanged per changed row, or a single one for the
// whole table when over half the rows changed (qBittorrent's transfer list
// does the same), so dozens of syncs reporting progress cost a few repaints.
class RepoTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Name,
        Url,
        Mode,
        Policy,
        State,
        Progress,
        LastSuccess,
        LastAttempt,
        NextSync,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value for sorting
        NameRole,                    // the repository's name (row identity)
        ProgressRole,                // int 0..100, -1 = size unknown; invalid when nothing runs
        FailingRole,                 // bool, see RepoStatus::isFailing
        AttentionRole,               // bool, see RepoStatus::needsAttention
        SearchTextRole,              // name, URL, path and policy for the text filter
        StaleRole,                   // bool: last success older than the policy's freshness target
    };

    explicit RepoTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Brings the rows in line with the workspace: removes, updates and appends
    // (in that order), keeping the status of repositories that stay.
    void setRepositories(const QList<core::RepoSpec> &specs);
    // Stores a snapshot and schedules the row's repaint. Unknown names are ignored.
    void setStatus(const QString &name, const RepoStatus &status);
    // When the repository's next scheduled sync is due; invalid = none
    // (its policy has no interval).
    void setNextSync(const QString &name, const QDateTime &when);
    // The workspace's policies, for freshness targets.
    void setPolicies(const QMap<QString, core::RetryPolicy> &policies);

    int rowOf(const QString &name) const { return m_index.value(name, -1); }
    QString nameAt(int row) const;
    const core::RepoSpec *spec(const QString &name) const;
    const RepoStatus *status(const QString &name) const;
    QList<core::RepoSpec> specs() const;
    SyncTotals totals() const { return m_totals; }

    // Emits the pending dataChanged now (tests, and before reading totals).
    void flushPendingUpdates();
    // Shutdown: stop the timers; nothing is emitted afterwards.
    void stopUpdates();
    // The clock used for countdowns and timestamps (tests pin it).
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }

signals:
    void totalsChanged(const repodeck::ui::SyncTotals &totals);

private:
    struct Row
    {
        core::RepoSpec spec;
        QString url; // redacted once, shown many times
        RepoStatus status;
        QDateTime nextSync;
        bool dirty = false;
    };

    void markDirty(int row);
    void tick();
    void rebuildIndex();
    void recomputeTotals();
    QVariant display(const Row &row, int column, const QDateTime &now) const;
    QVariant sortValue(const Row &row, int column) const;
    bool isStale(const Row &row) const;
    QIcon icon(const QString &path) const;

    QList<Row> m_rows;
    QHash<QString, int> m_index;
    int m_dirtyCount = 0;
    QMap<QString, core::RetryPolicy> m_policies;
    mutable QHash<QString, QIcon> m_icons;
    SyncTotals m_totals;
    QTimer m_flushTimer;
    QTimer m_tickTimer; // countdowns move once a second
    QTimer m_minuteTimer;
    bool m_stopped = false;
    std::function<QDateTime()> m_clock;
};

} // namespace repodeck::ui

Q_DECLARE_METATYPE(repodeck::ui::SyncTotals)
