// Headless mirrors at scale: metrics for node_exporter, freshness, shards,
// overlapping runs, and the documented systemd / Kubernetes examples run as
// written. The real repodeck-cli against real servers and the fault proxy.
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "PrometheusText.h"

#include <QtTest>

using namespace repodeck::test;

class TestOperations : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_cli;
    QString m_root;
    QString m_ws;
    GitDaemonServer m_daemon;
    HttpGitServer m_http;

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("REPODECK_LOG_DIR", m_tmp.filePath("logs"));
        e.insert("HOME", m_tmp.filePath("home"));
        return e;
    }

    int cli(const QStringList &args, QByteArray *out = nullptr, int timeoutMs = 60'000)
    {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(m_cli, QStringList{"--workspace", m_ws} + args);
        p.closeWriteChannel();
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished(5000);
            return -1;
        }
        if (out)
            *out = p.readAllStandardOutput();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

    static QByteArray readFile(const QString &path)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }

    void fastPolicy()
    {
        QCOMPARE(cli({"policy", "set", "fast", "--max-attempts", "4", "--initial-delay", "20ms",
                      "--max-delay", "100ms"}),
                 0);
    }

private slots:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("REPODECK_CLI");
        QVERIFY(QFileInfo(m_cli).isExecutable());
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        for (int i = 0; i < 12; ++i)
            QVERIFY(
                !GitRepoFactory::createBareRepo(m_root, QString("m%1.git").arg(i), 1).isEmpty());
        const QString large = GitRepoFactory::createBareRepo(m_root, "large.git", 1);
        QVERIFY(GitRepoFactory::addLargeFile(large, 800'000));
        const QString large2 = GitRepoFactory::createBareRepo(m_root, "large2.git", 1);
        QVERIFY(GitRepoFactory::addLargeFile(large2, 800'000));
        QVERIFY(m_daemon.start(m_root));
        QVERIFY(m_http.start(m_root));
    }

    void init()
    {
        static int n = 0;
        m_ws = m_tmp.filePath(QString("ws%1/workspace.json").arg(++n));
    }

    void metricsFileDescribesARunThroughTheFaultProxy()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.resetFirst(1);
        fastPolicy();
        QCOMPARE(cli({"add", "flaky", proxy.url("git", "m0.git"), m_tmp.filePath("mx/flaky"),
                      "--policy", "fast"}),
                 0);
        QCOMPARE(cli({"add", "gone", m_http.url("nothing.git"), m_tmp.filePath("mx/gone"),
                      "--policy", "fast"}),
                 0);
        QCOMPARE(cli({"add", "ok", m_daemon.url("m1.git"), m_tmp.filePath("mx/ok.git"), "--mirror",
                      "--policy", "fast"}),
                 0);
        const QString metrics = m_tmp.filePath("textfile/repodeck.prom");
        const qint64 before = QDateTime::currentSecsSinceEpoch();
        QCOMPARE(cli({"sync", "--json", "--metrics-file", metrics}), 1);

        QList<MetricSample> samples;
        QString error;
        QVERIFY2(parsePrometheusText(readFile(metrics), &samples, &error), qPrintable(error));
        {
            const double v = metricValue(samples, "repodeck_repo_last_sync_attempts",
                                         {{"repo", "flaky"}});
            QCOMPARE(v, 2.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_outcome",
                                         {{"repo", "flaky"}, {"outcome", "cloned"}});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_outcome",
                                         {{"repo", "flaky"}, {"outcome", "failed"}});
            QCOMPARE(v, 0.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_outcome",
                                         {{"repo", "gone"}, {"outcome", "failed"}});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_last_failure_info",
                                         {{"repo", "gone"}, {"category", "not_found"}});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_last_success_timestamp_seconds",
                                         {{"repo", "gone"}});
            QCOMPARE(v, 0.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_last_success_timestamp_seconds",
                                         {{"repo", "flaky"}});
            QVERIFY(v >= before);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_last_attempt_timestamp_seconds",
                                         {{"repo", "ok"}});
            QVERIFY(v >= before);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_last_sync_received_bytes",
                                         {{"repo", "ok"}, {"mode", "mirror"}});
            QVERIFY(v > 0);
        }
        {
            const double v = metricValue(samples, "repodeck_run_failed_attempts",
                                         {{"category", "network"}});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_run_failed_attempts",
                                         {{"category", "not_found"}});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_run_attempts", {});
            QCOMPARE(v, 4.0);
        }
        {
            const double v = metricValue(samples, "repodeck_run_retries", {});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_run_finished", {});
            QCOMPARE(v, 1.0);
        }
        const QString proxyHost = QString("127.0.0.1:%1").arg(proxy.port());
        {
            const double v = metricValue(samples, "repodeck_host_breaker_state",
                                         {{"host", proxyHost}, {"state", "closed"}});
            QCOMPARE(v, 1.0);
        }
        QCOMPARE(QDir(QFileInfo(metrics).path()).entryList(QDir::Files | QDir::Hidden),
                 QStringList{"repodeck.prom"});

        // A second run that only syncs one repository still reports all three.
        QCOMPARE(cli({"sync", "ok", "--json", "--metrics-file", metrics}), 0);
        samples.clear();
        QVERIFY(parsePrometheusText(readFile(metrics), &samples, &error));
        {
            const double v = metricValue(samples, "repodeck_repo_outcome",
                                         {{"repo", "flaky"}, {"outcome", "cloned"}});
            QCOMPARE(v, 1.0);
        }
        {
            const double v = metricValue(samples, "repodeck_repo_outcome",
                                         {{"repo", "ok"}, {"outcome", "up_to_date"}});
            QCOMPARE(v, 1.0);
        }
    }

    // Found by a fresh reviewer: a link planted in the (often group-
    // writable) textfile folder had its target replaced by the metrics.
    void metricsFileIsNotWrittenThroughALink()
    {
        QCOMPARE(
            cli({"add", "lk", m_daemon.url("m1.git"), m_tmp.filePath("lk/lk.git"), "--mirror"}), 0);
        const QString victim = m_tmp.filePath("victim.txt");
        QFile v(victim);
        QVERIFY(v.open(QIODevice::WriteOnly) && v.write("precious\n") == 9);
        v.close();
        QVERIFY(QDir().mkpath(m_tmp.filePath("textfile-linked")));
        const QString metrics = m_tmp.filePath("textfile-linked/repodeck.prom");
        QVERIFY(QFile::link(victim, metrics));
        QByteArray out;
        cli({"sync", "lk", "--metrics-file", metrics}, &out);
        QCOMPARE(readFile(victim), QByteArray("precious\n"));
        QVERIFY(QFileInfo(metrics).isSymLink());
    }

    void staleRepositoriesAreReported()
    {
        QCOMPARE(cli({"policy", "set", "fresh", "--stale-after", "6h"}), 0);
        QCOMPARE(cli({"add", "s", m_daemon.url("m2.git"), m_tmp.filePath("st/s"), "--policy",
                      "fresh"}),
                 0);
        QCOMPARE(cli({"add", "t", m_daemon.url("m3.git"), m_tmp.filePath("st/t")}),
                 0); // no freshness target
        QByteArray out;
        QCOMPARE(cli({"status", "--json", "--fail-on-stale"}, &out), 1); // never synced
        QCOMPARE(cli({"sync", "--json"}), 0);
        QCOMPARE(cli({"status", "--json", "--fail-on-stale"}, &out), 0);
        QJsonArray rows = QJsonDocument::fromJson(out).array();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows.at(0).toObject().value("stale").toBool(), false);
        QVERIFY(!rows.at(0).toObject().value("last_success").isNull());

        // Seven hours later (the state file says so): stale.
        const QString statePath = m_ws + ".state.json";
        QJsonObject root = QJsonDocument::fromJson(readFile(statePath)).object();
        QJsonObject repos = root.value("repositories").toObject();
        QJsonObject s = repos.value("s").toObject();
        s.insert("last_success",
                 QDateTime::currentDateTimeUtc().addSecs(-7 * 3600).toString(Qt::ISODateWithMs));
        repos.insert("s", s);
        root.insert("repositories", repos);
        QFile f(statePath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(root).toJson());
        f.close();
        QCOMPARE(cli({"status", "--json", "--fail-on-stale"}, &out), 1);
        rows = QJsonDocument::fromJson(out).array();
        QCOMPARE(rows.at(0).toObject().value("repo").toString(), QString("s"));
        QCOMPARE(rows.at(0).toObject().value("stale").toBool(), true);
        QCOMPARE(rows.at(1).toObject().value("stale").toBool(), false);
        QCOMPARE(cli({"status"}, &out), 0);
        QVERIFY(out.contains("STALE"));
    }

    void shardsCoverEveryRepositoryExactlyOnce()
    {
        for (int i = 0; i < 12; ++i)
            QCOMPARE(cli({"add", QString("repo-%1").arg(i), m_daemon.url(QString("m%1.git").arg(i)),
                          m_tmp.filePath(QString("sh/%1").arg(i))}),
                     0);
        QSet<QString> seen;
        int total = 0;
        for (int shard = 1; shard <= 3; ++shard) {
            QByteArray out;
            QCOMPARE(cli({"sync", "--json", "--shard", QString("%1/3").arg(shard)}, &out), 0);
            for (const QByteArray &line : out.split('\n')) {
                const QJsonObject e = QJsonDocument::fromJson(line).object();
                if (e.value("event").toString() == "repo_done") {
                    ++total;
                    seen.insert(e.value("repo").toString());
                }
            }
        }
        QCOMPARE(total, 12);
        QCOMPARE(seen.size(), 12);
        QCOMPARE(cli({"sync", "--shard", "4/3"}), 2);
        QCOMPARE(cli({"sync", "--shard", "x"}), 2);
    }

    void overlappingRunsNeverShareARepository()
    {
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setThrottle(600'000);
        QCOMPARE(cli({"add", "l1", proxy.url("git", "large.git"), m_tmp.filePath("ov/l1")}), 0);
        QCOMPARE(cli({"add", "l2", proxy.url("git", "large2.git"), m_tmp.filePath("ov/l2")}), 0);
        QProcess first, second;
        for (QProcess *p : {&first, &second})
            p->setProcessEnvironment(env());
        first.start(m_cli, {"--workspace", m_ws, "sync", "--json"});
        QTRY_VERIFY_WITH_TIMEOUT(proxy.currentConnections() == 2, 10'000);
        second.start(m_cli, {"--workspace", m_ws, "sync", "--json"});
        QVERIFY(first.waitForFinished(60'000));
        QVERIFY(second.waitForFinished(60'000));
        QCOMPARE(first.exitCode(), 0);
        QCOMPARE(second.exitCode(), 0);
        const QByteArray secondOut = second.readAllStandardOutput();
        QVERIFY2(secondOut.contains("\"waiting_for_lock\""), secondOut.constData());
        QVERIFY(secondOut.contains("\"outcome\":\"up_to_date\""));
        QCOMPARE(proxy.peakConcurrentConnections(), 2);
        int rc = -1;
        GitRepoFactory::git({"fsck"}, m_tmp.filePath("ov/l1"), &rc);
        QCOMPARE(rc, 0);
    }

    void documentedExamplesRunAsWritten()
    {
        const QString examples = QFINDTESTDATA("../../docs/examples/repodeck-sync.service");
        QVERIFY(!examples.isEmpty());
        const QString dir = QFileInfo(examples).path();
        for (int i = 0; i < 6; ++i)
            QCOMPARE(cli({"add", QString("e%1").arg(i), m_daemon.url(QString("m%1.git").arg(i)),
                          m_tmp.filePath(QString("ex/%1").arg(i)), "--mirror"}),
                     0);
        const QString metricsDir = m_tmp.filePath("ex-metrics");
        auto localise = [&](QString cmd) {
            return cmd.replace("/usr/bin/repodeck-cli", m_cli)
                .replace("exec repodeck-cli --workspace", "exec " + m_cli + " --workspace")
                .replace("/srv/mirrors/workspace.json", m_ws)
                .replace("/mirrors/workspace.json", m_ws)
                .replace("/var/lib/node_exporter/textfile_collector", metricsDir)
                .replace("/metrics/", metricsDir + "/");
        };

        // systemd: the ExecStart line, verbatim but for paths.
        QString execStart;
        for (const QString &line : QString::fromUtf8(readFile(examples)).split('\n'))
            if (line.startsWith("ExecStart="))
                execStart = line.mid(10);
        QVERIFY(!execStart.isEmpty());
        QProcess service;
        service.setProcessEnvironment(env());
        service.start("/bin/sh", {"-c", localise(execStart)});
        QVERIFY(service.waitForFinished(60'000));
        QCOMPARE(service.exitCode(), 0);
        QVERIFY(QFileInfo::exists(metricsDir + "/repodeck.prom"));

        // Kubernetes: the container's args with each completion index.
        QString args;
        for (const QString &line : QString::fromUtf8(readFile(dir + "/cronjob.yaml")).split('\n'))
            if (line.trimmed().startsWith("- exec repodeck-cli"))
                args = line.trimmed().mid(2);
        QVERIFY(!args.isEmpty());
        QSet<QString> synced;
        for (int index = 0; index < 3; ++index) {
            QProcess pod;
            QProcessEnvironment e = env();
            e.insert("JOB_COMPLETION_INDEX", QString::number(index));
            pod.setProcessEnvironment(e);
            pod.start("/bin/sh", {"-c", localise(args)});
            QVERIFY(pod.waitForFinished(60'000));
            QCOMPARE(pod.exitCode(), 0);
            for (const QByteArray &line : pod.readAllStandardOutput().split('\n')) {
                const QJsonObject ev = QJsonDocument::fromJson(line).object();
                if (ev.value("event").toString() == "repo_done")
                    QVERIFY2(!synced.contains(ev.value("repo").toString()),
                             "no repository in two shards");
                if (ev.value("event").toString() == "repo_done")
                    synced.insert(ev.value("repo").toString());
            }
            QVERIFY(QFileInfo::exists(metricsDir + QString("/repodeck-%1.prom").arg(index)));
        }
        QCOMPARE(synced.size(), 6);

        // Alert rules only use metrics that RepoDeck writes.
        const QByteArray written = readFile(metricsDir + "/repodeck.prom");
        static const QRegularExpression metricRe("repodeck_[a-z_]+");
        auto it = metricRe.globalMatch(QString::fromUtf8(readFile(dir + "/alerts.yml")));
        int checked = 0;
        while (it.hasNext()) {
            const QString name = it.next().captured();
            if (name.startsWith("repodeck_sync") || name == "repodeck_repo_")
                continue;
            QVERIFY2(written.contains(("# TYPE " + name + " ").toUtf8()),
                     qPrintable(name + " is not written"));
            ++checked;
        }
        QVERIFY(checked >= 5);
    }
};

QTEST_GUILESS_MAIN(TestOperations)
#include "tst_operations.moc"
