// TLS on the Qt Network HTTP(S) transport against real servers on
// 127.0.0.1: verification against a trusted CA, certificate errors that are
// not retried, libgit2's certificate_check callback, and pinned
// certificates, in the process and in the file the CLI reads.
#include "HttpTransportFixture.h"

#include "CliRunner.h"
#include "net/http/CertificatePins.h"

using namespace repodeck;
using namespace repodeck::test;

class TestHttpTls : public HttpTransportFixture
{
    Q_OBJECT

private slots:
    void initTestCase() { startServers(); }
    void cleanup() { resetServers(); }

    void selfSignedCertificateIsTlsAndNotRetried()
    {
        SyncHarness h;
        const QString path = target();
        const auto r = syncOnce(h, "self", m_selfSigned.url("small.git"), path, 4);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Tls);
        QVERIFY(!r.error.transient);
        QCOMPARE(r.attempts, 1);
        QCOMPARE(r.error.gitCode, int(GIT_ECERTIFICATE));
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(partialLeftovers(path).isEmpty());
        QCOMPARE(m_selfSigned.requestCount(), 0); // no request ever left the failed handshake
    }

    void trustedCaVerifies()
    {
        SyncHarness h;
        const QString path = target();
        const auto r = syncOnce(h, "tls", m_https.url("small.git"), path);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), serverHead("small.git"));
        // The name must match too: the certificate is not one for "localhost".
        m_https.setUrlHost(QStringLiteral("localhost"));
        SyncHarness other;
        const auto wrongName = syncOnce(other, "name", m_https.url("small.git"), target());
        QCOMPARE(wrongName.error.category, ErrorCategory::Tls);
    }

    void certificateCheckCallbackDecides_data()
    {
        QTest::addColumn<int>("answer");
        QTest::addColumn<int>("expectedRc");
        QTest::newRow("accepted") << 0 << 0;
        QTest::newRow("no opinion") << int(GIT_PASSTHROUGH) << int(GIT_ECERTIFICATE);
        QTest::newRow("rejected") << int(GIT_ECERTIFICATE) << int(GIT_ECERTIFICATE);
    }

    void certificateCheckCallbackDecides()
    {
        QFETCH(int, answer);
        QFETCH(int, expectedRc);
        Callbacks cb;
        cb.acceptCertificate = answer;
        const DirectResult r = directClone(m_selfSigned.url("small.git"), target(), &cb);
        QCOMPARE(r.rc, expectedRc);
        QCOMPARE(cb.certificateCalls, 1);
        QCOMPARE(QCryptographicHash::hash(cb.certificateDer, QCryptographicHash::Sha256),
                 sha256OfPem(m_pki.selfSignedPem));
        if (expectedRc != 0)
            QCOMPARE(r.error.category, ErrorCategory::Tls);
    }

    void pinnedCertificateIsAcceptedForItsHostOnly()
    {
        const QByteArray pin = sha256OfPem(m_pki.selfSignedPem);
        core::http::pinCertificate(QStringLiteral("localhost"), pin); // another host: no effect
        SyncHarness h;
        auto r = syncOnce(h, "pin", m_selfSigned.url("small.git"), target());
        QCOMPARE(r.error.category, ErrorCategory::Tls);
        // The failure carries exactly the certificate the server presented,
        // which is what the desktop app shows before pinning.
        QCOMPARE(QCryptographicHash::hash(r.error.peerCertificate, QCryptographicHash::Sha256),
                 pin);
        core::http::pinCertificate(QStringLiteral("127.0.0.1"), pin);
        SyncHarness h2;
        r = syncOnce(h2, "pin", m_selfSigned.url("small.git"), target());
        core::http::unpinCertificate(QStringLiteral("127.0.0.1"), pin);
        core::http::unpinCertificate(QStringLiteral("localhost"), pin);
        QCOMPARE(r.outcome, Outcome::Cloned);
    }

    // A pin saved beside the workspace (as the desktop app does after the
    // person confirmed the fingerprint) is honoured by repodeck-cli too:
    // tls first, success once pinned; a broken pins file is reported and
    // left alone.
    void pinnedCertificateFilePersistsForTheCli()
    {
        QTemporaryDir home;
        CliRunner cli(home.filePath("home"), home.filePath("ws/workspace.json"));
        QCOMPARE(cli.run({"add", "s", m_selfSigned.url("small.git"), home.filePath("w/s")}), 0);
        QByteArray out;
        QCOMPARE(cli.run({"sync", "s", "--json"}, &out), 1);
        QCOMPARE(CliRunner::repoDone(out, "s").value("category").toString(), QString("tls"));
        QVERIFY(!QFileInfo::exists(home.filePath("w/s")));
        const QString pins = core::http::pinnedCertificatesPath(cli.workspace());
        QCOMPARE(pins, home.filePath("ws/trusted-certificates.json"));
        const QByteArray pin = sha256OfPem(m_pki.selfSignedPem);
        QCOMPARE(core::http::savePinnedCertificate(pins, "127.0.0.1", pin, "CN=self-signed test"),
                 QString());
        core::http::unpinCertificate("127.0.0.1", pin); // this process: only the file counts
        QCOMPARE(cli.run({"sync", "s", "--json"}, &out), 0);
        QCOMPARE(CliRunner::repoDone(out, "s").value("outcome").toString(), QString("cloned"));

        QFile broken(pins);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{ not json");
        broken.close();
        QByteArray err;
        QCOMPARE(cli.run({"sync", "s", "--json"}, &out, &err), 1); // no pin: tls again
        QVERIFY2(err.contains("trusted-certificates.json") && err.contains("left as it is"),
                 err.constData());
        QCOMPARE(core::http::savePinnedCertificate(pins, "127.0.0.1", pin, "x").isEmpty(), false);
        QVERIFY(broken.open(QIODevice::ReadOnly));
        QCOMPARE(broken.readAll(), QByteArray("{ not json"));
    }
};

QTEST_GUILESS_MAIN(TestHttpTls)
#include "tst_http_tls.moc"
