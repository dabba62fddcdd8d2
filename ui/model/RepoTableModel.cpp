#include "model/RepoTableModel.h"

#include "metrics/Freshness.h"
#include "model/RepoProgress.h"
#include "model/StatusText.h"
#include "util/RemoteUrl.h"

#include <QBrush>
#include <QColor>
#include <QIcon>
#include <QSet>

namespace repodeck::ui {

namespace {

// Order for the state column: what needs a look first, then what runs.
int stateRank(const RepoStatus &s)
{
    switch (s.activity) {
    case core::Activity::Running: return 2;
    case core::Activity::Waiting: return 3;
    case core::Activity::WaitingLock:
    case core::Activity::Held: return 4;
    case core::Activity::Queued: return 5;
    case core::Activity::Idle: break;
    }
    switch (s.last.lastOutcome) {
    case core::Outcome::Failed: return 0;
    case core::Outcome::FetchedOnly: return 1;
    case core::Outcome::Cancelled: return 6;
    case core::Outcome::Cloned:
    case core::Outcome::Updated:
    case core::Outcome::UpToDate: return 7;
    case core::Outcome::None: return 8;
    }
    return 8;
}

QString stateIcon(const RepoStatus &s)
{
    switch (s.activity) {
    case core::Activity::Running: return QStringLiteral(":/icons/state-syncing.svg");
    case core::Activity::Waiting:
    case core::Activity::WaitingLock:
    case core::Activity::Held: return QStringLiteral(":/icons/state-waiting.svg");
    case core::Activity::Queued: return QStringLiteral(":/icons/state-queued.svg");
    case core::Activity::Idle: break;
    }
    switch (s.last.lastOutcome) {
    case core::Outcome::Failed: return QStringLiteral(":/icons/state-failed.svg");
    case core::Outcome::FetchedOnly: return QStringLiteral(":/icons/state-attention.svg");
    case core::Outcome::Cancelled: return QStringLiteral(":/icons/state-cancelled.svg");
    case core::Outcome::None: return QStringLiteral(":/icons/state-idle.svg");
    default: return QStringLiteral(":/icons/state-ok.svg");
    }
}

qint64 timeValue(const QDateTime &t)
{
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

} // namespace

RepoTableModel::RepoTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    qRegisterMetaType<SyncTotals>();
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(150);
    connect(&m_flushTimer, &QTimer::timeout, this, &RepoTableModel::flushPendingUpdates);
    m_tickTimer.setInterval(1000);
    connect(&m_tickTimer, &QTimer::timeout, this, &RepoTableModel::tick);
    // Time alone turns a repository stale and moves "today" to "yesterday":
    // repaint everything once a minute (one dataChanged for the whole table).
    m_minuteTimer.setInterval(60'000);
    m_minuteTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_minuteTimer, &QTimer::timeout, this, [this] {
        for (int row = 0; row < m_rows.size(); ++row)
            markDirty(row);
    });
    m_minuteTimer.start();
}

int RepoTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RepoTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RepoTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Name");
    case Url: return tr("URL");
    case Mode: return tr("Mode");
    case Policy: return tr("Policy");
    case State: return tr("State");
    case Progress: return tr("Progress");
    case LastSuccess: return tr("Last success");
    case LastAttempt: return tr("Last attempt");
    case NextSync: return tr("Next sync");
    default: return {};
    }
}

QVariant RepoTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const RepoStatus &st = row.status;
    switch (role) {
    case Qt::DisplayRole: return display(row, index.column(), m_clock());
    case Qt::ToolTipRole:
        if (index.column() == State) {
            const QString problem = text::problem(st.last);
            const QString fix = text::fix(st.last);
            if (!st.isActive() && !problem.isEmpty())
                return fix.isEmpty() ? problem : problem + QStringLiteral("\n\n") + fix;
        }
        if (index.column() == Name)
            return row.spec.path;
        if (index.column() == LastSuccess || index.column() == LastAttempt) {
            const QDateTime t = index.column() == LastSuccess ? st.last.lastSuccess
                                                              : st.last.lastAttempt;
            QString tip = t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::LongFormat)
                                      : tr("never");
            if (index.column() == LastSuccess && isStale(row))
                tip += QLatin1Char('\n')
                       + tr("Stale: older than the policy's freshness target (%1).")
                             .arg(
                                 core::humanDuration(m_policies.value(row.spec.policy).staleAfter));
            return tip;
        }
        if (index.column() == NextSync && !row.nextSync.isValid())
            return tr("No scheduled sync: the policy has no interval.");
        return display(row, index.column(), m_clock());
    case Qt::DecorationRole:
        if (index.column() == State)
            return icon(stateIcon(st));
        return {};
    case Qt::ForegroundRole:
        if (index.column() == LastSuccess && isStale(row))
            return QBrush(QColor(0xc0, 0x6a, 0x00));
        return {};
    case SortRole: return sortValue(row, index.column());
    case NameRole: return row.spec.name;
    case ProgressRole:
        if (st.activity == core::Activity::Running)
            return progressPercent(st.progress);
        return {};
    case FailingRole: return st.isFailing();
    case AttentionRole: return st.needsAttention() || isStale(row);
    case StaleRole: return isStale(row);
    case SearchTextRole:
        return QStringList{row.spec.name, row.url, row.spec.path, row.spec.policy}.join(
            QLatin1Char('\n'));
    default: return {};
    }
}

QVariant RepoTableModel::display(const Row &row, int column, const QDateTime &now) const
{
    const RepoStatus &st = row.status;
    switch (column) {
    case Name: return row.spec.name;
    case Url: return row.url;
    case Mode: return text::mode(row.spec.mode);
    case Policy: return row.spec.policy;
    case State: return text::state(st, now);
    case Progress: return st.activity == core::Activity::Running ? text::progress(st) : QString();
    case LastSuccess:
        return st.last.lastSuccess.isValid() ? text::timestamp(st.last.lastSuccess, now)
                                             : tr("never");
    case LastAttempt:
        return st.last.lastAttempt.isValid() ? text::timestamp(st.last.lastAttempt, now)
                                             : tr("never");
    case NextSync:
        return row.nextSync.isValid() ? text::timestamp(row.nextSync, now) : QStringLiteral("—");
    default: return {};
    }
}

QVariant RepoTableModel::sortValue(const Row &row, int column) const
{
    const RepoStatus &st = row.status;
    switch (column) {
    case Name: return row.spec.name;
    case Url: return row.url;
    case Mode: return static_cast<int>(row.spec.mode);
    case Policy: return row.spec.policy;
    case State: return stateRank(st);
    case Progress:
        return st.activity == core::Activity::Running ? progressPercent(st.progress) : -2;
    case LastSuccess: return timeValue(st.last.lastSuccess);
    case LastAttempt: return timeValue(st.last.lastAttempt);
    case NextSync: return timeValue(row.nextSync);
    default: return {};
    }
}

void RepoTableModel::setRepositories(const QList<core::RepoSpec> &specs)
{
    QSet<QString> wanted;
    for (const core::RepoSpec &s : specs)
        wanted.insert(s.name);

    // Remove from the bottom so earlier row numbers stay valid; one
    // beginRemoveRows per contiguous run.
    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0;) {
        if (wanted.contains(m_rows.at(row).spec.name)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !wanted.contains(m_rows.at(first - 1).spec.name))
            --first;
        beginRemoveRows({}, first, row);
        for (int r = row; r >= first; --r) {
            if (m_rows.at(r).dirty)
                --m_dirtyCount;
        }
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }
    rebuildIndex();

    QList<core::RepoSpec> added;
    for (const core::RepoSpec &s : specs) {
        const int row = rowOf(s.name);
        if (row < 0) {
            added.append(s);
        } else if (!(m_rows.at(row).spec == s)) {
            m_rows[row].spec = s;
            m_rows[row].url = core::RemoteUrl::parse(s.url).redacted();
            markDirty(row);
        }
    }
    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        for (const core::RepoSpec &s : std::as_const(added)) {
            Row row;
            row.spec = s;
            row.url = core::RemoteUrl::parse(s.url).redacted();
            m_index.insert(s.name, static_cast<int>(m_rows.size()));
            m_rows.append(row);
        }
        endInsertRows();
    }
    recomputeTotals();
}

void RepoTableModel::setStatus(const QString &name, const RepoStatus &status)
{
    const int row = rowOf(name);
    if (row < 0)
        return;
    m_rows[row].status = status;
    markDirty(row);
}

void RepoTableModel::setNextSync(const QString &name, const QDateTime &when)
{
    const int row = rowOf(name);
    if (row < 0 || m_rows.at(row).nextSync == when)
        return;
    m_rows[row].nextSync = when;
    markDirty(row);
}

void RepoTableModel::setPolicies(const QMap<QString, core::RetryPolicy> &policies)
{
    m_policies = policies;
    for (int row = 0; row < m_rows.size(); ++row)
        markDirty(row);
}

QIcon RepoTableModel::icon(const QString &path) const
{
    // One QIcon per file: a QIcon caches its rendered pixmaps, a new one
    // would render the SVG again on every repaint.
    auto it = m_icons.find(path);
    if (it == m_icons.end())
        it = m_icons.insert(path, QIcon(path));
    return *it;
}

bool RepoTableModel::isStale(const Row &row) const
{
    const auto policy = m_policies.constFind(row.spec.policy);
    return policy != m_policies.constEnd() && policy->staleAfter.count() > 0
           && row.status.activity == core::Activity::Idle
           && core::isStale(row.status.last, *policy, m_clock());
}

QString RepoTableModel::nameAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).spec.name : QString();
}

const core::RepoSpec *RepoTableModel::spec(const QString &name) const
{
    const int row = rowOf(name);
    return row < 0 ? nullptr : &m_rows.at(row).spec;
}

const RepoStatus *RepoTableModel::status(const QString &name) const
{
    const int row = rowOf(name);
    return row < 0 ? nullptr : &m_rows.at(row).status;
}

QList<core::RepoSpec> RepoTableModel::specs() const
{
    QList<core::RepoSpec> out;
    out.reserve(m_rows.size());
    for (const Row &row : m_rows)
        out.append(row.spec);
    return out;
}

void RepoTableModel::markDirty(int row)
{
    Row &r = m_rows[row];
    if (!r.dirty) {
        r.dirty = true;
        ++m_dirtyCount;
    }
    if (!m_stopped && !m_flushTimer.isActive())
        m_flushTimer.start();
}

void RepoTableModel::flushPendingUpdates()
{
    m_flushTimer.stop();
    if (m_dirtyCount == 0 || m_stopped)
        return;
    const int rows = static_cast<int>(m_rows.size());
    const int last = ColumnCount - 1;
    if (m_dirtyCount * 2 > rows) {
        for (Row &r : m_rows)
            r.dirty = false;
        m_dirtyCount = 0;
        emit dataChanged(index(0, 0), index(rows - 1, last));
    } else {
        for (int row = 0; row < rows && m_dirtyCount > 0; ++row) {
            if (!m_rows.at(row).dirty)
                continue;
            m_rows[row].dirty = false;
            --m_dirtyCount;
            emit dataChanged(index(row, 0), index(row, last));
        }
    }
    recomputeTotals();
}

void RepoTableModel::stopUpdates()
{
    m_stopped = true;
    m_flushTimer.stop();
    m_tickTimer.stop();
    m_minuteTimer.stop();
}

void RepoTableModel::tick()
{
    bool waiting = false;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).status.activity == core::Activity::Waiting) {
            markDirty(row);
            waiting = true;
        }
    }
    if (!waiting)
        m_tickTimer.stop();
}

void RepoTableModel::rebuildIndex()
{
    m_index.clear();
    m_index.reserve(m_rows.size());
    for (int row = 0; row < m_rows.size(); ++row)
        m_index.insert(m_rows.at(row).spec.name, row);
}

void RepoTableModel::recomputeTotals()
{
    SyncTotals t;
    for (const Row &row : std::as_const(m_rows)) {
        const RepoStatus &s = row.status;
        switch (s.activity) {
        case core::Activity::Running:
            ++t.running;
            t.bytesPerSecond += s.bytesPerSecond;
            break;
        case core::Activity::Queued: ++t.queued; break;
        case core::Activity::Waiting:
        case core::Activity::WaitingLock:
        case core::Activity::Held: ++t.waiting; break;
        case core::Activity::Idle:
            if (s.last.lastOutcome == core::Outcome::Failed)
                ++t.failed;
            else if (s.last.lastOutcome == core::Outcome::FetchedOnly)
                ++t.attention;
            break;
        }
    }
    if (t.waiting > 0 && !m_stopped && !m_tickTimer.isActive())
        m_tickTimer.start();
    if (t != m_totals) {
        m_totals = t;
        emit totalsChanged(m_totals);
    }
}

} // namespace repodeck::ui
