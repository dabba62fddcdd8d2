// The Qt Network HTTP(S) transport against real servers on 127.0.0.1: git
// http-backend behind HttpGitServer and the fault proxy. What libgit2's own
// client cannot do is checked exactly: HTTP status and Retry-After,
// redirects, credentials asked once, bodies, stalls and cancel. TLS is
// tst_http_tls, proxies tst_http_proxy.
#include "HttpTransportFixture.h"

#include "BlackHoleListener.h"
#include "FaultProxy.h"

#include <QLocale>

using namespace repodeck;
using namespace repodeck::test;

class TestHttpTransport : public HttpTransportFixture
{
    Q_OBJECT

private slots:
    void initTestCase() { startServers(); }
    void cleanup() { resetServers(); }

    void qtTransportIsTheDefault()
    {
        QString source;
        const core::http::HttpBackend configured = core::http::configuredHttpBackend(&source);
        if (source == QLatin1String("default")) // neither the environment nor a setting chose
            QCOMPARE(configured, core::http::HttpBackend::Qt);
        QCOMPARE(core::http::activeHttpBackend(), core::http::HttpBackend::Qt);
        SyncHarness h;
        const QString path = target();
        QCOMPARE(syncOnce(h, "ua", m_http.url("small.git"), path).outcome, Outcome::Cloned);
        QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), serverHead("small.git"));
        QVERIFY2(m_http.lastRequestHeader("User-Agent").startsWith("git/2.0 (RepoDeck "),
                 m_http.lastRequestHeader("User-Agent").constData());
        QVERIFY(m_http.lastRequestHeader("Accept-Encoding").contains("gzip"));
        // A second sync is a no-op fetch over the same transport.
        QCOMPARE(syncOnce(h, "ua", m_http.url("small.git"), path).outcome, Outcome::UpToDate);
    }

    void libgit2BackendStaysSelectable()
    {
        QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Libgit2));
        SyncHarness h;
        const auto r = syncOnce(h, "builtin", m_http.url("small.git"), target());
        const QByteArray agent = m_http.lastRequestHeader("User-Agent");
        QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Qt));
        QCOMPARE(r.outcome, Outcome::Cloned);
        QVERIFY2(agent.startsWith("git/2.0 (libgit2"), agent.constData());
    }

    void statusAndRetryAfterReachClassification_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::addColumn<int>("category");
        QTest::addColumn<qint64>("expectedRetryAfterMs");
        QTest::newRow("401") << 401 << QByteArray() << int(ErrorCategory::Auth) << qint64(-1);
        QTest::newRow("403") << 403 << QByteArray() << int(ErrorCategory::Auth) << qint64(-1);
        QTest::newRow("404") << 404 << QByteArray() << int(ErrorCategory::NotFound) << qint64(-1);
        QTest::newRow("429 Retry-After 7")
            << 429 << QByteArray("7") << int(ErrorCategory::RateLimited) << qint64(7000);
        QTest::newRow("503 Retry-After 120")
            << 503 << QByteArray("120") << int(ErrorCategory::Server) << qint64(120'000);
        QTest::newRow("503 without")
            << 503 << QByteArray() << int(ErrorCategory::Server) << qint64(-1);
        QTest::newRow("502 on the POST")
            << 502 << QByteArray("3") << int(ErrorCategory::Server) << qint64(3000);
    }

    void statusAndRetryAfterReachClassification()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, retryAfter);
        QFETCH(int, category);
        QFETCH(qint64, expectedRetryAfterMs);
        const QString filter = QString(QTest::currentDataTag()).contains("POST")
                                   ? QStringLiteral("/git-upload-pack")
                                   : QString();
        m_http.failNextWithRetryAfter(status, 1, retryAfter, filter);
        SyncHarness h;
        const QString path = target();
        const auto r = syncOnce(h, "st", m_http.url("small.git"), path);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(int(r.error.category), category);
        QCOMPARE(r.error.httpStatus, status);
        QCOMPARE(qint64(r.error.retryAfter.count()), expectedRetryAfterMs);
        const auto attempts = h.attempts.value("st");
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts[0].error.httpStatus, status);
        QCOMPARE(qint64(attempts[0].error.retryAfter.count()), expectedRetryAfterMs);
        QVERIFY(!QFileInfo::exists(path));
    }

    void retryAfterAsHttpDate()
    {
        const QDateTime when = QDateTime::currentDateTimeUtc().addSecs(120);
        const QByteArray date = QLocale::c()
                                    .toString(when,
                                              QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                                    .toLatin1();
        m_http.failNextWithRetryAfter(429, 1, date);
        SyncHarness h;
        const auto r = syncOnce(h, "date", m_http.url("small.git"), target());
        QCOMPARE(r.error.category, ErrorCategory::RateLimited);
        QCOMPARE(r.error.httpStatus, 429);
        // Whole seconds on the wire: between 119 and 120 s from now.
        QVERIFY2(r.error.retryAfter >= Millis(118'000) && r.error.retryAfter <= Millis(120'000),
                 qPrintable(QString::number(r.error.retryAfter.count())));
    }

    void transientStatusIsRetriedThenSucceeds()
    {
        m_http.failNextWithRetryAfter(503, 2, "0");
        SyncHarness h;
        const auto r = syncOnce(h, "again", m_http.url("small.git"), target(), 4);
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 3);
    }

    void redirectOnInfoRefsIsFollowedAndPostsUseTheNewBase()
    {
        m_http.addRedirect("moved.git", m_http.url("small.git"), 301);
        SyncHarness h;
        const QString path = target();
        QCOMPARE(syncOnce(h, "moved", m_http.url("moved.git"), path).outcome, Outcome::Cloned);
        QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), serverHead("small.git"));
        const QStringList log = m_http.requestLog();
        QVERIFY2(log.contains("GET /moved.git/info/refs?service=git-upload-pack 301"),
                 qPrintable(log.join('\n')));
        QVERIFY(log.contains("GET /small.git/info/refs?service=git-upload-pack 200"));
        QVERIFY(log.contains("POST /small.git/git-upload-pack 200"));
        QVERIFY(!log.join('\n').contains("POST /moved.git"));
    }

    void redirectLimitsAndRules()
    {
        // A loop: followed five times, then given up without retrying.
        m_http.addRedirect("loop1.git", m_http.url("loop2.git"));
        m_http.addRedirect("loop2.git", m_http.url("loop1.git"));
        SyncHarness h;
        auto r = syncOnce(h, "loop", m_http.url("loop1.git"), target(), 3);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Protocol);
        QCOMPARE(r.attempts, 1);
        QCOMPARE(m_http.requestCount(), 6);

        // https -> http is never followed: nothing reaches the http server.
        m_http.resetCounters();
        m_https.addRedirect("down.git", m_http.url("small.git"));
        SyncHarness h2;
        r = syncOnce(h2, "down", m_https.url("down.git"), target(), 3);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Protocol);
        QVERIFY(r.error.message.contains("https to http"));
        QCOMPARE(m_http.requestCount(), 0);

        // Only the initial request follows redirects; a POST's is an error.
        m_http.failNextWithRetryAfter(307, 1, QByteArray(), "/git-upload-pack");
        SyncHarness h3;
        r = syncOnce(h3, "post", m_http.url("small.git"), target());
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.httpStatus, 307);
    }

    void credentialsCallbackIsAskedOnce_data()
    {
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("right password") << QByteArray("s3cret") << true;
        QTest::newRow("wrong password") << QByteArray("wrong") << false;
    }

    void credentialsCallbackIsAskedOnce()
    {
        QFETCH(QByteArray, password);
        QFETCH(bool, accepted);
        m_http.requireBasicAuth("alice", "s3cret");
        Callbacks cb;
        cb.username = "alice";
        cb.password = password;
        const QString path = target();
        const DirectResult r = directClone(m_http.url("small.git"), path, &cb);
        QCOMPARE(cb.credentialCalls, 1);
        const QStringList log = m_http.requestLog();
        if (accepted) {
            QCOMPARE(r.rc, 0);
            QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), serverHead("small.git"));
            // One challenge; the POST carried the credentials unasked.
            QCOMPARE(log.filter(" 401").size(), 1);
            QVERIFY(log.contains("POST /small.git/git-upload-pack 200"));
        } else {
            QCOMPARE(r.rc, int(GIT_EAUTH));
            QCOMPARE(r.error.category, ErrorCategory::Auth);
            QCOMPARE(r.error.httpStatus, 401);
            QVERIFY(!r.error.transient);
            QCOMPARE(log, QStringList({"GET /small.git/info/refs?service=git-upload-pack 401",
                                       "GET /small.git/info/refs?service=git-upload-pack 401"}));
        }
    }

    void credentialsFromTheUrlComeFirst()
    {
        m_http.requireBasicAuth("alice", "s3cret");
        const QString good = m_http.urlWithCredentials("small.git", "alice", "s3cret");
        DirectResult r = directClone(good, target(), nullptr);
        QCOMPARE(r.rc, 0);

        // Wrong in the URL: the callback (told the URL's user) is the second source.
        Callbacks cb;
        cb.username = "alice";
        cb.password = "s3cret";
        r = directClone(m_http.urlWithCredentials("small.git", "alice", "stale"), target(), &cb);
        QCOMPARE(r.rc, 0);
        QCOMPARE(cb.credentialCalls, 1);
        QCOMPARE(cb.urlUser, QByteArray("alice"));
    }

    void tokenWithoutUserNameIsSentAsBearer()
    {
        m_http.requireBearerToken("tok-123");
        Callbacks cb;
        cb.password = "tok-123";
        const DirectResult r = directClone(m_http.url("small.git"), target(), &cb);
        QCOMPARE(r.rc, 0);
        QCOMPARE(cb.credentialCalls, 1);
        QCOMPARE(m_http.lastRequestHeader("Authorization"), QByteArray("Bearer tok-123"));
    }

    // A negotiation over 1 KiB (here: wants for 150 branches) goes gzip-
    // compressed, as git sends it; http-backend reads it and the mirror is
    // complete.
    void largeNegotiationIsSentGzipped()
    {
        const QString bare = GitRepoFactory::createBareRepo(m_root, "branches.git", 2);
        QVERIFY(!bare.isEmpty());
        for (int i = 0; i < 150; ++i) {
            QVERIFY(GitRepoFactory::addBranch(bare, QStringLiteral("feature/branch-%1").arg(i),
                                              "HEAD"));
            if (i % 10 == 0)
                QVERIFY(GitRepoFactory::addCommits(bare, 1,
                                                   QStringLiteral("feature/branch-%1").arg(i)));
        }
        SyncHarness h;
        const QString path = target();
        const auto r = h.syncAndWait(
            h.spec("gz", m_http.url("branches.git"), path, core::RepoMode::Mirror), fastPolicy(2));
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(m_http.lastRequestHeader("Content-Encoding"), QByteArray("gzip"));
        QCOMPARE(GitRepoFactory::refs(path), GitRepoFactory::refs(bare));
    }

    void chunkedAndGzipBodies_data()
    {
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<bool>("gzip");
        QTest::newRow("chunked") << true << false;
        QTest::newRow("gzip") << false << true;
        QTest::newRow("chunked gzip") << true << true;
    }

    void chunkedAndGzipBodies()
    {
        QFETCH(bool, chunked);
        QFETCH(bool, gzip);
        m_http.setChunkedResponses(chunked);
        m_http.setGzipResponses(gzip);
        const int chunkedBefore = m_http.chunkedResponseCount();
        const int gzipBefore = m_http.gzipResponseCount();
        SyncHarness h;
        const QString path = target();
        const auto r = syncOnce(h, "enc", m_http.url("large.git"), path);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), serverHead("large.git"));
        QCOMPARE(m_http.chunkedResponseCount() > chunkedBefore, chunked);
        QCOMPARE(m_http.gzipResponseCount() > gzipBefore, gzip);
    }

    void stallBeforeTheAnswerTimesOut()
    {
        m_http.setStallAfterHeaders(true);
        auto policy = fastPolicy(1);
        policy.stallTimeout = Millis(300);
        SyncHarness h;
        const auto r = h.syncAndWait(h.spec("silent", m_http.url("small.git"), target()), policy);
        QCOMPARE(r.error.category, ErrorCategory::Timeout);
        QVERIFY2(r.error.message.contains("sent nothing"), qPrintable(r.error.message));
        const auto a = h.attempts.value("silent").value(0);
        QVERIFY2(a.duration >= Millis(250) && a.duration < Millis(3000),
                 qPrintable(QString::number(a.duration.count())));
    }

    void stallInTheMiddleOfTheBodyTimesOut()
    {
        FaultProxy link;
        QVERIFY(link.start(m_http.port()));
        link.setThrottle(300'000);
        auto policy = fastPolicy(1);
        policy.stallTimeout = Millis(400);
        SyncHarness h;
        const QString path = target();
        h.scheduler.sync(h.spec("mid", link.url("http", "large.git"), path), policy);
        QTRY_VERIFY_WITH_TIMEOUT(link.bytesToClient() > 150'000, 10'000);
        link.setStall(true);
        const auto r = h.waitFor("mid", 10'000);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Timeout);
        QVERIFY2(r.error.message.contains("sent nothing"), qPrintable(r.error.message));
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(r.bytes > 150'000 || h.attempts.value("mid").value(0).bytes > 100'000);
    }

    void slowButMovingBodyIsNotCut()
    {
        FaultProxy link;
        QVERIFY(link.start(m_http.port()));
        link.setThrottle(500'000); // ~1.2 MB: more than two seconds of trickle
        auto policy = fastPolicy(1);
        policy.stallTimeout = Millis(600);
        SyncHarness h;
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("slow", link.url("http", "large.git"), target()),
                                     policy);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QVERIFY(t.elapsed() > 3 * policy.stallTimeout.count());
    }

    void cancelWithinOneSecondOnASilentServer()
    {
        m_http.setStallAfterHeaders(true);
        auto policy = fastPolicy(3);
        policy.stallTimeout = Millis(120'000);
        SyncHarness h;
        const QString path = target();
        h.scheduler.sync(h.spec("cancel", m_http.url("small.git"), path), policy);
        QTRY_VERIFY_WITH_TIMEOUT(m_http.requestCount() >= 1,
                                 10000); // the request is parked, unanswered
        QElapsedTimer t;
        t.start();
        h.scheduler.cancel("cancel");
        const auto r = h.waitFor("cancel", 5000);
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString("cancel took %1 ms").arg(t.elapsed())));
        QCOMPARE(r.outcome, Outcome::Cancelled);
        QCOMPARE(r.attempts, 1);
        QVERIFY(!QFileInfo::exists(path));
    }

    void connectTimeoutBoundsAHangingConnect()
    {
        BlackHoleListener hole;
        QVERIFY2(hole.start(), qPrintable(hole.error()));
        auto policy = fastPolicy(1);
        policy.connectTimeout = Millis(400);
        policy.stallTimeout = Millis(60'000);
        SyncHarness h;
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("ct", hole.url("http", "x.git"), target()), policy);
        const qint64 elapsed = t.elapsed();
        hole.close();
        QCOMPARE(r.outcome, Outcome::Failed);
        if (r.error.category == ErrorCategory::Network)
            QSKIP(
                "this kernel completed the handshake; the connect black hole could not be built here");
        QCOMPARE(r.error.category, ErrorCategory::Timeout);
        QVERIFY2(r.error.message.contains("connect"), qPrintable(r.error.message));
        QVERIFY(elapsed < 5000);
    }

    void pushGoesThroughTheQtTransport()
    {
        const QString path = target();
        QCOMPARE(directClone(m_http.url("push.git"), path, nullptr).rc, 0);
        int gitRc = -1;
        GitRepoFactory::git({"commit", "--allow-empty", "-m", "pushed over Qt"}, path, &gitRc);
        QCOMPARE(gitRc, 0);
        const QString local = GitRepoFactory::revParse(path, "HEAD");
        QVERIFY(local != serverHead("push.git"));

        core::AttemptContext attempt(Millis(5000), Millis(5000), Millis(30'000),
                                     std::make_shared<core::CancelToken>());
        core::AttemptScope scope(&attempt);
        git_repository *repo = nullptr;
        QCOMPARE(git_repository_open(&repo, QFile::encodeName(path).constData()), 0);
        git_remote *remote = nullptr;
        QCOMPARE(git_remote_lookup(&remote, repo, "origin"), 0);
        char refspec[] = "refs/heads/main:refs/heads/main";
        char *specs[] = {refspec};
        const git_strarray refspecs{specs, 1};
        git_push_options options;
        git_push_options_init(&options, GIT_PUSH_OPTIONS_VERSION);
        const int rc = git_remote_push(remote, &refspecs, &options);
        const QString error = rc < 0 && git_error_last()
                                  ? QString::fromUtf8(git_error_last()->message)
                                  : QString();
        git_remote_free(remote);
        git_repository_free(repo);
        QVERIFY2(rc == 0, qPrintable(error));
        QCOMPARE(serverHead("push.git"), local);
        QVERIFY(m_http.requestLog().contains("POST /push.git/git-receive-pack 200"));
    }
};

QTEST_GUILESS_MAIN(TestHttpTransport)
#include "tst_http_transport.moc"
