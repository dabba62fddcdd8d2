#include "sync/SyncPlanner.h"

#include <QHashFunctions>

#include <random>

namespace repodeck::core {

namespace {

// Deterministic per repository and moment, so plans are reproducible.
double unitRandom(const QString &name, qint64 salt)
{
    std::mt19937_64 rng(qHash(name, 0) ^ static_cast<quint64>(salt) * 0x9E3779B97F4A7C15ULL);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

} // namespace

SyncPlanner::SyncPlanner(QObject *parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { checkDue(); });
}

QDateTime SyncPlanner::nextDue(const QString &name, const QDateTime &last, Millis interval)
{
    const double factor = 0.9 + 0.2 * unitRandom(name, last.toMSecsSinceEpoch());
    return last.addMSecs(static_cast<qint64>(interval.count() * factor));
}

QDateTime SyncPlanner::startDue(const QString &name, const QDateTime &now, Millis spread)
{
    return now.addMSecs(
        static_cast<qint64>(spread.count() * unitRandom(name, now.toMSecsSinceEpoch())));
}

void SyncPlanner::setItems(const QList<Item> &items)
{
    QHash<QString, Item> next;
    for (const Item &item : items) {
        Item copy = item;
        if (const auto it = m_items.constFind(item.name);
            it != m_items.constEnd() && !copy.lastSync.isValid())
            copy.lastSync = it->lastSync;
        next.insert(item.name, copy);
    }
    m_items = next;
    for (auto it = m_due.begin(); it != m_due.end();) {
        const auto item = m_items.constFind(it.key());
        if (item == m_items.constEnd() || item->interval.count() <= 0)
            it = m_due.erase(it);
        else
            ++it;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const Item &item : std::as_const(m_items)) {
        if (item.interval.count() > 0 && !m_due.contains(item.name))
            m_due.insert(item.name, item.lastSync.isValid()
                                        ? nextDue(item.name, item.lastSync, item.interval)
                                        : startDue(item.name, now, item.interval));
    }
    arm(now);
}

void SyncPlanner::recordSync(const QString &name, const QDateTime &when)
{
    const auto it = m_items.find(name);
    if (it == m_items.end())
        return;
    it->lastSync = when;
    if (it->interval.count() > 0)
        m_due.insert(name, nextDue(name, when, it->interval));
    arm(QDateTime::currentDateTimeUtc());
}

void SyncPlanner::start(const QDateTime &now)
{
    m_due.clear();
    for (const Item &item : std::as_const(m_items)) {
        // A repository synced every few seconds is not left waiting for
        // half a minute of start-up spread.
        if (item.syncOnStart)
            m_due.insert(item.name,
                         startDue(item.name, now,
                                  item.interval.count() > 0 ? std::min(m_startSpread, item.interval)
                                                            : m_startSpread));
        else if (item.interval.count() > 0)
            m_due.insert(item.name, item.lastSync.isValid()
                                        ? nextDue(item.name, item.lastSync, item.interval)
                                        : startDue(item.name, now, item.interval));
    }
    arm(now);
}

void SyncPlanner::checkDue(const QDateTime &now)
{
    QStringList names;
    for (auto it = m_due.begin(); it != m_due.end();) {
        if (it.value() <= now) {
            names << it.key();
            const Item item = m_items.value(it.key());
            // Until the sync reports back, plan the next one from now.
            if (item.interval.count() > 0) {
                it.value() = nextDue(it.key(), now, item.interval);
                ++it;
            } else {
                it = m_due.erase(it);
            }
        } else {
            ++it;
        }
    }
    names.sort();
    if (!names.isEmpty())
        emit due(names);
    arm(now);
}

void SyncPlanner::arm(const QDateTime &now)
{
    QDateTime next;
    for (const QDateTime &d : std::as_const(m_due)) {
        if (!next.isValid() || d < next)
            next = d;
    }
    if (!next.isValid()) {
        m_timer.stop();
        return;
    }
    // Re-check at least every minute: the timer runs on the monotonic clock,
    // the plan on the wall clock.
    const qint64 ms = std::clamp<qint64>(now.msecsTo(next), 0, 60'000);
    m_timer.start(static_cast<int>(ms));
}

} // namespace repodeck::core
