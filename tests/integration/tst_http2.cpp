// A TLS server that offers HTTP/2: a real nginx on 127.0.0.1 terminates TLS
// (offering h2 and http/1.1 through ALPN) in front of git http-backend
// (HttpGitServer). RepoDeck's transport asks for http/1.1 only and reads the
// answers itself (HttpConnection): Qt 6.4's HTTP/2 client acknowledges data
// as it arrives, not as it is read, so what a server sends could not be
// bounded. Both ends confirm the protocol: the attempt records it and nginx
// logs it for every request, over connections kept alive between requests.
// libgit2's built-in client (HTTP/1.1 only in 1.5.1) must keep working
// against the same server.
#include "SyncHarness.h"

#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "NginxServer.h"
#include "TestEnvironment.h"
#include "TestPki.h"
#include "net/NetworkSetup.h"
#include "net/http/HttpBackend.h"

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QtTest>

#include <git2.h>

using namespace repodeck;
using namespace repodeck::test;
using core::Outcome;

// nginx's log lines since `from` without their connection number (the first
// field); the distinct connection numbers into `*connections`.
QStringList requestsSince(const NginxServer &nginx, qsizetype from,
                          QSet<QString> *connections = nullptr)
{
    QStringList out;
    for (const QString &line : nginx.accessLog().mid(from)) {
        if (connections)
            *connections << line.section(' ', 0, 0);
        out << line.section(' ', 1);
    }
    return out;
}

class TestHttp2 : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root;
    TestPki m_pki;
    HttpGitServer m_backend; // plain http on 127.0.0.1, reached only through nginx
    NginxServer m_nginx;

    QString serverHead(const QString &repo)
    {
        return GitRepoFactory::revParse(m_root + '/' + repo, "main");
    }

    // Clone, then a sync that finds nothing new, then one that fast-forwards
    // two new commits: every kind of request a sync makes (GET info/refs,
    // POST git-upload-pack) on `url`. `versions` gets the protocol each
    // attempt recorded.
    void cloneAndFetch(const QString &name, const QString &url, const QString &repo,
                       QStringList *versions)
    {
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clones/") + name);
        const auto policy = fastPolicy(1);
        const Outcome expected[] = {Outcome::Cloned, Outcome::UpToDate, Outcome::Updated};
        for (const Outcome outcome : expected) {
            if (outcome == Outcome::Updated)
                QVERIFY(GitRepoFactory::addCommits(m_root + '/' + repo, 2));
            const auto r = h.syncAndWait(h.spec(name, url, path), policy);
            QVERIFY2(r.outcome == outcome,
                     qPrintable(core::outcomeName(r.outcome) + ": " + r.error.text()));
            *versions << h.attempts.value(name).value(0).httpVersion;
        }
        QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), serverHead(repo));
    }

private slots:
    void initTestCase()
    {
        REPODECK_REQUIRE_TOOL(
            "nginx", "HTTP/2 is not tested without it; package nginx, ./dev.sh installs it");
        QCOMPARE(core::initializeNetwork(), QString());
        QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Qt));
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        QVERIFY(!GitRepoFactory::createBareRepo(m_root, "qt.git", 3).isEmpty());
        QVERIFY(!GitRepoFactory::createBareRepo(m_root, "libgit2.git", 3).isEmpty());

        QString error;
        // libgit2's mbedTLS matches DNS names only, Qt matches the address too.
        QVERIFY2(m_pki.create(m_tmp.filePath("pki"),
                              {QStringLiteral("localhost"), QStringLiteral("127.0.0.1")}, &error),
                 qPrintable(error));
        QVERIFY(m_pki.trustCaInBothClients());

        QVERIFY(m_backend.start(m_root));
        QVERIFY2(m_nginx.start(m_backend.port(), m_pki.serverPem + m_pki.caPem, m_pki.serverKeyPem),
                 qPrintable(m_nginx.error()));
    }

    void cleanupTestCase()
    {
        m_nginx.stop();
        m_backend.stop();
        core::http::useHttpBackend(core::http::HttpBackend::Qt);
    }

    void qtTransportSpeaksHttp11ToAnHttp2Server()
    {
        const qsizetype from = m_nginx.accessLog().size();
        const int backendBefore = m_backend.requestCount();
        QStringList versions;
        cloneAndFetch("qt", m_nginx.url("qt.git"), "qt.git", &versions);
        if (QTest::currentTestFailed())
            return;
        // What the transport saw, per attempt.
        QCOMPARE(versions, QStringList({"HTTP/1.1", "HTTP/1.1", "HTTP/1.1"}));

        // What nginx saw: every request that reached git http-backend came
        // on HTTP/1.1 and was answered 200 (nginx logs a request just after
        // answering it, hence the bounded wait).
        const int requests = m_backend.requestCount() - backendBefore;
        QVERIFY(requests >= 5); // 3 x info/refs, the clone's and the update's POST
        QTRY_COMPARE_WITH_TIMEOUT(m_nginx.accessLog().size() - from, qsizetype(requests), 5000);
        QSet<QString> connections;
        const QStringList log = requestsSince(m_nginx, from, &connections);
        for (const QString &line : log)
            QVERIFY2(line.endsWith(QLatin1String(" HTTP/1.1 200")), qPrintable(log.join('\n')));
        // Each sync's POST went on the connection of its GET.
        QVERIFY2(connections.size() < log.size(),
                 qPrintable(m_nginx.accessLog().mid(from).join(QLatin1Char('\n'))));
        QVERIFY(log.contains("GET /qt.git/info/refs?service=git-upload-pack HTTP/1.1 200"));
        QVERIFY(log.contains("POST /qt.git/git-upload-pack HTTP/1.1 200"));
    }

    void libgit2ClientStaysOnHttp11()
    {
        QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Libgit2));
        const qsizetype from = m_nginx.accessLog().size();
        const int backendBefore = m_backend.requestCount();
        QStringList versions;
        cloneAndFetch("libgit2", m_nginx.url("libgit2.git", QStringLiteral("localhost")),
                      "libgit2.git", &versions);
        QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Qt));
        if (QTest::currentTestFailed())
            return;
        // libgit2's client does not tell which protocol it spoke.
        QCOMPARE(versions, QStringList({"", "", ""}));

        const int requests = m_backend.requestCount() - backendBefore;
        QVERIFY(requests >= 5);
        QTRY_COMPARE_WITH_TIMEOUT(m_nginx.accessLog().size() - from, qsizetype(requests), 5000);
        const QStringList log = requestsSince(m_nginx, from);
        for (const QString &line : log)
            QVERIFY2(line.endsWith(QLatin1String(" HTTP/1.1 200")), qPrintable(log.join('\n')));
        QVERIFY(log.contains("POST /libgit2.git/git-upload-pack HTTP/1.1 200"));
    }
};

QTEST_GUILESS_MAIN(TestHttp2)
#include "tst_http2.moc"
