#include "metrics/PrometheusMetrics.h"

#include "metrics/Freshness.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include "util/LinkCheck.h"

#include <algorithm>

namespace repodeck::core {

namespace {

QByteArray escape(const QString &value)
{
    QByteArray out;
    for (const char c : value.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray number(double v)
{
    return QByteArray::number(v, 'g', 15);
}

class Writer
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += QByteArray("# HELP ") + name + ' ' + help + '\n';
        m_out += QByteArray("# TYPE ") + name + ' ' + type + '\n';
    }
    void sample(const char *name, const QList<QPair<const char *, QString>> &labels, double value)
    {
        m_out += name;
        if (!labels.isEmpty()) {
            m_out += '{';
            for (int i = 0; i < labels.size(); ++i) {
                if (i)
                    m_out += ',';
                m_out += QByteArray(labels[i].first) + "=\"" + escape(labels[i].second) + '"';
            }
            m_out += '}';
        }
        m_out += ' ' + number(value) + '\n';
    }
    QByteArray text() const { return m_out; }

private:
    QByteArray m_out;
};

double seconds(const QDateTime &t)
{
    return t.isValid() ? t.toMSecsSinceEpoch() / 1000.0 : 0.0;
}

} // namespace

QByteArray renderPrometheus(const MetricsSnapshot &s)
{
    Writer w;
    QList<RepoSpec> repos = s.repositories;
    std::sort(repos.begin(), repos.end(),
              [](const RepoSpec &a, const RepoSpec &b) { return a.name < b.name; });
    auto labels = [](const RepoSpec &r) {
        return QList<QPair<const char *, QString>>{{"repo", r.name},
                                                   {"mode", repoModeName(r.mode)}};
    };

    w.family("repodeck_repo_last_success_timestamp_seconds", "gauge",
             "Unix time of the repository's last successful sync (0 if never).");
    for (const RepoSpec &r : repos)
        w.sample("repodeck_repo_last_success_timestamp_seconds", labels(r),
                 seconds(s.states.state(r.name).lastSuccess));
    w.family("repodeck_repo_last_attempt_timestamp_seconds", "gauge",
             "Unix time the repository's last attempt started (0 if never).");
    for (const RepoSpec &r : repos)
        w.sample("repodeck_repo_last_attempt_timestamp_seconds", labels(r),
                 seconds(s.states.state(r.name).lastAttempt));

    static const QStringList outcomes = {"cloned",       "updated", "up_to_date",
                                         "fetched_only", "failed",  "cancelled"};
    w.family("repodeck_repo_outcome", "gauge",
             "Outcome of the repository's last sync (1 for the current outcome).");
    for (const RepoSpec &r : repos) {
        const QString current = outcomeName(s.states.state(r.name).lastOutcome);
        for (const QString &o : outcomes) {
            auto l = labels(r);
            l.append({"outcome", o});
            w.sample("repodeck_repo_outcome", l, current == o ? 1 : 0);
        }
    }
    w.family("repodeck_repo_last_failure_info", "gauge",
             "Category of the repository's last failure (present only while its last sync failed).");
    for (const RepoSpec &r : repos) {
        const RepoState st = s.states.state(r.name);
        if (st.lastOutcome == Outcome::Failed) {
            auto l = labels(r);
            l.append({"category", categoryName(st.error.category)});
            w.sample("repodeck_repo_last_failure_info", l, 1);
        }
    }
    w.family("repodeck_repo_consecutive_failures", "gauge",
             "Syncs of the repository that failed in a row.");
    for (const RepoSpec &r : repos)
        w.sample("repodeck_repo_consecutive_failures", labels(r),
                 s.states.state(r.name).consecutiveFailures);
    w.family("repodeck_repo_last_sync_attempts", "gauge",
             "Attempts the repository's last sync used.");
    for (const RepoSpec &r : repos)
        w.sample("repodeck_repo_last_sync_attempts", labels(r), s.states.state(r.name).attempts);
    w.family("repodeck_repo_last_sync_received_bytes", "gauge",
             "Bytes received by the repository's last sync.");
    w.family(
        "repodeck_repo_last_sync_duration_seconds", "gauge",
        "Time from the first attempt's start to the last attempt's end of the repository's last sync.");
    for (const RepoSpec &r : repos) {
        const RepoState st = s.states.state(r.name);
        qint64 bytes = 0;
        for (const AttemptRecord &a : st.timeline)
            bytes += a.bytes;
        double duration = 0;
        if (!st.timeline.isEmpty()) {
            const AttemptRecord &first = st.timeline.first(), &last = st.timeline.last();
            duration = (first.started.msecsTo(last.started) + last.duration.count()) / 1000.0;
        }
        w.sample("repodeck_repo_last_sync_received_bytes", labels(r), static_cast<double>(bytes));
        w.sample("repodeck_repo_last_sync_duration_seconds", labels(r), duration);
    }
    w.family("repodeck_repo_stale", "gauge",
             "1 when the last success is older than the policy's stale_after target.");
    w.family("repodeck_repo_stale_after_seconds", "gauge",
             "The policy's freshness target (0 = none).");
    for (const RepoSpec &r : repos) {
        const RetryPolicy p = s.policies.value(r.policy, RetryPolicy::defaults());
        w.sample("repodeck_repo_stale", labels(r),
                 isStale(s.states.state(r.name), p, s.now) ? 1 : 0);
        w.sample("repodeck_repo_stale_after_seconds", labels(r), p.staleAfter.count() / 1000.0);
    }

    w.family("repodeck_host_breaker_state", "gauge",
             "Circuit breaker state per host (1 for the current state).");
    QStringList hosts = s.hosts.keys();
    hosts.sort();
    for (const QString &h : hosts) {
        for (BreakerState st : {BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen})
            w.sample("repodeck_host_breaker_state", {{"host", h}, {"state", breakerStateName(st)}},
                     s.hosts.value(h) == st ? 1 : 0);
    }

    w.family("repodeck_run_failed_attempts", "gauge",
             "Failed attempts in the last run, by error category.");
    static const QStringList categories = {"network",  "timeout",   "server",   "rate_limited",
                                           "auth",     "not_found", "tls",      "host_key",
                                           "protocol", "local",     "cancelled"};
    for (const QString &c : categories)
        w.sample("repodeck_run_failed_attempts", {{"category", c}}, s.attemptFailures.value(c));
    int attempts = 0, retries = 0;
    for (int n : s.attemptsByRepo) {
        attempts += n;
        retries += std::max(0, n - 1);
    }
    w.family("repodeck_run_attempts", "gauge", "Attempts made in the last run.");
    w.sample("repodeck_run_attempts", {}, attempts);
    w.family("repodeck_run_retries", "gauge", "Attempts in the last run that were retries.");
    w.sample("repodeck_run_retries", {}, retries);
    w.family("repodeck_run_repositories", "gauge", "Repositories covered by the last run.");
    w.sample("repodeck_run_repositories", {}, repos.size());
    w.family("repodeck_run_duration_seconds", "gauge", "Duration of the last run so far.");
    w.sample("repodeck_run_duration_seconds", {}, s.runDurationMs / 1000.0);
    w.family("repodeck_run_finished", "gauge", "1 when the run that wrote this file had finished.");
    w.sample("repodeck_run_finished", {}, s.runFinished ? 1 : 0);
    w.family("repodeck_run_timestamp_seconds", "gauge", "Unix time this file was written.");
    w.sample("repodeck_run_timestamp_seconds", {}, seconds(s.now));
    return w.text();
}

QString writeMetricsFile(const QString &path, const QByteArray &text)
{
    // The textfile folder is often group-writable: a link planted there
    // must not make RepoDeck overwrite its target (QSaveFile follows it).
    if (const QString refused = refuseWritingThroughLink(path); !refused.isEmpty())
        return QStringLiteral("cannot write the metrics file: %1").arg(refused);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write the metrics file %1 (%2)").arg(path, file.errorString());
    if (file.write(text) != text.size() || !file.commit())
        return QStringLiteral("cannot write the metrics file %1 (%2)").arg(path, file.errorString());
    return {};
}

} // namespace repodeck::core
