#pragma once

#include "util/Duration.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QStringList>
#include <QTimer>

namespace repodeck::core {

// Scheduled syncs: each repository with an interval is due again one
// interval after its last sync, give or take 10 % (seeded per repository, so
// a hundred mirrors with the same interval do not all start in the same
// second). "Sync on start" repositories are due within a short spread after
// start (at most their interval). Works on the wall clock, so syncs that fell due while the machine
// slept run as soon as it wakes.
class SyncPlanner : public QObject
{
    Q_OBJECT

public:
    struct Item
    {
        QString name;
        Millis interval{0}; // 0: not scheduled
        bool syncOnStart = false;
        QDateTime lastSync; // invalid: never
    };

    explicit SyncPlanner(QObject *parent = nullptr);

    void setItems(const QList<Item> &items);
    void recordSync(const QString &name, const QDateTime &when);
    // Plans every item from `now`, including the start-up syncs, and arms the timer.
    void start(const QDateTime &now = QDateTime::currentDateTimeUtc());
    // Emits what is overdue now (after a suspend, or from a test).
    void checkDue(const QDateTime &now = QDateTime::currentDateTimeUtc());

    QDateTime dueAt(const QString &name) const { return m_due.value(name); }
    void setStartSpread(Millis spread) { m_startSpread = spread; }

    // Pure: when `name` is next due after a sync at `last`.
    static QDateTime nextDue(const QString &name, const QDateTime &last, Millis interval);
    // Pure: the start-up moment of `name` within `spread` of `now`.
    static QDateTime startDue(const QString &name, const QDateTime &now, Millis spread);

signals:
    void due(const QStringList &names);

private:
    void arm(const QDateTime &now);

    QHash<QString, Item> m_items;
    QHash<QString, QDateTime> m_due;
    Millis m_startSpread{30'000};
    QTimer m_timer;
};

} // namespace repodeck::core
