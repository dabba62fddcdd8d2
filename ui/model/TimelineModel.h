#pragma once

#include "state/RepoState.h"
#include "sync/SyncTypes.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

#include <optional>

namespace repodeck::ui {

// The attempts of one repository's last (or current) run, as the engine
// recorded them, then a row for the run's after_sync command when one ran,
// plus a live row for the attempt still running.
class TimelineModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Attempt, Started, Duration, Bytes, Result, Message, NextDelay, ColumnCount };

    // The attempt in progress: shown after the finished ones.
    struct LiveAttempt
    {
        int attempt = 0;
        int maxAttempts = 0;
        QDateTime started;
        qint64 bytes = 0;
    };

    explicit TimelineModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces the finished attempts (and the after_sync row) and drops the live row.
    void setRecords(const QList<core::AttemptRecord> &records,
                    const core::AfterSyncRecord &afterSync = {});
    // Updates the live row in place (no reset, so the selection stays).
    void setLive(const std::optional<LiveAttempt> &live);
    void clear();

    const core::AfterSyncRecord &afterSync() const { return m_afterSync; }
    // The row of the after_sync command, or -1.
    int afterSyncRow() const
    {
        return m_afterSync.isValid() ? static_cast<int>(m_records.size()) : -1;
    }
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }

private:
    QVariant recordData(const core::AttemptRecord &r, int column, int role) const;
    QVariant liveData(int column) const;
    QVariant afterSyncData(int column, int role) const;
    int fixedRows() const
    {
        return static_cast<int>(m_records.size()) + (m_afterSync.isValid() ? 1 : 0);
    }

    QList<core::AttemptRecord> m_records;
    core::AfterSyncRecord m_afterSync;
    std::optional<LiveAttempt> m_live;
    std::function<QDateTime()> m_clock;
};

} // namespace repodeck::ui
