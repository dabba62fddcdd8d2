// Benchmark of the HTTP transports (docs/benchmarks.md, "HTTP transport").
// Builds a medium history (many small commits plus incompressible blobs),
// serves it with git http-backend behind the test HTTP server, over http and
// over https (a test CA both clients trust), then in one run alternates
// RepoDeck's Qt Network transport and libgit2's built-in client: a full
// clone and FETCHES no-op fetches each, RUNS times, printing every figure
// and the medians. Clones are mirrors (bare, no checkout), so
// the figures are transfer and indexing, not the file system writing and
// deleting thousands of work-tree files (which dominated and scattered them).
// Usage: http_bench [RUNS] [COMMITS] [BLOBS] [BLOB_BYTES] [FETCHES]
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "TestPki.h"
#include "git/GitLibrary.h"
#include "net/http/HttpBackend.h"
#include "sync/Scheduler.h"

#include <git2.h>

#include <QCoreApplication>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

using namespace repodeck;
using namespace repodeck::test;
using core::http::HttpBackend;

namespace {

struct Timing
{
    bool ok = false;
    qint64 us = 0;
};

Timing syncOnce(const QString &url, const QString &dest, core::Outcome expected)
{
    core::Scheduler scheduler;
    core::RepoSpec spec;
    spec.name = QStringLiteral("bench");
    spec.url = url;
    spec.path = dest;
    spec.mode = core::RepoMode::Mirror;
    core::RetryPolicy policy;
    policy.maxAttempts = 1;
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
    const qint64 us = t.nsecsElapsed() / 1000;
    if (result.outcome != expected)
        std::fprintf(stderr, "unexpected outcome %s: %s\n",
                     qPrintable(core::outcomeName(result.outcome)),
                     qPrintable(result.error.text()));
    return {result.outcome == expected, us};
}

double median(std::vector<qint64> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : (n % 2 ? double(v[n / 2]) : (v[n / 2 - 1] + v[n / 2]) / 2.0);
}

qint64 directorySize(const QString &path)
{
    qint64 total = 0;
    QDirIterator it(path, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        total += it.fileInfo().size();
    }
    return total;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, atoi(argv[1])) : 5;
    const int commits = argc > 2 ? atoi(argv[2]) : 3000;
    const int blobs = argc > 3 ? atoi(argv[3]) : 18;
    const qint64 blobBytes = argc > 4 ? atoll(argv[4]) : 1'000'000;
    const int fetchesPerRun = argc > 5 ? std::max(1, atoi(argv[5])) : 10;
    if (const QString e = core::git::initialize(); !e.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(e));
        return 1;
    }
    QTemporaryDir tmp;
    const QString root = tmp.filePath("srv");
    QDir().mkpath(root);
    const QString bare = GitRepoFactory::createBareRepo(root, "medium.git", 1);
    if (bare.isEmpty() || !GitRepoFactory::addCommits(bare, commits))
        return 1;
    for (int i = 1; i <= blobs; ++i)
        if (!GitRepoFactory::addLargeFile(bare, blobBytes, "main",
                                          QStringLiteral("blob%1.bin").arg(i)))
            return 1;
    GitRepoFactory::git({"repack", "-a", "-d", "-q"}, bare);
    // Both clients verify the server: Qt through its default configuration,
    // libgit2 (mbedTLS) through its certificate location.
    TestPki pki;
    QString error;
    // A DNS name: libgit2's mbedTLS matches subjectAltName DNS entries only.
    if (!pki.create(tmp.filePath("pki"), {QStringLiteral("localhost")}, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificates(QSslCertificate::fromData(pki.caPem, QSsl::Pem));
    QSslConfiguration::setDefaultConfiguration(tls);
    git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, QFile::encodeName(pki.caFile).constData(),
                     nullptr);

    HttpGitServer http, https;
    https.setTls(pki.serverPem + pki.caPem, pki.serverKeyPem);
    https.setUrlHost(QStringLiteral("localhost"));
    if (!http.start(root) || !https.start(root))
        return 1;
    std::printf(
        "history: %d small commits + %d x %lld bytes incompressible; packed repository %.1f MB\n",
        commits, blobs, static_cast<long long>(blobBytes), directorySize(bare + "/objects") / 1e6);
    std::printf("%-6s %-4s %-8s %10s %22s\n", "scheme", "run", "backend", "clone (s)",
                "no-op fetch (s, median)");

    using Key = std::pair<QString, HttpBackend>;
    std::map<Key, std::vector<qint64>> clones, fetches;
    bool allOk = true;
    for (HttpGitServer *server : {&http, &https}) {
        const QString url = server->url("medium.git");
        const QString scheme = url.section(QLatin1Char(':'), 0, 0);
        for (int run = 1; run <= runs; ++run) {
            // Alternate which backend goes first, so neither always gets a warm cache.
            const HttpBackend order[2] = {run % 2 ? HttpBackend::Qt : HttpBackend::Libgit2,
                                          run % 2 ? HttpBackend::Libgit2 : HttpBackend::Qt};
            for (const HttpBackend backend : order) {
                core::http::useHttpBackend(backend);
                const QString name = core::http::httpBackendName(backend);
                const QString dest = tmp.filePath(
                    QStringLiteral("c-%1-%2-%3").arg(scheme).arg(run).arg(name));
                const Timing clone = syncOnce(url, dest, core::Outcome::Cloned);
                allOk = allOk && clone.ok;
                clones[{scheme, backend}].push_back(clone.us);
                std::vector<qint64> thisRun;
                for (int i = 0; i < fetchesPerRun; ++i) {
                    const Timing fetch = syncOnce(url, dest, core::Outcome::UpToDate);
                    allOk = allOk && fetch.ok;
                    thisRun.push_back(fetch.us);
                    fetches[{scheme, backend}].push_back(fetch.us);
                }
                std::printf("%-6s %-4d %-8s %10.3f %22.4f\n", qPrintable(scheme), run,
                            qPrintable(name), clone.us / 1e6, median(thisRun) / 1e6);
            }
        }
    }
    std::printf("\nmedians (%d clones, %d fetches each)   clone (s)   no-op fetch (s)\n", runs,
                runs * fetchesPerRun);
    for (const QString &scheme : {QStringLiteral("http"), QStringLiteral("https")})
        for (const HttpBackend backend : {HttpBackend::Qt, HttpBackend::Libgit2})
            std::printf("%-6s %-30s %10.3f %17.4f\n", qPrintable(scheme),
                        qPrintable(core::http::httpBackendName(backend)),
                        median(clones[{scheme, backend}]) / 1e6,
                        median(fetches[{scheme, backend}]) / 1e6);
    return allOk ? 0 : 1;
}
