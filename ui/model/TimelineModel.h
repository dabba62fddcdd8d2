#pragma once

#include "sync/SyncTypes.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

#include <optional>

namespace repodeck::ui {

// The attempts of one repository's last (or current) run, as the engine
// recorded them, plus a live row for the attempt still running.
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
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces the finished attempts and drops the live row.
    void setRecords(const QList<core::AttemptRecord> &records);
    // Updates the live row in place (no reset, so the selection stays).
    void setLive(const std::optional<LiveAttempt> &live);
    void clear();

    const QList<core::AttemptRecord> &records() const { return m_records; }
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }

private:
    QVariant recordData(const core::AttemptRecord &r, int column, int role) const;
    QVariant liveData(int column) const;

    QList<core::AttemptRecord> m_records;
    std::optional<LiveAttempt> m_live;
    std::function<QDateTime()> m_clock;
};

} // namespace repodeck::ui
