#include "model/TimelineModel.h"

#include "model/StatusText.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

namespace repodeck::ui {

TimelineModel::TimelineModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : fixedRows() + (m_live ? 1 : 0);
}

int TimelineModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Attempt: return tr("Attempt");
    case Started: return tr("Started");
    case Duration: return tr("Duration");
    case Bytes: return tr("Bytes");
    case Result: return tr("Result");
    case Message: return tr("Message");
    case NextDelay: return tr("Delay before next");
    default: return {};
    }
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (index.row() < m_records.size())
        return recordData(m_records.at(index.row()), index.column(), role);
    if (index.row() == afterSyncRow())
        return afterSyncData(index.column(), role);
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
        return liveData(index.column());
    return {};
}

QVariant TimelineModel::recordData(const core::AttemptRecord &r, int column, int role) const
{
    if (role == Qt::ForegroundRole && column == Result && !r.ok)
        return QBrush(QColor(0xc0, 0x39, 0x2b));
    if (role == Qt::ToolTipRole && column == Message)
        return r.error.text();
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const QDateTime now = m_clock();
    switch (column) {
    case Attempt: return QStringLiteral("%1 of %2").arg(r.attempt).arg(r.maxAttempts);
    case Started: return text::timestamp(r.started, now);
    case Duration: return core::humanDuration(r.duration);
    case Bytes: return text::bytes(r.bytes);
    case Result:
        if (r.ok)
            return tr("ok");
        return r.error.transient ? tr("%1 (transient)").arg(text::category(r.error.category))
                                 : text::category(r.error.category);
    case Message: return r.ok ? QString() : r.error.message;
    case NextDelay:
        return r.retryIn.count() >= 0 ? core::humanDuration(r.retryIn) : QStringLiteral("—");
    default: return {};
    }
}

QVariant TimelineModel::afterSyncData(int column, int role) const
{
    const core::AfterSyncRecord &a = m_afterSync;
    if (role == Qt::ForegroundRole && column == Result && !a.ok())
        return QBrush(QColor(0xc0, 0x39, 0x2b));
    // The whole tail of its output on hover; the row shows its last line.
    if (role == Qt::ToolTipRole && column == Message)
        return a.output.isEmpty() ? a.error : a.output;
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (column) {
    case Attempt: return tr("after_sync");
    case Started: return text::timestamp(a.started, m_clock());
    case Duration: return core::humanDuration(core::Millis(a.durationMs));
    case Result:
        if (a.timedOut)
            return tr("timed out");
        if (a.killed)
            return tr("killed on cancel");
        if (a.startFailed)
            return tr("could not start");
        if (a.exitCode < 0)
            return tr("crashed");
        return tr("exit code %1").arg(a.exitCode);
    case Message: {
        const QStringList lines = a.output.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        return lines.isEmpty() ? (a.ok() ? QString() : a.error) : lines.last();
    }
    case Bytes:
    case NextDelay:
    default: return {};
    }
}

QVariant TimelineModel::liveData(int column) const
{
    const LiveAttempt &l = *m_live;
    const QDateTime now = m_clock();
    switch (column) {
    case Attempt: return QStringLiteral("%1 of %2").arg(l.attempt).arg(l.maxAttempts);
    case Started: return text::timestamp(l.started, now);
    case Duration:
        return l.started.isValid()
                   ? core::humanDuration(core::Millis(std::max<qint64>(0, l.started.msecsTo(now))))
                   : QString();
    case Bytes: return text::bytes(l.bytes);
    case Result: return tr("running…");
    case Message:
    case NextDelay:
    default: return {};
    }
}

void TimelineModel::setRecords(const QList<core::AttemptRecord> &records,
                               const core::AfterSyncRecord &afterSync)
{
    beginResetModel();
    m_records = records;
    m_afterSync = afterSync;
    m_live.reset();
    endResetModel();
}

void TimelineModel::setLive(const std::optional<LiveAttempt> &live)
{
    const int liveRow = fixedRows();
    if (live && m_live) {
        m_live = live;
        emit dataChanged(index(liveRow, 0), index(liveRow, ColumnCount - 1));
    } else if (live) {
        beginInsertRows({}, liveRow, liveRow);
        m_live = live;
        endInsertRows();
    } else if (m_live) {
        beginRemoveRows({}, liveRow, liveRow);
        m_live.reset();
        endRemoveRows();
    }
}

void TimelineModel::clear()
{
    beginResetModel();
    m_records.clear();
    m_afterSync = {};
    m_live.reset();
    endResetModel();
}

} // namespace repodeck::ui
