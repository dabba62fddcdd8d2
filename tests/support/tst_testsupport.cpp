// Self-test of the integration-test support library: every server and fault
// is exercised with the real git CLI, which blocks this thread the way the
// repodeck CLI and libgit2 will in the real tests.

#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "HttpRequestParser.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <vector>

using namespace repodeck::test;

namespace {

struct GitResult
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    qint64 elapsedMs = 0;

    bool ok() const { return finished && exitCode == 0; }
    QByteArray describe() const
    {
        return "finished=" + QByteArray(finished ? "yes" : "no")
               + " exit=" + QByteArray::number(exitCode) + " stderr=" + err;
    }
};

std::unique_ptr<QProcess> startGit(const QStringList &args, const QString &workDir)
{
    auto process = std::make_unique<QProcess>();
    process->setProgram(QStringLiteral("git"));
    process->setArguments(GitRepoFactory::configArgs() + args);
    process->setWorkingDirectory(workDir);
    process->setProcessEnvironment(GitRepoFactory::environment());
    process->start();
    process->closeWriteChannel();
    return process;
}

// Waits at most `timeoutMs`, then kills: a hung git must fail the test, not
// hang it until the ctest timeout.
GitResult finishGit(QProcess &process, int timeoutMs, const QElapsedTimer &clock)
{
    GitResult result;
    result.finished = process.waitForFinished(timeoutMs);
    if (!result.finished) {
        process.kill();
        process.waitForFinished(5'000);
    }
    result.elapsedMs = clock.elapsed();
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

GitResult runGit(const QStringList &args, const QString &workDir, int timeoutMs = 20'000)
{
    QElapsedTimer clock;
    clock.start();
    auto process = startGit(args, workDir);
    return finishGit(*process, timeoutMs, clock);
}

} // namespace

class TestSupportSelfTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void factoryBuildsRepositories();
    void requestParserHandlesChunkedBodies();
    void cloneOverGitDaemon();
    void cloneOverHttp();
    void pushOverHttpUsesChunkedUpload();
    void fetchOverHttpWithGzippedRequest();
    void cloneThroughProxyCountsConnections();
    void httpThroughProxy();
    void proxyResetFirstFailsOnlyFirstAttempt();
    void httpFailNextFailsOnlyFirstAttempt();
    void httpFaultHeadersOnTheWire();
    void httpBasicAuth();
    void httpAlwaysStatusHonoursPathFilter();
    void httpStallNeverAnswers();
    void proxyStallNeverAnswers();
    void proxyThrottleIsSlowButCompletes();
    void proxyCutAfterBytesBreaksLargeClone();
    void proxyResetAllDropsTransferInFlight();
    void proxyRefuseGivesConnectionRefused();
    void proxyCountsPeakConcurrency();
    void proxyResetProbabilityIsDeterministic();

private:
    QString path(const QString &relative) const { return m_tmp.filePath(relative); }
    QString freshDir(const QString &name) const;

    QTemporaryDir m_tmp;
    QString m_repos;
    QString m_small;
    QString m_large;
    GitDaemonServer m_daemon;
    HttpGitServer m_http;
};

QString TestSupportSelfTest::freshDir(const QString &name) const
{
    // Unique per call so a failed test cannot poison the next one.
    static int counter = 0;
    return path(QStringLiteral("work/%1-%2").arg(name).arg(++counter));
}

void TestSupportSelfTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_repos = path(QStringLiteral("repos"));
    m_small = GitRepoFactory::createBareRepo(m_repos, QStringLiteral("small.git"), 3);
    QVERIFY(!m_small.isEmpty());
    m_large = GitRepoFactory::createBareRepo(m_repos, QStringLiteral("large.git"), 1);
    QVERIFY(!m_large.isEmpty());
    QVERIFY(GitRepoFactory::addLargeFile(m_large, 600 * 1024));
    QVERIFY(QDir().mkpath(path(QStringLiteral("work"))));

    QVERIFY(m_daemon.start(m_repos));
    QVERIFY(m_daemon.port() != 0);
    QVERIFY(m_http.start(m_repos));
    QVERIFY(m_http.port() != 0);
}

void TestSupportSelfTest::init()
{
    m_http.clearFaults();
    m_http.resetCounters();
}

void TestSupportSelfTest::factoryBuildsRepositories()
{
    const QString repo = GitRepoFactory::createBareRepo(path(QStringLiteral("factory")),
                                                        QStringLiteral("f.git"), 2,
                                                        QStringLiteral("trunk"));
    QVERIFY(QDir::isAbsolutePath(repo));
    QCOMPARE(GitRepoFactory::git(
                 {QStringLiteral("rev-parse"), QStringLiteral("--is-bare-repository")}, repo)
                 .trimmed(),
             QStringLiteral("true"));
    QCOMPARE(GitRepoFactory::git({QStringLiteral("symbolic-ref"), QStringLiteral("HEAD")}, repo)
                 .trimmed(),
             QStringLiteral("refs/heads/trunk"));
    QCOMPARE(GitRepoFactory::git({QStringLiteral("rev-list"), QStringLiteral("--count"),
                                  QStringLiteral("HEAD")},
                                 repo)
                 .trimmed(),
             QStringLiteral("2"));

    QVERIFY(GitRepoFactory::addCommits(repo, 3, QStringLiteral("trunk")));
    QCOMPARE(GitRepoFactory::git({QStringLiteral("rev-list"), QStringLiteral("--count"),
                                  QStringLiteral("HEAD")},
                                 repo)
                 .trimmed(),
             QStringLiteral("5"));

    const QString head = GitRepoFactory::revParse(repo, QStringLiteral("HEAD"));
    QCOMPARE(head.size(), 40);
    QVERIFY(GitRepoFactory::revParse(repo, QStringLiteral("no-such-ref")).isEmpty());

    QVERIFY(GitRepoFactory::addBranch(repo, QStringLiteral("feature")));
    QVERIFY(GitRepoFactory::addTag(repo, QStringLiteral("v1")));
    QVERIFY(GitRepoFactory::addTag(repo, QStringLiteral("v2"), QStringLiteral("HEAD~1"),
                                   QStringLiteral("annotated")));
    QCOMPARE(GitRepoFactory::refs(repo),
             QStringList({QStringLiteral("refs/heads/feature ") + head,
                          QStringLiteral("refs/heads/trunk ") + head,
                          QStringLiteral("refs/tags/v1 ") + head,
                          QStringLiteral("refs/tags/v2 ")
                              + GitRepoFactory::revParse(repo, QStringLiteral("v2"))}));
    QVERIFY(GitRepoFactory::deleteBranch(repo, QStringLiteral("feature")));
    QCOMPARE(GitRepoFactory::refs(repo).size(), 3);

    QVERIFY(GitRepoFactory::addLargeFile(repo, 12345, QStringLiteral("trunk")));
    QCOMPARE(GitRepoFactory::git({QStringLiteral("cat-file"), QStringLiteral("-s"),
                                  QStringLiteral("trunk:large.bin")},
                                 repo)
                 .trimmed(),
             QStringLiteral("12345"));
    // The previous content survives: the large-file commit builds on trunk.
    QCOMPARE(GitRepoFactory::git({QStringLiteral("rev-list"), QStringLiteral("--count"),
                                  QStringLiteral("trunk")},
                                 repo)
                 .trimmed(),
             QStringLiteral("6"));

    int exitCode = 0;
    GitRepoFactory::git({QStringLiteral("fsck"), QStringLiteral("--strict")}, repo, &exitCode);
    QCOMPARE(exitCode, 0);
}

void TestSupportSelfTest::requestParserHandlesChunkedBodies()
{
    // Covered end to end by the push test; this pins the byte-level framing,
    // fed one byte at a time to exercise every partial-input branch.
    const QByteArray wire
        = "POST /x.git/git-receive-pack HTTP/1.1\r\n"
          "Host: 127.0.0.1\r\n"
          "Transfer-Encoding: chunked\r\n"
          "Content-Type: application/x-git-receive-pack-request\r\n"
          "\r\n"
          "5;ext=1\r\nhello\r\n"
          "7\r\n, world\r\n"
          "0\r\n"
          "X-Trailer: yes\r\n"
          "\r\n";
    HttpRequestParser parser;
    for (char c : wire)
        parser.feed(QByteArray(1, c));
    QCOMPARE(parser.state(), HttpRequestParser::State::Complete);
    QCOMPARE(parser.request().method, QByteArray("POST"));
    QCOMPARE(parser.request().path(), QByteArray("/x.git/git-receive-pack"));
    QCOMPARE(parser.request().body, QByteArray("hello, world"));
    QCOMPARE(parser.request().header("content-type"),
             QByteArray("application/x-git-receive-pack-request"));

    HttpRequestParser withLength;
    withLength.feed("POST /a?b=c HTTP/1.1\r\nContent-Length: 3\r\n\r\nab");
    QCOMPARE(withLength.state(), HttpRequestParser::State::Body);
    withLength.feed("c");
    QCOMPARE(withLength.state(), HttpRequestParser::State::Complete);
    QCOMPARE(withLength.request().query(), QByteArray("b=c"));
    QCOMPARE(withLength.request().body, QByteArray("abc"));
}

void TestSupportSelfTest::cloneOverGitDaemon()
{
    const QString dest = freshDir(QStringLiteral("daemon-clone"));
    const GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                m_daemon.url(QStringLiteral("small.git")), dest},
                               m_tmp.path());
    QVERIFY2(r.ok(), r.describe());
    QCOMPARE(GitRepoFactory::revParse(dest, QStringLiteral("HEAD")),
             GitRepoFactory::revParse(m_small, QStringLiteral("main")));
}

void TestSupportSelfTest::cloneOverHttp()
{
    const QString dest = freshDir(QStringLiteral("http-clone"));
    const GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                m_http.url(QStringLiteral("small.git")), dest},
                               m_tmp.path());
    QVERIFY2(r.ok(), r.describe());
    QCOMPARE(GitRepoFactory::revParse(dest, QStringLiteral("HEAD")),
             GitRepoFactory::revParse(m_small, QStringLiteral("main")));

    const QStringList log = m_http.requestLog();
    QVERIFY2(log.contains(QStringLiteral("GET /small.git/info/refs?service=git-upload-pack 200")),
             qPrintable(log.join(QLatin1Char('\n'))));
    QVERIFY2(log.contains(QStringLiteral("POST /small.git/git-upload-pack 200")),
             qPrintable(log.join(QLatin1Char('\n'))));
    QCOMPARE(m_http.requestCount(), log.size());

    // Missing repositories come back as http-backend's own 404.
    const GitResult missing = runGit(
        {QStringLiteral("ls-remote"), m_http.url(QStringLiteral("nope.git"))}, m_tmp.path());
    QVERIFY(missing.finished);
    QVERIFY(missing.exitCode != 0);
    QVERIFY2(m_http.requestLog().contains(
                 QStringLiteral("GET /nope.git/info/refs?service=git-upload-pack 404")),
             qPrintable(m_http.requestLog().join(QLatin1Char('\n'))));
}

void TestSupportSelfTest::pushOverHttpUsesChunkedUpload()
{
    const QString origin = GitRepoFactory::createBareRepo(m_repos, QStringLiteral("push.git"), 1);
    QVERIFY(!origin.isEmpty());
    const QString work = freshDir(QStringLiteral("push-work"));
    GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                          m_http.url(QStringLiteral("push.git")), work},
                         m_tmp.path());
    QVERIFY2(r.ok(), r.describe());

    // Over http.postBuffer (1 MiB) so git streams the pack with chunked
    // transfer encoding, the framing most likely to be gotten wrong.
    QFile blob(work + QStringLiteral("/upload.bin"));
    QVERIFY(blob.open(QIODevice::WriteOnly));
    QByteArray bytes(1536 * 1024, Qt::Uninitialized);
    QRandomGenerator(42).fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    blob.write(bytes);
    blob.close();
    r = runGit({QStringLiteral("add"), QStringLiteral("upload.bin")}, work);
    QVERIFY2(r.ok(), r.describe());
    r = runGit({QStringLiteral("commit"), QStringLiteral("--quiet"), QStringLiteral("-m"),
                QStringLiteral("upload")},
               work);
    QVERIFY2(r.ok(), r.describe());
    r = runGit({QStringLiteral("push"), QStringLiteral("--quiet"), QStringLiteral("origin"),
                QStringLiteral("main")},
               work);
    QVERIFY2(r.ok(), r.describe());

    QCOMPARE(GitRepoFactory::revParse(origin, QStringLiteral("main")),
             GitRepoFactory::revParse(work, QStringLiteral("HEAD")));
    QVERIFY2(m_http.requestLog().contains(QStringLiteral("POST /push.git/git-receive-pack 200")),
             qPrintable(m_http.requestLog().join(QLatin1Char('\n'))));
}

void TestSupportSelfTest::fetchOverHttpWithGzippedRequest()
{
    const QString origin = GitRepoFactory::createBareRepo(m_repos, QStringLiteral("gzip.git"), 1);
    QVERIFY(!origin.isEmpty());
    const QString work = freshDir(QStringLiteral("gzip-work"));
    GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                          m_http.url(QStringLiteral("gzip.git")), work},
                         m_tmp.path());
    QVERIFY2(r.ok(), r.describe());
    // Local-only commits become "have" lines; past 1 KiB of them git gzips
    // the request, which http-backend only undoes if HTTP_CONTENT_ENCODING
    // reached it.
    for (int i = 0; i < 40; ++i) {
        r = runGit({QStringLiteral("commit"), QStringLiteral("--quiet"),
                    QStringLiteral("--allow-empty"), QStringLiteral("-m"),
                    QStringLiteral("local %1").arg(i)},
                   work);
        QVERIFY2(r.ok(), r.describe());
    }
    QVERIFY(GitRepoFactory::addCommits(origin, 2));
    r = runGit({QStringLiteral("fetch"), QStringLiteral("--quiet"), QStringLiteral("origin")},
               work);
    QVERIFY2(r.ok(), r.describe());
    QCOMPARE(GitRepoFactory::revParse(work, QStringLiteral("origin/main")),
             GitRepoFactory::revParse(origin, QStringLiteral("main")));
}

void TestSupportSelfTest::cloneThroughProxyCountsConnections()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    const QString dest = freshDir(QStringLiteral("proxy-clone"));
    const GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                proxy.url(QStringLiteral("git"), QStringLiteral("small.git")),
                                dest},
                               m_tmp.path());
    QVERIFY2(r.ok(), r.describe());
    QCOMPARE(GitRepoFactory::revParse(dest, QStringLiteral("HEAD")),
             GitRepoFactory::revParse(m_small, QStringLiteral("main")));
    QCOMPARE(proxy.totalConnections(), 1); // git:// clones over one connection
    QVERIFY(proxy.bytesToClient() > 0);
    QVERIFY(proxy.bytesToServer() > 0);
    // Both sides are closed once git is done; the proxy notices soon after.
    QVERIFY(proxy.waitForCurrentConnections(0, 5'000));
}

void TestSupportSelfTest::httpThroughProxy()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_http.port()));
    const QString dest = freshDir(QStringLiteral("proxy-http-clone"));
    const GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                proxy.url(QStringLiteral("http"), QStringLiteral("small.git")),
                                dest},
                               m_tmp.path());
    QVERIFY2(r.ok(), r.describe());
    // The server closes after every response, so each request is a connection.
    QCOMPARE(proxy.totalConnections(), m_http.requestCount());
    QVERIFY(proxy.totalConnections() >= 2);
}

void TestSupportSelfTest::proxyResetFirstFailsOnlyFirstAttempt()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    proxy.resetFirst(1);
    const QString url = proxy.url(QStringLiteral("git"), QStringLiteral("small.git"));

    const GitResult first = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
    QVERIFY(first.finished);
    QVERIFY2(first.exitCode != 0, first.describe());
    QCOMPARE(proxy.resetConnections(), 1);

    const GitResult second = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
    QVERIFY2(second.ok(), second.describe());
    QVERIFY(second.out.contains("refs/heads/main"));
    QCOMPARE(proxy.totalConnections(), 2);
}

void TestSupportSelfTest::httpFailNextFailsOnlyFirstAttempt()
{
    m_http.failNext(503, 1);
    const QString url = m_http.url(QStringLiteral("small.git"));

    const GitResult first = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
    QVERIFY(first.finished);
    QVERIFY2(first.exitCode != 0, first.describe());
    QVERIFY2(first.err.contains("503"), first.describe());

    const GitResult second = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
    QVERIFY2(second.ok(), second.describe());
    QCOMPARE(m_http.requestLog().first(),
             QStringLiteral("GET /small.git/info/refs?service=git-upload-pack 503"));
}

void TestSupportSelfTest::httpFaultHeadersOnTheWire()
{
    // git does not show response headers, so look at the raw bytes.
    auto rawGet = [this](const QByteArray &extraHeaders) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_http.port());
        if (!socket.waitForConnected(5'000))
            return QByteArray("connect failed");
        socket.write(
            "GET /small.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + extraHeaders + "\r\n");
        QByteArray response;
        QElapsedTimer clock;
        clock.start();
        // The server closes after answering: read until then, bounded.
        while (socket.state() == QAbstractSocket::ConnectedState && clock.elapsed() < 5'000) {
            socket.waitForReadyRead(qMax<qint64>(1, 5'000 - clock.elapsed()));
            response += socket.readAll();
        }
        return response + socket.readAll();
    };

    m_http.failNext(429, 1, 7);
    const QByteArray limited = rawGet(QByteArray());
    QVERIFY2(limited.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), limited.constData());
    QVERIFY2(limited.contains("\r\nRetry-After: 7\r\n"), limited.constData());
    QVERIFY2(limited.contains("\r\nConnection: close\r\n"), limited.constData());

    m_http.setAlwaysStatus(401);
    const QByteArray unauthorized = rawGet(QByteArray());
    QVERIFY2(unauthorized.startsWith("HTTP/1.1 401 Unauthorized\r\n"), unauthorized.constData());
    QVERIFY2(unauthorized.contains("\r\nWWW-Authenticate: Basic realm=\"test\"\r\n"),
             unauthorized.constData());
    m_http.setAlwaysStatus(0);

    // A real answer from http-backend: status, CGI headers and exact length.
    const QByteArray served = rawGet("Git-Protocol: version=2\r\n");
    QVERIFY2(served.startsWith("HTTP/1.1 200 OK\r\n"), served.constData());
    QVERIFY2(served.contains("Content-Type: application/x-git-upload-pack-advertisement"),
             served.constData());
    const qsizetype bodyStart = served.indexOf("\r\n\r\n") + 4;
    const QByteArray lengthTag = "Content-Length: ";
    const qsizetype lengthAt = served.indexOf(lengthTag) + lengthTag.size();
    const qsizetype declared = served.mid(lengthAt, served.indexOf('\r', lengthAt) - lengthAt)
                                   .toLongLong();
    QCOMPARE(served.size() - bodyStart, declared);
    // Git-Protocol reached the backend: a v2 capability advertisement.
    QVERIFY2(served.contains("version 2"), served.constData());
}

void TestSupportSelfTest::httpBasicAuth()
{
    m_http.requireBasicAuth(QStringLiteral("alice"), QStringLiteral("s3cret"));
    const GitResult anonymous = runGit(
        {QStringLiteral("ls-remote"), m_http.url(QStringLiteral("small.git"))}, m_tmp.path());
    QVERIFY(anonymous.finished);
    QVERIFY2(anonymous.exitCode != 0, anonymous.describe());
    QVERIFY(m_http.requestLog().contains(
        QStringLiteral("GET /small.git/info/refs?service=git-upload-pack 401")));

    const GitResult wrong = runGit({QStringLiteral("ls-remote"),
                                    m_http.urlWithCredentials(QStringLiteral("small.git"),
                                                              QStringLiteral("alice"),
                                                              QStringLiteral("wrong"))},
                                   m_tmp.path());
    QVERIFY(wrong.finished);
    QVERIFY2(wrong.exitCode != 0, wrong.describe());

    const GitResult right = runGit({QStringLiteral("ls-remote"),
                                    m_http.urlWithCredentials(QStringLiteral("small.git"),
                                                              QStringLiteral("alice"),
                                                              QStringLiteral("s3cret"))},
                                   m_tmp.path());
    QVERIFY2(right.ok(), right.describe());
    QVERIFY(right.out.contains("refs/heads/main"));
}

void TestSupportSelfTest::httpAlwaysStatusHonoursPathFilter()
{
    m_http.setAlwaysStatus(403, QStringLiteral("/large.git/"));
    const GitResult blocked = runGit(
        {QStringLiteral("ls-remote"), m_http.url(QStringLiteral("large.git"))}, m_tmp.path());
    QVERIFY(blocked.finished);
    QVERIFY2(blocked.exitCode != 0, blocked.describe());
    QVERIFY2(blocked.err.contains("403"), blocked.describe());

    const GitResult other = runGit(
        {QStringLiteral("ls-remote"), m_http.url(QStringLiteral("small.git"))}, m_tmp.path());
    QVERIFY2(other.ok(), other.describe());
}

void TestSupportSelfTest::httpStallNeverAnswers()
{
    m_http.setStallAfterHeaders(true);
    QElapsedTimer clock;
    clock.start();
    auto process = startGit({QStringLiteral("ls-remote"), m_http.url(QStringLiteral("small.git"))},
                            m_tmp.path());
    QVERIFY(m_http.waitForRequests(1, 5'000));
    const GitResult r = finishGit(*process, 1'000, clock);
    QVERIFY2(!r.finished, r.describe());
    QCOMPARE(m_http.requestLog(),
             QStringList{QStringLiteral("GET /small.git/info/refs?service=git-upload-pack 0")});
}

void TestSupportSelfTest::proxyStallNeverAnswers()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    proxy.setStall(true);
    QElapsedTimer clock;
    clock.start();
    auto process = startGit({QStringLiteral("ls-remote"),
                             proxy.url(QStringLiteral("git"), QStringLiteral("small.git"))},
                            m_tmp.path());
    QVERIFY(proxy.waitForTotalConnections(1, 5'000));
    const GitResult r = finishGit(*process, 2'000, clock);
    QVERIFY2(!r.finished, r.describe());
    QCOMPARE(proxy.bytesToClient(), 0);
    QCOMPARE(proxy.bytesToServer(), 0);
}

void TestSupportSelfTest::proxyThrottleIsSlowButCompletes()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    const qint64 rate = 200 * 1024;
    proxy.setThrottle(rate);
    const QString dest = freshDir(QStringLiteral("throttled"));
    const GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                proxy.url(QStringLiteral("git"), QStringLiteral("large.git")),
                                dest},
                               m_tmp.path(), 20'000);
    QVERIFY2(r.ok(), r.describe());
    QCOMPARE(GitRepoFactory::revParse(dest, QStringLiteral("HEAD")),
             GitRepoFactory::revParse(m_large, QStringLiteral("main")));
    const qint64 bytes = proxy.bytesToClient();
    QVERIFY(bytes > 600 * 1024);
    // 600 KiB at 200 KiB/s is ~3 s; allow some slack for the first burst.
    const qint64 expectedMs = bytes * 1000 / rate;
    QVERIFY2(r.elapsedMs >= expectedMs * 8 / 10,
             qPrintable(QStringLiteral("%1 bytes in %2 ms").arg(bytes).arg(r.elapsedMs)));
    QVERIFY2(r.elapsedMs < expectedMs * 3,
             qPrintable(QStringLiteral("%1 bytes in %2 ms").arg(bytes).arg(r.elapsedMs)));
}

void TestSupportSelfTest::proxyCutAfterBytesBreaksLargeClone()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    proxy.setCutAfterBytes(100 * 1024);
    const QString dest = freshDir(QStringLiteral("cut"));
    const GitResult r = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                proxy.url(QStringLiteral("git"), QStringLiteral("large.git")),
                                dest},
                               m_tmp.path());
    QVERIFY(r.finished);
    QVERIFY2(r.exitCode != 0, r.describe());
    QCOMPARE(proxy.resetConnections(), 1);
    QCOMPARE(proxy.bytesToClient(), 100 * 1024);

    // The small repository fits under the limit and still clones.
    const GitResult small = runGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                                    proxy.url(QStringLiteral("git"), QStringLiteral("small.git")),
                                    freshDir(QStringLiteral("cut-small"))},
                                   m_tmp.path());
    QVERIFY2(small.ok(), small.describe());
}

void TestSupportSelfTest::proxyResetAllDropsTransferInFlight()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    proxy.setThrottle(100 * 1024); // slow enough to catch the transfer mid-way
    QElapsedTimer clock;
    clock.start();
    auto process = startGit({QStringLiteral("clone"), QStringLiteral("--quiet"),
                             proxy.url(QStringLiteral("git"), QStringLiteral("large.git")),
                             freshDir(QStringLiteral("reset-all"))},
                            m_tmp.path());
    QTRY_VERIFY_WITH_TIMEOUT(proxy.bytesToClient() > 50 * 1024, 10'000);
    proxy.resetAllConnections();
    const GitResult r = finishGit(*process, 10'000, clock);
    QVERIFY(r.finished);
    QVERIFY2(r.exitCode != 0, r.describe());
    QCOMPARE(proxy.currentConnections(), 0);
}

void TestSupportSelfTest::proxyRefuseGivesConnectionRefused()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    const quint16 port = proxy.port();
    const QString url = proxy.url(QStringLiteral("git"), QStringLiteral("small.git"));
    QVERIFY(proxy.setRefuse(true));

    const GitResult refused = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
    QVERIFY(refused.finished);
    QVERIFY2(refused.exitCode != 0, refused.describe());
    QVERIFY2(refused.err.contains("Connection refused"), refused.describe());
    QCOMPARE(proxy.totalConnections(), 0);

    QVERIFY(proxy.setRefuse(false));
    QCOMPARE(proxy.port(), port);
    const GitResult back = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
    QVERIFY2(back.ok(), back.describe());
}

void TestSupportSelfTest::proxyCountsPeakConcurrency()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    // Holding traffic guarantees the three clients overlap however fast the
    // machine is; releasing it proves stalled connections recover.
    proxy.setStall(true);
    QElapsedTimer clock;
    clock.start();
    std::vector<std::unique_ptr<QProcess>> clients;
    for (int i = 0; i < 3; ++i)
        clients.push_back(startGit({QStringLiteral("ls-remote"),
                                    proxy.url(QStringLiteral("git"), QStringLiteral("small.git"))},
                                   m_tmp.path()));
    QVERIFY(proxy.waitForCurrentConnections(3, 10'000));
    proxy.setStall(false);
    for (auto &client : clients) {
        const GitResult r = finishGit(*client, 10'000, clock);
        QVERIFY2(r.ok(), r.describe());
        QVERIFY(r.out.contains("refs/heads/main"));
    }
    QCOMPARE(proxy.peakConcurrentConnections(), 3);
    QCOMPARE(proxy.totalConnections(), 3);
    QVERIFY(proxy.waitForCurrentConnections(0, 5'000));
}

void TestSupportSelfTest::proxyResetProbabilityIsDeterministic()
{
    FaultProxy proxy;
    QVERIFY(proxy.start(m_daemon.port()));
    const QString url = proxy.url(QStringLiteral("git"), QStringLiteral("small.git"));
    auto pattern = [&] {
        QString outcomes;
        for (int i = 0; i < 10; ++i) {
            const GitResult r = runGit({QStringLiteral("ls-remote"), url}, m_tmp.path());
            outcomes += r.ok() ? QLatin1Char('.') : QLatin1Char('X');
        }
        return outcomes;
    };

    proxy.setResetProbability(0.3, 7);
    const QString first = pattern();
    QCOMPARE(proxy.resetConnections(), int(first.count(QLatin1Char('X'))));
    QVERIFY2(first.contains(QLatin1Char('X')) && first.contains(QLatin1Char('.')),
             qPrintable(first));

    proxy.setResetProbability(0.3, 7);
    QCOMPARE(pattern(), first);
}

QTEST_GUILESS_MAIN(TestSupportSelfTest)
#include "tst_testsupport.moc"
