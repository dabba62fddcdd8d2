#include "retry/FailureCapture.h"
#include "retry/ErrorClassifier.h"

#include "net/NetworkSetup.h"

#include <QtTest>

#include <git2/errors.h>

using namespace repodeck::core;

Q_DECLARE_METATYPE(repodeck::core::StreamFault)

// Real libgit2 1.5.1 error classes, codes and texts (see
// shared/docs/LIBGIT2-FACTS.md and the integration tests that provoke them).
class TestErrorClassifier : public QObject
{
    Q_OBJECT

private slots:
    // Found in review: a server's ERR line or Content-Type with escape
    // sequences reached the terminal (retitled it, cleared it, printed a
    // fake "all up to date" line). What a server says is shown, not obeyed.
    void serverTextLosesItsEscapeSequences()
    {
        QCOMPARE(initializeNetwork(), QString());
        git_error_set_str(
            GIT_ERROR_NET,
            "remote error: \x1b]0;owned\x07\x1b[2J\x1b[31mFAKE: all up to date\r\xc2\x9b"
            "1m");
        const SyncError e = captureFailure(-1, nullptr, QStringLiteral("127.0.0.1"));
        QVERIFY2(!e.text().contains(QChar(0x1b)) && !e.text().contains(QChar(0x07))
                     && !e.text().contains(QChar('\r')),
                 qPrintable(e.text()));
        QVERIFY(e.text().contains("FAKE: all up to date"));
    }

    void classify_data()
    {
        QTest::addColumn<int>("klass");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::addColumn<StreamFault>("fault");
        QTest::addColumn<QString>("category");
        QTest::addColumn<bool>("transient");

        const auto none = StreamFault::None;
        QTest::newRow("http 503") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 503"
                                  << none << "server" << true;
        QTest::newRow("http 500") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 500"
                                  << none << "server" << true;
        QTest::newRow("http 502") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 502"
                                  << none << "server" << true;
        QTest::newRow("http 429") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 429"
                                  << none << "rate_limited" << true;
        QTest::newRow("http 403") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 403"
                                  << none << "auth" << false;
        QTest::newRow("proxy 407")
            << int(GIT_ERROR_HTTP) << int(GIT_EAUTH)
            << "proxy authentication required: the proxy answered 407" << none << "auth" << false;
        QTest::newRow("proxy status 407")
            << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 407" << none << "auth"
            << false;
        QTest::newRow("http 404") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 404"
                                  << none << "not_found" << false;
        QTest::newRow("http 400") << int(GIT_ERROR_HTTP) << -1 << "unexpected http status code: 400"
                                  << none << "protocol" << false;
        QTest::newRow("401 without callback")
            << int(GIT_ERROR_HTTP) << int(GIT_EAUTH)
            << "remote authentication required but no callback set" << none << "auth" << false;
        QTest::newRow("credential replays")
            << int(GIT_ERROR_HTTP) << -1 << "too many redirects or authentication replays" << none
            << "auth" << false;
        QTest::newRow("refused") << int(GIT_ERROR_OS) << -1
                                 << "failed to connect to 127.0.0.1: Connection refused" << none
                                 << "network" << true;
        QTest::newRow("refused via stream")
            << int(GIT_ERROR_NET) << -1 << "failed to connect to 127.0.0.1:9: Connection refused"
            << StreamFault::Refused << "network" << true;
        QTest::newRow("resolve") << int(GIT_ERROR_NET) << -1
                                 << "failed to resolve address for nohost.invalid: Name or service not known"
                                 << none << "network" << true;
        QTest::newRow("early eof")
            << int(GIT_ERROR_NET) << int(GIT_EEOF) << "early EOF" << none << "network" << true;
        QTest::newRow("recv error")
            << int(GIT_ERROR_NET) << -1 << "error receiving socket data: Connection reset by peer"
            << none << "network" << true;
        QTest::newRow("unexpected eof")
            << int(GIT_ERROR_NET) << int(GIT_EEOF) << "unexpected EOF" << none << "network" << true;
        QTest::newRow("reset seen by stream, odd text")
            << int(GIT_ERROR_NET) << -1 << "invalid packet line" << StreamFault::Reset << "network"
            << true;
        QTest::newRow("stall") << int(GIT_ERROR_NET) << -1 << "no data received from 127.0.0.1"
                               << StreamFault::StallTimeout << "timeout" << true;
        QTest::newRow("stall under https (mbedTLS text)")
            << int(GIT_ERROR_SSL) << -1 << "SSL error: 0xffffffff - ERROR - Generic error"
            << StreamFault::StallTimeout << "timeout" << true;
        QTest::newRow("connect timeout")
            << int(GIT_ERROR_NET) << -1 << "timed out connecting to 10.255.255.1:80"
            << StreamFault::ConnectTimeout << "timeout" << true;
        QTest::newRow("attempt timeout") << int(GIT_ERROR_NET) << -1 << "receive: attempt timed out"
                                         << StreamFault::AttemptTimeout << "timeout" << true;
        QTest::newRow("cancelled in stream") << int(GIT_ERROR_NET) << -1 << "receive cancelled"
                                             << StreamFault::Cancelled << "cancelled" << false;
        QTest::newRow("cancelled via callback")
            << 0 << int(GIT_EUSER) << "" << none << "cancelled" << false;
        QTest::newRow("tls certificate")
            << int(GIT_ERROR_SSL) << int(GIT_ECERTIFICATE) << "the SSL certificate is invalid"
            << none << "tls" << false;
        QTest::newRow("ssh host key")
            << int(GIT_ERROR_SSH) << int(GIT_ECERTIFICATE)
            << "invalid or unknown remote ssh hostkey" << none << "host_key" << false;
        QTest::newRow("daemon missing repo")
            << int(GIT_ERROR_NET) << -1
            << "remote error: access denied or repository not exported: /nope.git" << none
            << "not_found" << false;
        QTest::newRow("daemon other error")
            << int(GIT_ERROR_NET) << -1 << "remote error: upload-pack: not our ref" << none
            << "protocol" << false;
        QTest::newRow("local path missing")
            << int(GIT_ERROR_REPOSITORY) << int(GIT_ENOTFOUND)
            << "could not find repository at '/tmp/nope'" << none << "not_found" << false;
        QTest::newRow("stale ref lock")
            << int(GIT_ERROR_OS) << -1
            << "failed to lock file '/r/.git/refs/heads/main.lock' for writing: File exists" << none
            << "local" << false;
        QTest::newRow("disk full")
            << int(GIT_ERROR_OS) << -1
            << "could not write to '/r/.git/objects/pack/pack_git2_x': No space left on device"
            << none << "local" << false;
        QTest::newRow("permission")
            << int(GIT_ERROR_OS) << -1 << "failed to make directory '/root/x': Permission denied"
            << none << "local" << false;
        QTest::newRow("exists") << int(GIT_ERROR_INVALID) << int(GIT_EEXISTS)
                                << "'/tmp/x' exists and is not an empty directory" << none
                                << "local" << false;
        QTest::newRow("not git") << int(GIT_ERROR_NET) << -1 << "invalid packet line" << none
                                 << "network" << true;
        QTest::newRow("zlib garbage")
            << int(GIT_ERROR_ZLIB) << -1 << "failed to inflate data" << none << "protocol" << false;
    }

    void classify()
    {
        QFETCH(int, klass);
        QFETCH(int, code);
        QFETCH(QString, message);
        QFETCH(StreamFault, fault);
        QFETCH(QString, category);
        QFETCH(bool, transient);

        FailureInput in;
        in.gitClass = klass;
        in.gitCode = code;
        in.gitMessage = message;
        in.streamFault = fault;
        in.host = "example.test";
        in.timeoutText = "30 s";
        const SyncError e = classifyFailure(in);
        QCOMPARE(categoryName(e.category), category);
        QCOMPARE(e.transient, transient);
        QCOMPARE(e.transient, isTransient(e.category));
        QVERIFY2(!e.message.isEmpty(), "every failure explains itself");
        if (!transient && e.category != ErrorCategory::Cancelled)
            QVERIFY2(!e.hint.isEmpty(), "permanent failures tell the user what to do");
    }

    void exactHttpStatusBeatsText()
    {
        FailureInput in;
        in.httpStatus = 429;
        in.gitMessage = "something else";
        QCOMPARE(classifyFailure(in).category, ErrorCategory::RateLimited);
    }

    void onlyFourCategoriesAreTransient()
    {
        int transient = 0;
        for (int c = int(ErrorCategory::None); c <= int(ErrorCategory::Cancelled); ++c)
            transient += isTransient(ErrorCategory(c)) ? 1 : 0;
        QCOMPARE(transient, 4);
    }

    // git-lfs's own words (issue 16): network, timeouts, 5xx and 429 are
    // worth another attempt; authentication, a missing object and a quota
    // are not.
    void classifyLfs_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("fault");
        QTest::addColumn<ErrorCategory>("category");
        QTest::addColumn<bool>("transient");
        const int none = int(StreamFault::None);
        QTest::newRow("5xx")
            << "batch response: Fatal error: Server error: https://h/x.git/info/lfs/objects/batch\n"
               "Failed to fetch some objects from 'https://h/x.git/info/lfs'"
            << none << ErrorCategory::Server << true;
        QTest::newRow("503 text") << "LFS: Service Unavailable: [503] try later" << none
                                  << ErrorCategory::Server << true;
        QTest::newRow("429") << "batch response: Rate limit exceeded: https://h/x" << none
                             << ErrorCategory::RateLimited << true;
        QTest::newRow("401") << "batch response: Authentication required: Authorization error: https://h/x\n"
                                "Check that you have proper access to the repository"
                             << none << ErrorCategory::Auth << false;
        QTest::newRow("no credentials")
            << "batch response: Git credentials for https://h/x not found." << none
            << ErrorCategory::Auth << false;
        QTest::newRow("404 object")
            << "[4f2a...] Object does not exist on the server: [404] Object does not exist on the server"
            << none << ErrorCategory::NotFound << false;
        QTest::newRow("quota")
            << "batch response: This repository is over its data quota. Account responsible for LFS "
               "bandwidth should purchase more data packs to restore access."
            << none << ErrorCategory::Protocol << false;
        QTest::newRow("cut")
            << "cannot write data to temporary file \"/r/.git/lfs/incomplete/ab12\": LFS: unexpected EOF"
            << none << ErrorCategory::Network << true;
        QTest::newRow("refused")
            << "batch response: Post \"http://127.0.0.1:1/objects/batch\": dial tcp 127.0.0.1:1: "
               "connect: connection refused"
            << none << ErrorCategory::Network << true;
        QTest::newRow("stall seen by RepoDeck")
            << "" << int(StreamFault::StallTimeout) << ErrorCategory::Timeout << true;
        QTest::newRow("attempt limit")
            << "" << int(StreamFault::AttemptTimeout) << ErrorCategory::Timeout << true;
        QTest::newRow("cancel") << "" << int(StreamFault::Cancelled) << ErrorCategory::Cancelled
                                << false;
        QTest::newRow("unknown") << "something new" << none << ErrorCategory::Protocol << false;
    }
    void classifyLfs()
    {
        QFETCH(QString, output);
        QFETCH(int, fault);
        QFETCH(ErrorCategory, category);
        QFETCH(bool, transient);
        const SyncError e = classifyLfsFailure(output, StreamFault(fault), QStringLiteral("h"),
                                               QStringLiteral("5 s"));
        QCOMPARE(e.category, category);
        QCOMPARE(e.transient, transient);
        QVERIFY(!e.message.isEmpty());
        if (category != ErrorCategory::Cancelled)
            QVERIFY2(!e.hint.isEmpty(), qPrintable(e.message));
        QVERIFY2(!e.message.contains(QLatin1String("Failed to fetch some objects")),
                 qPrintable(e.message));
    }

    void statusParsing()
    {
        QCOMPARE(httpStatusFromMessage("unexpected http status code: 503"), 503);
        QCOMPARE(httpStatusFromMessage("unexpected HTTP status code 404"), 404);
        QCOMPARE(httpStatusFromMessage("early EOF"), 0);
    }

    void namesRoundTrip()
    {
        for (int c = int(ErrorCategory::Network); c <= int(ErrorCategory::Cancelled); ++c)
            QCOMPARE(categoryFromName(categoryName(ErrorCategory(c))), ErrorCategory(c));
    }
};

QTEST_GUILESS_MAIN(TestErrorClassifier)
#include "tst_errorclassifier.moc"
