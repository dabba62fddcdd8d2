#pragma once

#include "retry/RetryPolicy.h"
#include "state/RepoStateStore.h"
#include "sync/HostGate.h"
#include "workspace/RepoSpec.h"

#include <QDateTime>
#include <QHash>
#include <QList>

namespace repodeck::core {

// Everything one metrics file reports: the repositories of this run (or
// shard) with what the state file remembers of them, the hosts' breakers,
// and this run's failures per category.
struct MetricsSnapshot
{
    QDateTime now;
    qint64 runDurationMs = 0;
    bool runFinished = true;
    QList<RepoSpec> repositories;
    QHash<QString, RetryPolicy> policies; // by policy name
    RepoStateStore states;
    QHash<QString, BreakerState> hosts;  // host key -> state
    QHash<QString, int> attemptFailures; // category -> failed attempts this run
    QHash<QString, int> attemptsByRepo;  // repo -> attempts this run
};

// Prometheus text exposition format 0.0.4 for node_exporter's textfile
// collector. Metric and label names follow Prometheus conventions (base
// units, _seconds/_bytes suffixes, _total only for counters).
QByteArray renderPrometheus(const MetricsSnapshot &snapshot);

// Atomic (temporary file in the same folder, then rename), as the textfile
// collector requires. Returns an error text or empty.
QString writeMetricsFile(const QString &path, const QByteArray &text);

} // namespace repodeck::core
