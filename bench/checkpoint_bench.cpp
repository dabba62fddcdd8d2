// Benchmark for checkpointed clones (docs/benchmarks.md, "Checkpointed clone").
// Builds a history with many tags, then in one run, through the fault proxy:
//   clean link:   git clone | repodeck plain clone | repodeck checkpoint=always
//   cutting link: git clone | repodeck (checkpoint=auto)
// and prints wall time, bytes sent to the client and attempts.
// Usage: checkpoint_bench [TAGS] [BYTES_PER_TAG] [CUT_BYTES]
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "git/GitLibrary.h"
#include "sync/Scheduler.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>

#include <cstdio>

using namespace repodeck;
using namespace repodeck::test;

namespace {

struct Figure
{
    QString what;
    bool ok = false;
    qint64 ms = 0;
    qint64 bytes = 0;
    int attempts = 0;
};

Figure gitClone(FaultProxy &proxy, const QString &url, const QString &dest, const QString &what)
{
    proxy.resetStats();
    QElapsedTimer t;
    t.start();
    int rc = -1;
    GitRepoFactory::git({"clone", "-q", url, dest}, QFileInfo(dest).path(), &rc);
    return {what, rc == 0, t.elapsed(), proxy.bytesToClient(), 1};
}

Figure repodeckClone(FaultProxy &proxy, const QString &url, const QString &dest,
                     core::Checkpoint mode, const QString &what)
{
    proxy.resetStats();
    core::Scheduler scheduler;
    core::RepoSpec spec;
    spec.name = "bench";
    spec.url = url;
    spec.path = dest;
    core::RetryPolicy policy;
    policy.maxAttempts = 30;
    policy.initialDelay = core::Millis(50);
    policy.maxDelay = core::Millis(200);
    policy.checkpoint = mode;
    core::RepoResult result;
    QEventLoop loop;
    QObject::connect(&scheduler, &core::Scheduler::finished, &loop,
                     [&](const QString &, const core::RepoResult &r) {
        result = r;
        loop.quit();
    });
    QElapsedTimer t;
    t.start();
    scheduler.sync(spec, policy);
    loop.exec();
    return {what, result.outcome == core::Outcome::Cloned, t.elapsed(), proxy.bytesToClient(),
            result.attempts};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int tags = argc > 1 ? atoi(argv[1]) : 40;
    const qint64 perTag = argc > 2 ? atoll(argv[2]) : 1'000'000;
    const qint64 cut = argc > 3 ? atoll(argv[3]) : 15'000'000;
    core::git::initialize();
    QTemporaryDir tmp;
    const QString root = tmp.filePath("srv");
    QDir().mkpath(root);
    const QString bare = GitRepoFactory::createBareRepo(root, "h.git", 1);
    for (int i = 1; i <= tags; ++i) {
        GitRepoFactory::addLargeFile(bare, perTag, "main", QString("f%1.bin").arg(i));
        GitRepoFactory::addTag(bare, QString("v%1").arg(i), "main", QString("v%1").arg(i));
    }
    GitDaemonServer daemon;
    FaultProxy proxy;
    if (!daemon.start(root) || !proxy.start(daemon.port()))
        return 1;
    const QString url = proxy.url("git", "h.git");
    std::printf(
        "history: %d tags x %lld bytes (incompressible); cut link: every connection reset after %lld bytes\n",
        tags, static_cast<long long>(perTag), static_cast<long long>(cut));

    QList<Figure> figures;
    figures << gitClone(proxy, url, tmp.filePath("g1"), "clean link: git clone");
    figures << repodeckClone(proxy, url, tmp.filePath("r1"), core::Checkpoint::Never,
                             "clean link: repodeck, plain clone");
    figures << repodeckClone(proxy, url, tmp.filePath("r2"), core::Checkpoint::Always,
                             "clean link: repodeck, checkpoint=always");
    proxy.setCutAfterBytes(cut);
    figures << gitClone(proxy, url, tmp.filePath("g2"), "cutting link: git clone");
    figures << repodeckClone(proxy, url, tmp.filePath("r3"), core::Checkpoint::Auto,
                             "cutting link: repodeck, checkpoint=auto");

    std::printf("%-46s %-6s %9s %12s %9s\n", "run", "result", "time (s)", "bytes (MB)", "attempts");
    for (const Figure &f : figures)
        std::printf("%-46s %-6s %9.2f %12.1f %9d\n", qPrintable(f.what), f.ok ? "ok" : "FAIL",
                    f.ms / 1000.0, f.bytes / 1e6, f.attempts);
    return 0;
}
