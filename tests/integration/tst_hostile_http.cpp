// What a hostile HTTP server or a crafted URL must not get out of RepoDeck,
// on both HTTP backends (ours on Qt Network, and libgit2's own client):
// another host's stored credential through newlines in the URL (git's
// CVE-2020-5260), the credential of one origin after a redirect to another,
// or unbounded memory from a gzip bomb. The credentials are real ones in a
// real `git credential-store` file under a temporary HOME; the servers are
// HostileHttpServer instances on 127.0.0.1.
#include "retry/FailureCapture.h"
#include "SyncHarness.h"

#include "HostileHttpServer.h"
#include "TestEnvironment.h"
#include "auth/CredentialBroker.h"
#include "auth/SessionCredentials.h"
#include "net/NetworkSetup.h"
#include "retry/AttemptContext.h"
#include "sync/TransferCallbacks.h"
#include "net/http/BodyDecoder.h"
#include "net/http/HttpBackend.h"

#include <QtTest>

#include <git2.h>

#include <malloc.h>
#include <sys/resource.h>

using namespace repodeck;
using namespace repodeck::test;
using core::Outcome;

namespace {

const QByteArray kGithubToken = "ghp-TOKEN-must-stay-home-4242";
const QByteArray kSecretA = "SECRET-of-origin-a-9731";
const QByteArray kUrlSecret = "URL-SECRET-of-origin-a-5518";

// The process's peak resident size (KiB). Each bomb row first resets the
// kernel's high-water mark (clear_refs "5", Linux 4.0+), so that one row's
// peak is not hidden by an earlier one's; getrusage() is the fallback.
qint64 peakRssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmHWM:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

qint64 currentRssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return peakRssKiB();
}

void resetPeakRss()
{
    malloc_trim(0); // what earlier rows freed goes back, so it cannot hide this row's growth
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    if (clear.open(QIODevice::WriteOnly))
        clear.write("5");
}

core::RetryPolicy onceOnly()
{
    core::RetryPolicy p = fastPolicy(1);
    p.attemptTimeout = core::Millis(60'000);
    p.deadline = core::Millis(90'000);
    return p;
}

// One clone attempt the way SyncJob runs it (attempt, callbacks, the real
// credential broker and sources, report() afterwards), without SyncJob's own
// URL check in front: the credential layer must be safe on its own, whatever
// URL reaches it.
core::RepoResult cloneUnchecked(const QString &url, const QString &path)
{
    core::AttemptContext attempt(core::Millis(5000), core::Millis(5000), core::Millis(30'000),
                                 std::make_shared<core::CancelToken>());
    core::AttemptScope scope(&attempt);
    core::TransferCallbacks callbacks(&attempt, [](const core::TransferProgress &) {});
    core::CredentialBroker broker(core::defaultCredentialSources());
    callbacks.setCredentialBroker(&broker);
    git_clone_options options;
    git_clone_options_init(&options, GIT_CLONE_OPTIONS_VERSION);
    callbacks.install(options.fetch_opts.callbacks);
    git_repository *repo = nullptr;
    const int rc = git_clone(&repo, url.toUtf8().constData(), QFile::encodeName(path).constData(),
                             &options);
    core::RepoResult result;
    result.outcome = rc < 0 ? Outcome::Failed : Outcome::Cloned;
    if (rc < 0)
        result.error = core::captureFailure(rc, &attempt, QStringLiteral("127.0.0.1"));
    git_repository_free(repo);
    broker.report(rc == 0, result.error.category == core::ErrorCategory::Auth);
    return result;
}

bool anyContains(const QList<QByteArray> &values, const QByteArray &needle)
{
    for (const QByteArray &v : values) {
        if (v.contains(needle))
            return true;
    }
    return false;
}

} // namespace

class TestHostileHttp : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_home;
    SyncHarness m_harness;
    int m_serial = 0;

    QString storePath() const { return m_home + "/git-credentials"; }
    QByteArray store() const
    {
        QFile f(storePath());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    void writeStore(const QByteArray &lines)
    {
        QFile f(storePath());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(lines);
    }
    void useBackend()
    {
        QFETCH(QString, backend);
        QVERIFY(core::http::useHttpBackend(backend == "qt" ? core::http::HttpBackend::Qt
                                                           : core::http::HttpBackend::Libgit2));
    }
    core::RepoResult sync(const QString &url, int timeoutMs = 60'000)
    {
        const QString name = QStringLiteral("r%1").arg(++m_serial);
        return m_harness.syncAndWait(m_harness.spec(name, url, m_tmp.filePath("w/" + name)),
                                     onceOnly(), timeoutMs);
    }
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("qt") << "qt";
        QTest::newRow("libgit2") << "libgit2";
    }
    // Finding 9: nothing RepoDeck reports quotes a credential.
    static void verifyNoSecretIn(const core::RepoResult &r, const QList<QByteArray> &secrets)
    {
        const QByteArray text = (r.error.message + "\n" + r.error.hint + "\n" + r.detail).toUtf8();
        for (const QByteArray &s : secrets) {
            QVERIFY2(!text.contains(s), text.constData());
            QVERIFY2(!text.contains(s.toBase64()), text.constData());
        }
    }

private slots:
    void initTestCase()
    {
        m_home = m_tmp.filePath("home");
        // git's helpers see this HOME only: a real credential-store file.
        QVERIFY(isolateProcessEnvironment(m_home));
        qputenv("REPODECK_KEYCHAIN", "off");
        QFile cfg(m_home + "/.gitconfig");
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("[credential]\n\thelper = store --file=" + storePath().toUtf8() + "\n");
        cfg.close();
        QCOMPARE(core::initializeNetwork(), QString());
    }

    void cleanupTestCase() { QVERIFY(core::http::useHttpBackend(core::http::HttpBackend::Qt)); }

    // Finding 1: "%0A" in the path or the user name must not become lines
    // of `git credential` (which would ask for github.com's token).
    void newlinesInTheUrlNeverReachTheCredentialHelper_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<bool>("inUserName");
        for (const char *backend : {"qt", "libgit2"}) {
            QTest::addRow("%s, path", backend) << backend << false;
            QTest::addRow("%s, user name", backend) << backend << true;
        }
    }
    void newlinesInTheUrlNeverReachTheCredentialHelper()
    {
        useBackend();
        QFETCH(bool, inUserName);
        const QByteArray github = "https://octo:" + kGithubToken + "@github.com\n";
        writeStore(github);
        HostileHttpServer host;
        QVERIFY(host.start());
        const QString injected = QStringLiteral("%0Aprotocol=https%0Ahost=github.com%0A%0A");
        // Concatenated: QString::arg() would read "%0A" as a place marker.
        const QString url = inUserName ? "http://octo" + injected + "@127.0.0.1:"
                                             + QString::number(host.port()) + "/repo.git"
                                       : host.url("x" + injected);
        // RemoteUrl refuses such URLs where they enter (add, import, load,
        // SyncJob); this layer must hold even if one gets past that.
        const core::RepoResult r = cloneUnchecked(
            url, m_tmp.filePath(QStringLiteral("w/inj%1").arg(++m_serial)));
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(!host.seen().isEmpty(),
                 qPrintable("the server never saw the request: " + r.error.message));
        const QList<QByteArray> sent = host.credentialsSeen();
        QVERIFY2(!anyContains(sent, kGithubToken), sent.join(" | ").constData());
        // The rejection did not erase the github.com entry either.
        QVERIFY2(store().contains(github), store().constData());
        verifyNoSecretIn(r, {kGithubToken});
    }

    // Finding 2: a redirect to another origin (same host, other port) gets
    // nothing of the first origin, whatever source holds its credential, and
    // b's 401 erases nothing of it.
    void credentialsStayWithTheirOriginAcrossRedirects_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<QString>("source");
        QTest::addColumn<bool>("aAsksFirst"); // a takes the credential, then redirects
        for (const char *backend : {"qt", "libgit2"}) {
            for (const char *source : {"git credential helper", "user info in the URL",
                                       "session sign-in", "session token (Bearer)"}) {
                QTest::addRow("%s, %s", backend, source) << backend << source << false;
                QTest::addRow("%s, %s, a asks first", backend, source) << backend << source << true;
            }
        }
    }
    void credentialsStayWithTheirOriginAcrossRedirects()
    {
        useBackend();
        QFETCH(QString, source);
        QFETCH(bool, aAsksFirst);
        HostileHttpServer a;
        HostileHttpServer b;
        QVERIFY(a.start());
        QVERIFY(b.start());
        const QString hostA = QStringLiteral("127.0.0.1:%1").arg(a.port());
        const QByteArray entryA = "http://alice:" + kSecretA + "@" + hostA.toUtf8() + "\n";
        writeStore(entryA);
        const auto session = core::SessionCredentials::instance();
        session->clear();
        if (source.startsWith("session"))
            session->set("http", hostA,
                         {source.contains("Bearer") ? QString() : QStringLiteral("alice"),
                          QString::fromUtf8(kSecretA), QStringLiteral("sign-in")});
        a.redirectTo(QStringLiteral("http://127.0.0.1:%1").arg(b.port()));
        a.setAuthBeforeRedirect(aAsksFirst);
        QString url = a.url("repo.git");
        if (source.contains("URL"))
            url = QStringLiteral("http://alice:%1@%2/repo.git")
                      .arg(QString::fromUtf8(kUrlSecret), hostA);
        const core::RepoResult r = sync(url);
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(!b.seen().isEmpty(), "the redirect was not followed, so nothing was tested");
        if (aAsksFirst) // a got what it asked for: the case where a client has something to leak
            QVERIFY2(anyContains(a.credentialsSeen(),
                                 source.contains("URL") ? kUrlSecret : kSecretA),
                     a.credentialsSeen().join(" | ").constData());
        const QList<QByteArray> toB = b.credentialsSeen();
        QVERIFY2(!anyContains(toB, kSecretA), toB.join(" | ").constData());
        QVERIFY2(!anyContains(toB, kUrlSecret), toB.join(" | ").constData());
        QVERIFY2(store().contains(entryA), "b's 401 erased a's stored credential");
        if (source.startsWith("session"))
            QVERIFY2(session->fill({"http", hostA, {}, {}}).has_value(),
                     "b's 401 erased a's sign-in");
        session->clear();
        verifyNoSecretIn(r, {kSecretA, kUrlSecret});
    }

    // Finding 8: a 1 GiB ref advertisement in under 4 MB of gzip; one that
    // compresses like a real one but does not end, and one sent as it is
    // (only the total read in memory stops those two).
    void gzipBombInTheAdvertisementIsRefusedWithinBounds_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<bool>("varied");
        QTest::addColumn<bool>("plain"); // no Content-Encoding at all
        QTest::newRow("qt, 1 GiB of one ref line") << "qt" << false << false;
        QTest::newRow("libgit2, 1 GiB of one ref line") << "libgit2" << false << false;
        QTest::newRow("qt, 1 GiB without compression") << "qt" << true << true;
        QTest::newRow("libgit2, 1 GiB without compression") << "libgit2" << true << true;
        QTest::newRow("qt, 1 GiB of distinct refs") << "qt" << true << false;
    }
    void gzipBombInTheAdvertisementIsRefusedWithinBounds()
    {
        useBackend();
        QFETCH(QString, backend);
        QFETCH(bool, varied);
        QFETCH(bool, plain);
        writeStore({});
        HostileHttpServer host;
        QVERIFY(host.start());
        if (plain)
            host.serveHugeAdvertisement(qint64(1) << 30);
        else
            host.serveGzipBomb(qint64(1) << 30, varied);
        resetPeakRss();
        const qint64 before = currentRssKiB();
        QElapsedTimer t;
        t.start();
        const core::RepoResult r = sync(host.url("bomb.git"));
        const qint64 grown = peakRssKiB() - before;
        qInfo("%s: %lld ms, peak RSS grew by %lld KiB (gzip body %lld bytes): %s",
              qPrintable(backend), static_cast<long long>(t.elapsed()),
              static_cast<long long>(grown), static_cast<long long>(host.bombSize()),
              qPrintable(r.error.message));
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(!host.seen().isEmpty(), "the server never saw the request");
        QVERIFY2(t.elapsed() < 20'000, "the bomb was read for too long");
        // libgit2 keeps every ref of an advertisement (about twice its size),
        // so the 128 MiB total costs up to some 300 MiB; a ratio bomb is cut
        // after 4 MiB.
        const qint64 limitKiB = varied ? 400 * 1024 : 64 * 1024; // "varied" includes the plain rows
        QVERIFY2(grown < limitKiB,
                 qPrintable(QStringLiteral("peak RSS grew by %1 KiB").arg(grown)));
        if (plain) // both backends: the total read in memory
            QVERIFY2(r.error.message.contains("larger than 128 MiB"), qPrintable(r.error.message));
        else if (backend
                 == "qt") // libgit2's client never decodes gzip: it fails on the first pkt-line
            QVERIFY2(r.error.message.contains(varied ? "larger than 128 MiB once decompressed"
                                                     : "expands more than"),
                     qPrintable(r.error.message));
    }

    // The decoder's bounds on their own.
    void decoderRoundTripsAndRefusesWhatIsOverItsLimits()
    {
        using core::http::BodyDecoder;
        using core::http::BodyLimits;
        QByteArray plain;
        for (int i = 0; i < 20'000; ++i)
            plain += QByteArray::number(i * 7919, 16).rightJustified(40, '0') + " refs/heads/b"
                     + QByteArray::number(i) + "\n";
        const QByteArray gz = HostileHttpServer::gzipRepeated(plain, "x", 1, "");
        const auto decodeAll = [](BodyDecoder &d, const QByteArray &in, QByteArray *out) {
            char buf[1000];
            for (qsizetype at = 0; at < in.size(); at += 777) {
                d.push(in.constData() + at,
                       static_cast<size_t>(std::min<qsizetype>(777, in.size() - at)));
                while (!d.needsInput()) {
                    const qint64 n = d.produce(buf, sizeof buf);
                    if (n < 0)
                        return false;
                    out->append(buf, n);
                }
            }
            return d.finish();
        };
        {
            BodyDecoder d(BodyDecoder::Encoding::Gzip, BodyLimits::inMemory(), "test");
            QByteArray out;
            QVERIFY2(decodeAll(d, gz, &out), qPrintable(d.error()));
            QCOMPARE(out, plain + "x");
        }
        {
            BodyDecoder d(BodyDecoder::Encoding::Gzip, BodyLimits::inMemory(), "test");
            QByteArray out;
            QVERIFY(!decodeAll(d, gz.left(gz.size() - 20), &out));
            QVERIFY2(d.error().contains("ended in the middle"), qPrintable(d.error()));
        }
        {
            const QByteArray bomb = HostileHttpServer::gzipRepeated({}, QByteArray(1 << 20, 'z'),
                                                                    64, {});
            BodyDecoder d(BodyDecoder::Encoding::Gzip, BodyLimits::packStream(), "the pack");
            QByteArray out;
            QVERIFY(!decodeAll(d, bomb, &out));
            QVERIFY2(d.error().contains("expands more than"), qPrintable(d.error()));
            QVERIFY(out.size() < 8 * 1024 * 1024);
        }
        {
            // Identity bodies read in memory have the same total.
            BodyDecoder d(BodyDecoder::Encoding::Identity, BodyLimits::inMemory(),
                          "the ref advertisement");
            const QByteArray mib(1 << 20, 'r');
            char buf[1 << 16];
            bool refused = false;
            for (int i = 0; i < 200 && !refused; ++i) {
                d.push(mib.constData(), static_cast<size_t>(mib.size()));
                while (!d.needsInput() && !refused)
                    refused = d.produce(buf, sizeof buf) < 0;
            }
            QVERIFY(refused);
            QVERIFY2(d.error().contains("larger than 128 MiB"), qPrintable(d.error()));
        }
        QVERIFY(!BodyDecoder::encodingOf("br"));
        QCOMPARE(*BodyDecoder::encodingOf("GZIP"), BodyDecoder::Encoding::Gzip);
    }
};

QTEST_GUILESS_MAIN(TestHostileHttp)
#include "tst_hostile_http.moc"
