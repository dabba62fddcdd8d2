#pragma once

// The real repodeck-cli run under repodeck-maxrss (REPODECK_MAXRSS), which
// reports its peak RSS as wait4() measured it: for the tests of what a
// hostile server can make a sync spend.
#include "CliRunner.h"
#include "TestEnvironment.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

// In a test function: skips when repodeck-cli or repodeck-maxrss is not
// there, and fails instead under CI=true (a skip in CI hides a missing
// build step).
#define REPODECK_REQUIRE_MEASURED_CLI() \
    REPODECK_REQUIRE( \
        !qEnvironmentVariable("REPODECK_MAXRSS").isEmpty() \
            && !::repodeck::test::CliRunner::binary().isEmpty(), \
        QStringLiteral( \
            "repodeck-cli and repodeck-maxrss are needed (REPODECK_MAXRSS, REPODECK_CLI; set by CTest)"))

// The same for repodeck-cli alone.
#define REPODECK_REQUIRE_CLI() \
    REPODECK_REQUIRE(!::repodeck::test::CliRunner::binary().isEmpty(), \
                     QStringLiteral("repodeck-cli is needed (REPODECK_CLI; set by CTest)"))

namespace repodeck::test {

struct CliSync
{
    int exitCode = -1;
    QByteArray out;
    qint64 elapsedMs = 0;
    qint64 peakRssKiB = -1;
};

// Runs PROGRAM ARGS under repodeck-maxrss; its peak RSS into `*peakKiB`.
inline int runMeasured(const QString &program, const QStringList &args,
                       const QProcessEnvironment &env, int ms, const QString &rssFile,
                       QByteArray *out, qint64 *peakKiB, const QString &workDir = QString())
{
    QProcess p;
    p.setProcessEnvironment(env);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    QFile::remove(rssFile);
    p.start(qEnvironmentVariable("REPODECK_MAXRSS"), QStringList{rssFile, program} + args);
    p.closeWriteChannel();
    if (!p.waitForFinished(ms)) {
        p.terminate(); // the wrapper kills its child
        p.waitForFinished(5000);
        return -1;
    }
    if (out)
        *out = p.readAllStandardOutput() + p.readAllStandardError();
    QFile f(rssFile);
    if (peakKiB && f.open(QIODevice::ReadOnly))
        *peakKiB = f.readAll().trimmed().toLongLong();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// One sync of `url` into `path` through the real CLI (one attempt).
inline CliSync syncThroughCli(const QString &root, const QString &url, const QString &path,
                              int timeoutMs, const QStringList &extraEnv = {},
                              const QStringList &policy = {"--attempt-timeout", "300s"})
{
    CliSync r;
    const QString ws = root + "/workspace.json";
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", root + "/home");
    env.insert("XDG_CONFIG_HOME", root + "/home/.config");
    env.insert("XDG_STATE_HOME", root + "/home/.local/state");
    env.insert("REPODECK_LOG_DIR", root + "/logs");
    env.insert("GIT_CONFIG_NOSYSTEM", "1");
    for (const QString &kv : extraEnv)
        env.insert(kv.section('=', 0, 0), kv.section('=', 1));
    QDir().mkpath(root + "/home");
    const QString cli = CliRunner::binary();
    const QString rss = root + "/maxrss";
    const QStringList wsArgs{"--workspace", ws};
    if (runMeasured(cli,
                    wsArgs + QStringList{"policy", "set", "once", "--max-attempts", "1"} + policy,
                    env, 30'000, rss, nullptr, nullptr)
            != 0
        || runMeasured(cli, wsArgs + QStringList{"add", "h", url, path, "--policy", "once"}, env,
                       30'000, rss, nullptr, nullptr)
               != 0)
        return r;
    QElapsedTimer t;
    t.start();
    r.exitCode = runMeasured(cli, wsArgs + QStringList{"sync", "--json"}, env, timeoutMs, rss,
                             &r.out, &r.peakRssKiB);
    r.elapsedMs = t.elapsed();
    return r;
}

// The first repo_done event in a `sync --json` run's output.
inline QJsonObject firstRepoDone(const QByteArray &out)
{
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value("event").toString() == QLatin1String("repo_done"))
            return o;
    }
    return {};
}

} // namespace repodeck::test
