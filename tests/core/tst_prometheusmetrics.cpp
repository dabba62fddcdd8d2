// What renderPrometheus (core/metrics/PrometheusMetrics) writes for a
// snapshot: one table row per sample, read back with the strict parser of
// tests/support/PrometheusText. The metrics file of a real run through the
// CLI is tests/integration/tst_operations.
#include "metrics/PrometheusMetrics.h"

#include "PrometheusText.h"

#include <QTimeZone>
#include <QtTest>

using namespace repodeck::core;
using repodeck::test::MetricSample;
using repodeck::test::metricCount;
using repodeck::test::metricValue;
using repodeck::test::parsePrometheusText;

namespace {

const QDateTime kNow(QDate(2026, 3, 1), QTime(12, 0), QTimeZone::utc());

double epoch(const QDateTime &t)
{
    return t.toMSecsSinceEpoch() / 1000.0;
}

RepoSpec repo(const QString &name, RepoMode mode = RepoMode::WorkingCopy,
              const QString &policy = "default")
{
    RepoSpec r;
    r.name = name;
    r.url = "https://example.test/" + name + ".git";
    r.path = "/srv/" + name;
    r.mode = mode;
    r.policy = policy;
    return r;
}

AttemptRecord attempt(int n, const QDateTime &started, qint64 ms, qint64 bytes, bool ok)
{
    AttemptRecord a;
    a.attempt = n;
    a.started = started;
    a.duration = Millis(ms);
    a.bytes = bytes;
    a.ok = ok;
    return a;
}

// fresh: cloned an hour ago in two attempts; stale: its last success is 7 h
// old with a 6 h target; broken: failed (timeout) three runs in a row;
// never: not synced yet; mirror: a mirror up to date.
MetricsSnapshot snapshot()
{
    MetricsSnapshot s;
    s.now = kNow;
    s.runDurationMs = 12'500;
    s.runFinished = true;
    s.repositories = {repo("stale", RepoMode::WorkingCopy, "fresh6h"),
                      repo("fresh", RepoMode::WorkingCopy, "fresh6h"), repo("broken"),
                      repo("never", RepoMode::WorkingCopy, "fresh6h"),
                      repo("mirror", RepoMode::Mirror)};
    RetryPolicy sixHours = RetryPolicy::defaults();
    sixHours.name = "fresh6h";
    sixHours.staleAfter = Millis(6 * 3600 * 1000);
    s.policies.insert("fresh6h", sixHours);

    RepoState fresh;
    fresh.lastOutcome = Outcome::Cloned;
    fresh.lastAttempt = kNow.addSecs(-3600);
    fresh.lastSuccess = kNow.addSecs(-3590);
    fresh.attempts = 2;
    fresh.timeline << attempt(1, kNow.addSecs(-3600), 2000, 100, false)
                   << attempt(2, kNow.addSecs(-3596), 6000, 200, true);
    s.states.setState("fresh", fresh);

    RepoState stale;
    stale.lastOutcome = Outcome::Updated;
    stale.lastAttempt = kNow.addSecs(-7 * 3600);
    stale.lastSuccess = stale.lastAttempt;
    stale.attempts = 1;
    stale.timeline << attempt(1, stale.lastAttempt, 1500, 4096, true);
    s.states.setState("stale", stale);

    RepoState broken;
    broken.lastOutcome = Outcome::Failed;
    broken.lastAttempt = kNow.addSecs(-60);
    broken.error.category = ErrorCategory::Timeout;
    broken.attempts = 5;
    broken.consecutiveFailures = 3;
    s.states.setState("broken", broken);

    RepoState mirror;
    mirror.lastOutcome = Outcome::UpToDate;
    mirror.lastAttempt = kNow.addSecs(-30);
    mirror.lastSuccess = mirror.lastAttempt;
    mirror.attempts = 1;
    s.states.setState("mirror", mirror);

    s.hosts.insert("example.test", BreakerState::Open);
    s.hosts.insert("other.test:8443", BreakerState::Closed);
    s.attemptFailures.insert("timeout", 5);
    s.attemptFailures.insert("network", 1);
    s.attemptsByRepo = {{"fresh", 2}, {"broken", 5}, {"mirror", 1}};
    return s;
}

QMap<QString, QString> labels(const QString &spec)
{
    QMap<QString, QString> out;
    for (const QString &pair : spec.split(',', Qt::SkipEmptyParts))
        out.insert(pair.section('=', 0, 0), pair.section('=', 1));
    return out;
}

} // namespace

class TestPrometheusMetrics : public QObject
{
    Q_OBJECT

private slots:
    void samples_data()
    {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("labels");
        QTest::addColumn<double>("expected");
        QTest::newRow("last success")
            << "repodeck_repo_last_success_timestamp_seconds"
            << "repo=fresh,mode=working_copy" << epoch(kNow.addSecs(-3590));
        QTest::newRow("last success, never") << "repodeck_repo_last_success_timestamp_seconds"
                                             << "repo=never" << 0.0;
        QTest::newRow("last success, failed") << "repodeck_repo_last_success_timestamp_seconds"
                                              << "repo=broken" << 0.0;
        QTest::newRow("last attempt") << "repodeck_repo_last_attempt_timestamp_seconds"
                                      << "repo=broken" << epoch(kNow.addSecs(-60));
        QTest::newRow("last attempt, never") << "repodeck_repo_last_attempt_timestamp_seconds"
                                             << "repo=never" << 0.0;
        QTest::newRow("outcome, current") << "repodeck_repo_outcome"
                                          << "repo=fresh,outcome=cloned" << 1.0;
        QTest::newRow("outcome, another") << "repodeck_repo_outcome"
                                          << "repo=fresh,outcome=failed" << 0.0;
        QTest::newRow("outcome, mirror") << "repodeck_repo_outcome"
                                         << "repo=mirror,mode=mirror,outcome=up_to_date" << 1.0;
        QTest::newRow("outcome, never synced") << "repodeck_repo_outcome"
                                               << "repo=never,outcome=cloned" << 0.0;
        QTest::newRow("failure info") << "repodeck_repo_last_failure_info"
                                      << "repo=broken,category=timeout" << 1.0;
        QTest::newRow("consecutive failures") << "repodeck_repo_consecutive_failures"
                                              << "repo=broken" << 3.0;
        QTest::newRow("consecutive failures, none") << "repodeck_repo_consecutive_failures"
                                                    << "repo=fresh" << 0.0;
        QTest::newRow("attempts") << "repodeck_repo_last_sync_attempts"
                                  << "repo=broken" << 5.0;
        QTest::newRow("bytes, every attempt") << "repodeck_repo_last_sync_received_bytes"
                                              << "repo=fresh" << 300.0;
        QTest::newRow("bytes, no timeline") << "repodeck_repo_last_sync_received_bytes"
                                            << "repo=mirror" << 0.0;
        // From the first attempt's start to the last one's end: 4 s + 6 s.
        QTest::newRow("duration") << "repodeck_repo_last_sync_duration_seconds"
                                  << "repo=fresh" << 10.0;
        QTest::newRow("duration, one attempt") << "repodeck_repo_last_sync_duration_seconds"
                                               << "repo=stale" << 1.5;
        QTest::newRow("stale") << "repodeck_repo_stale"
                               << "repo=stale" << 1.0;
        QTest::newRow("not stale") << "repodeck_repo_stale"
                                   << "repo=fresh" << 0.0;
        QTest::newRow("never synced is stale") << "repodeck_repo_stale"
                                               << "repo=never" << 1.0;
        QTest::newRow("no target, never stale") << "repodeck_repo_stale"
                                                << "repo=broken" << 0.0;
        QTest::newRow("stale after") << "repodeck_repo_stale_after_seconds"
                                     << "repo=fresh" << 21600.0;
        QTest::newRow("stale after, none") << "repodeck_repo_stale_after_seconds"
                                           << "repo=broken" << 0.0;
        QTest::newRow("breaker, current") << "repodeck_host_breaker_state"
                                          << "host=example.test,state=open" << 1.0;
        QTest::newRow("breaker, another") << "repodeck_host_breaker_state"
                                          << "host=example.test,state=closed" << 0.0;
        QTest::newRow("breaker, with port") << "repodeck_host_breaker_state"
                                            << "host=other.test:8443,state=closed" << 1.0;
        QTest::newRow("failed attempts") << "repodeck_run_failed_attempts"
                                         << "category=timeout" << 5.0;
        QTest::newRow("failed attempts, none") << "repodeck_run_failed_attempts"
                                               << "category=tls" << 0.0;
        QTest::newRow("run attempts") << "repodeck_run_attempts"
                                      << "" << 8.0;
        QTest::newRow("run retries") << "repodeck_run_retries"
                                     << "" << 5.0;
        QTest::newRow("run repositories") << "repodeck_run_repositories"
                                          << "" << 5.0;
        QTest::newRow("run duration") << "repodeck_run_duration_seconds"
                                      << "" << 12.5;
        QTest::newRow("run finished") << "repodeck_run_finished"
                                      << "" << 1.0;
        QTest::newRow("written at") << "repodeck_run_timestamp_seconds"
                                    << "" << epoch(kNow);
    }
    void samples()
    {
        QFETCH(QString, metric);
        QFETCH(QString, labels);
        QFETCH(double, expected);
        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(renderPrometheus(snapshot()), &samples, &error),
                 qPrintable(error));
        QCOMPARE(metricCount(samples, metric, ::labels(labels)), 1);
        QCOMPARE(metricValue(samples, metric, ::labels(labels)), expected);
    }

    // Only a repository whose last sync failed has a failure sample; each
    // repository has one sample per outcome; each host one per state.
    void sampleCounts_data()
    {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("labels");
        QTest::addColumn<int>("count");
        QTest::newRow("failure info") << "repodeck_repo_last_failure_info"
                                      << "" << 1;
        QTest::newRow("outcomes of one repository") << "repodeck_repo_outcome"
                                                    << "repo=fresh" << 6;
        QTest::newRow("outcomes") << "repodeck_repo_outcome"
                                  << "" << 30;
        QTest::newRow("states of one host") << "repodeck_host_breaker_state"
                                            << "host=example.test" << 3;
        QTest::newRow("categories") << "repodeck_run_failed_attempts"
                                    << "" << 11;
        QTest::newRow("repositories") << "repodeck_repo_last_sync_attempts"
                                      << "" << 5;
    }
    void sampleCounts()
    {
        QFETCH(QString, metric);
        QFETCH(QString, labels);
        QFETCH(int, count);
        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(renderPrometheus(snapshot()), &samples, &error),
                 qPrintable(error));
        QCOMPARE(metricCount(samples, metric, ::labels(labels)), count);
    }

    void everyFamilyHasHelpAndTypeOnce()
    {
        const QByteArray text = renderPrometheus(snapshot());
        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(text, &samples, &error), qPrintable(error));
        QSet<QString> names;
        for (const MetricSample &s : std::as_const(samples))
            names.insert(s.name);
        QVERIFY(names.size() >= 18);
        for (const QString &name : std::as_const(names)) {
            QCOMPARE(text.count(("# TYPE " + name + " gauge\n").toUtf8()), 1);
            QCOMPARE(text.count(("# HELP " + name + " ").toUtf8()), 1);
        }
        QVERIFY(text.endsWith('\n'));
    }

    // Repositories in name order, whatever the workspace's order, so two runs
    // over the same state write the same file.
    void repositoriesInNameOrder()
    {
        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(renderPrometheus(snapshot()), &samples, &error),
                 qPrintable(error));
        QStringList order;
        for (const MetricSample &s : std::as_const(samples)) {
            if (s.name == QLatin1String("repodeck_repo_last_sync_attempts"))
                order << s.labels.value("repo");
        }
        QCOMPARE(order, QStringList({"broken", "fresh", "mirror", "never", "stale"}));
        MetricsSnapshot reversed = snapshot();
        std::reverse(reversed.repositories.begin(), reversed.repositories.end());
        QCOMPARE(renderPrometheus(reversed), renderPrometheus(snapshot()));
    }

    // Label values are escaped as the format says (backslash, quote, line
    // feed), so no name or host can end a sample early or add one.
    void labelValuesAreEscaped()
    {
        MetricsSnapshot s;
        s.now = kNow;
        s.repositories = {repo("a\"b\\c\nrepodeck_run_finished 0")};
        s.hosts.insert("h\"ost", BreakerState::Closed);
        const QByteArray text = renderPrometheus(s);
        QVERIFY2(text.contains("repo=\"a\\\"b\\\\c\\nrepodeck_run_finished 0\""), text.constData());
        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(text, &samples, &error), qPrintable(error));
        QCOMPARE(metricValue(samples, "repodeck_repo_last_sync_attempts",
                             {{"repo", "a\"b\\c\nrepodeck_run_finished 0"}}),
                 0.0);
        QCOMPARE(metricValue(samples, "repodeck_host_breaker_state",
                             {{"host", "h\"ost"}, {"state", "closed"}}),
                 1.0);
        QCOMPARE(metricCount(samples, "repodeck_run_finished"), 1);
    }

    void unfinishedRunSaysSo()
    {
        MetricsSnapshot s = snapshot();
        s.runFinished = false;
        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(renderPrometheus(s), &samples, &error), qPrintable(error));
        QCOMPARE(metricValue(samples, "repodeck_run_finished"), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusMetrics)
#include "tst_prometheusmetrics.moc"
