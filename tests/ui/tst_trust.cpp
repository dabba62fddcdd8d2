// The desktop app's sign-in and trust questions, end to end: real servers
// (smart HTTP with Basic auth, HTTPS with a self-signed certificate, sshd with
// a host key nobody knows yet), the real main window, the real dialogs, and a
// private Secret Service keychain (the test runs under with-keyring.sh).
#include "CliRunner.h"
#include "GitRepoFactory.h"
#include "HttpGitServer.h"
#include "SshServer.h"
#include "TestEnvironment.h"
#include "TestPki.h"
#include "UiTestUtil.h"
#include "auth/Keychain.h"
#include "auth/SessionCredentials.h"
#include "dialogs/TrustDialogs.h"
#include "net/NetworkSetup.h"
#include "model/RepoTableModel.h"
#include "model/SyncTracker.h"
#include "net/http/CertificatePins.h"
#include "net/ssh/HostKeyTrust.h"
#include "io/WorkspaceController.h"
#include "shell/MainActions.h"
#include "shell/RepoCommands.h"
#include "shell/MainWindow.h"
#include "shell/TrustCenter.h"
#include "sync/Scheduler.h"
#include "views/AttentionBar.h"
#include "workspace/WorkspaceEditor.h"

#include <QAction>
#include <QCheckBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;
using namespace repodeck::test;

namespace {
const QByteArray kSecret = "gui-signin-SECRET-5e1";
}

class TestTrust : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_served;
    HttpGitServer m_http;
    HttpGitServer m_selfSigned;
    TestPki m_pki;
    SshServer m_sshd;

    QString workspaceWith(const QString &file, const QList<QPair<QString, QString>> &repos)
    {
        const QString ws = m_dir.filePath(file);
        const QString e = core::editWorkspace(ws, [&](core::Workspace &w) {
            core::RetryPolicy p;
            p.name = QStringLiteral("default");
            p.maxAttempts = 3;
            p.initialDelay = core::Millis(20);
            p.maxDelay = core::Millis(50);
            w.setPolicy(p);
            for (const auto &r : repos) {
                if (QString err = w.addRepository({r.first,
                                                   r.second,
                                                   m_dir.filePath("work/" + r.first),
                                                   core::RepoMode::WorkingCopy,
                                                   {},
                                                   "default",
                                                   {},
                                                   {},
                                                   {}});
                    !err.isEmpty())
                    return err;
            }
            return QString();
        });
        return e.isEmpty() ? ws : QString();
    }

    static QString outcomeOf(MainWindow &w, const QString &name)
    {
        return w.tracker()->status(name).last.lastOutcome == core::Outcome::Cloned
                   ? QStringLiteral("cloned")
                   : QString();
    }

    // Shows the window, syncs everything and waits (bounded) for the first
    // request a person has to answer.
    static bool syncUntilRequest(MainWindow &w, int rows, TrustRequest *out)
    {
        w.show();
        if (!QTest::qWaitFor([&] { return w.model()->rowCount() == rows; }, 5000))
            return false;
        w.actions()->syncAll->trigger();
        if (!QTest::qWaitFor([&] { return !w.trust()->requests().isEmpty(); }, 30'000))
            return false;
        *out = w.trust()->requests().first();
        return true;
    }

private slots:
    void initTestCase()
    {
        REPODECK_REQUIRE_TOOL("dbus-run-session", "package dbus; ./dev.sh installs it");
        REPODECK_REQUIRE_TOOL("gnome-keyring-daemon",
                              "package gnome-keyring; ./dev.sh installs it");
        // Set by with-keyring.sh when it could not start the private keyring.
        REPODECK_REQUIRE(!qEnvironmentVariableIsSet("REPODECK_TEST_NO_KEYRING"),
                         QStringLiteral("the private keyring of with-keyring.sh is needed"));
        // No helper of the developer's git config may answer for the test.
        QVERIFY(isolateProcessEnvironment(m_dir.filePath("home")));
        qputenv("REPODECK_LOG_DIR", m_dir.filePath("logs").toUtf8());
        qputenv("REPODECK_KEYCHAIN_SERVICE",
                "RepoDeck-uitest-" + QByteArray::number(QCoreApplication::applicationPid()));
        QCOMPARE(core::initializeNetwork(), QString());
        isolateSettings(QStringLiteral("tst_trust"));
        m_served = m_dir.filePath("served");
        QVERIFY(!GitRepoFactory::createBareRepo(m_served, "a.git", 2).isEmpty());
        QVERIFY(!GitRepoFactory::createBareRepo(m_served, "b.git", 2).isEmpty());
        QVERIFY(!GitRepoFactory::createBareRepo(m_served, "c.git", 2).isEmpty());
        QVERIFY(m_http.start(m_served));
        m_http.requireBasicAuth("alice", QString::fromUtf8(kSecret));
        QString error;
        QVERIFY2(m_pki.create(m_dir.filePath("pki"), {"127.0.0.1"}, &error), qPrintable(error));
        m_selfSigned.setTls(m_pki.selfSignedPem, m_pki.selfSignedKeyPem);
        QVERIFY(m_selfSigned.start(m_served));
    }

    // A sign-in lasts for the process (SessionCredentials): every function
    // starts signed out, so only the keychain or its own answer signs in.
    void init()
    {
        core::SessionCredentials::instance()->clear();
        QSettings().clear();
    }

    // Whatever a function did with the secret (typed it, put it in a URL),
    // no file under the test's folder holds it afterwards: workspace, state
    // file, logs, clones.
    void cleanup()
    {
        qunsetenv("GIT_SSH_COMMAND"); // the host-key function's, even when it failed half-way
        const QStringList leaks = filesContaining(m_dir.path(), kSecret);
        QVERIFY2(leaks.isEmpty(), qPrintable(leaks.join('\n')));
    }

    void oneSignInPerHostThenEveryWaitingRepositoryRetries()
    {
        const QString ws = workspaceWith("signin.json", {{"a", m_http.url("a.git")},
                                                         {"b", m_http.url("b.git")},
                                                         {"c", m_http.url("c.git")}});
        QVERIFY(!ws.isEmpty());
        MainWindow w(ws);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        QVERIFY(w.attentionBar()->isHidden());
        w.actions()->syncAll->trigger();
        // Three repositories fail with auth: one request for the host.
        QTRY_VERIFY_WITH_TIMEOUT(!w.trust()->requests().isEmpty()
                                     && w.trust()->requests().first().repositories.size() == 3,
                                 30'000);
        QCOMPARE(w.trust()->requests().size(), 1);
        const TrustRequest r = w.trust()->requests().first();
        QCOMPARE(r.kind, TrustRequest::SignIn);
        QCOMPARE(r.host, QString("127.0.0.1:%1").arg(m_http.port()));
        QVERIFY(w.attentionBar()->isVisible());
        QCOMPARE(w.attentionBar()->findChildren<QPushButton *>("attentionAction").size(), 1);

        w.attentionBar()->open(r.id());
        auto *dialog = qobject_cast<SignInDialog *>(w.attentionBar()->openDialog());
        QVERIFY(dialog);
        QVERIFY(dialog->findChild<QWidget *>("plainHttpWarning")); // http, not https: said so
        QVERIFY(!dialog->signInButton()->isEnabled());
        typeInto(dialog->userEdit(), "alice");
        typeInto(dialog->secretEdit(), QString::fromUtf8(kSecret));
        QCOMPARE(dialog->secretEdit()->echoMode(), QLineEdit::Password);
        QVERIFY(dialog->signInButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->rememberCheck()->isEnabled(),
                                 10'000); // the keychain answered
        QVERIFY(dialog->rememberCheck()->isChecked());
        QSignalSpy stored(w.trust(), &TrustCenter::keychainStored);
        dialog->signInButton()->click();

        // Answered once: every waiting repository syncs again and clones.
        for (const QString &name : {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")})
            QTRY_COMPARE_WITH_TIMEOUT(outcomeOf(w, name), QString("cloned"), 30'000);
        QVERIFY(w.trust()->requests().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(w.attentionBar()->isHidden(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 15'000);
        QCOMPARE(stored.first().at(1).toString(), QString());
        const core::KeychainResult kept = core::Keychain::read(
            core::KeychainCredentials::hostKey("http", r.host));
        QVERIFY(kept.ok());
        QVERIFY(kept.data.contains(kSecret));
        core::Keychain::remove(core::KeychainCredentials::hostKey("http", r.host));
        core::Keychain::remove(core::KeychainCredentials::accountKey("http", r.host, "alice"));
    }

    // A repository that failed for want of a sign-in in the last session is
    // offered a sign-in when the window opens, before anything syncs.
    void pastFailureIsOfferedAtStart()
    {
        const QString ws = workspaceWith("past.json", {{"p", m_http.url("a.git")}});
        QVERIFY(!ws.isEmpty());
        {
            MainWindow first(ws);
            TrustRequest r;
            QVERIFY(syncUntilRequest(first, 1, &r));
            QCOMPARE(r.kind, TrustRequest::SignIn);
        } // the failure is saved in the state file
        MainWindow w(ws);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(w.trust()->requests().size(), 1, 5000);
        QCOMPARE(w.trust()->requests().first().kind, TrustRequest::SignIn);
        QCOMPARE(w.trust()->requests().first().repositories, QStringList{"p"});
        QVERIFY(w.scheduler()->isIdle()); // offered, not synced
    }

    void certificateIsShownAndPinnedOnlyOnConfirmation()
    {
        const QString ws = workspaceWith("tls.json", {{"t", m_selfSigned.url("a.git")}});
        QVERIFY(!ws.isEmpty());
        MainWindow w(ws);
        TrustRequest r;
        QVERIFY(syncUntilRequest(w, 1, &r));
        QCOMPARE(w.trust()->requests().size(), 1);
        QCOMPARE(r.kind, TrustRequest::Certificate);
        QVERIFY(!QFileInfo::exists(m_dir.filePath("work/t"))); // no partial clone left

        w.attentionBar()->open(r.id());
        auto *dialog = qobject_cast<CertificateDialog *>(w.attentionBar()->openDialog());
        QVERIFY(dialog);
        const QByteArray der = QSslCertificate(m_pki.selfSignedPem, QSsl::Pem).toDer();
        const QString print = CertificateDialog::fingerprint(der);
        QCOMPARE(print.size(), 32 * 3 - 1);
        QVERIFY(dialog->detailsText().contains(print.left(47))
                && dialog->detailsText().contains(print.mid(48)));
        QVERIFY(!dialog->trustButton()->isEnabled());
        QVERIFY(!QFileInfo::exists(w.trust()->pinsPath()));
        dialog->confirmCheck()->setChecked(true);
        QVERIFY(dialog->trustButton()->isEnabled());
        dialog->trustButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(outcomeOf(w, "t"), QString("cloned"), 30'000);
        QVERIFY(QFileInfo::exists(w.trust()->pinsPath()));
        core::http::unpinCertificate("127.0.0.1",
                                     QCryptographicHash::hash(der, QCryptographicHash::Sha256));
    }

    void hostKeyIsScannedAndWrittenOnlyOnConfirmation()
    {
        REPODECK_REQUIRE_TOOL("sshd", "package openssh-server");
        REPODECK_REQUIRE_TOOL("ssh-keyscan", "package openssh-client");
        REPODECK_REQUIRE(m_sshd.start(), "sshd is needed: " + m_sshd.error());
        const QString bare = GitRepoFactory::createBareRepo(m_dir.filePath("ssh"), "s.git", 2);
        QVERIFY(!bare.isEmpty());
        const QString knownHosts = m_dir.filePath("ui_known_hosts");
        QString command = m_sshd.sshCommand(false);
        command.replace(QFileInfo(m_sshd.knownHostsPath()).absolutePath() + "/empty_known_hosts",
                        knownHosts);
        QVERIFY(command.contains(knownHosts));
        qputenv("GIT_SSH_COMMAND", command.toUtf8());
        const QString ws = workspaceWith("ssh.json", {{"s", m_sshd.url(bare)}});
        MainWindow w(ws);
        TrustRequest r;
        QVERIFY(syncUntilRequest(w, 1, &r));
        QCOMPARE(w.trust()->requests().size(), 1);
        QCOMPARE(r.kind, TrustRequest::HostKey);

        w.attentionBar()->open(r.id());
        auto *dialog = qobject_cast<HostKeyDialog *>(w.attentionBar()->openDialog());
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->isScanned(), 20'000);
        const QStringList hostKey = m_sshd.hostPublicKey().split(' ');
        QVERIFY2(dialog->detailsText().contains(core::sshFingerprint(hostKey.at(1).toLatin1())),
                 qPrintable(dialog->detailsText()));
        QVERIFY(!dialog->trustButton()->isEnabled());
        QVERIFY(!QFileInfo::exists(knownHosts));
        dialog->confirmCheck()->setChecked(true);
        dialog->trustButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(outcomeOf(w, "s"), QString("cloned"), 30'000);
        QFile f(knownHosts);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains(hostKey.at(1).toLatin1()));
    }

    // Add Repository with https://user:token@...: the token goes to the
    // keychain, the workspace keeps the URL without it, and the clone signs
    // in from the keychain.
    void addedTokenMovesToTheKeychain()
    {
        const QString ws = workspaceWith("add.json", {});
        MainWindow w(ws);
        w.show();
        QTRY_VERIFY_WITH_TIMEOUT(w.workspace()->isLoaded(), 5000);
        core::RepoSpec spec{"k",
                            m_http.urlWithCredentials("a.git", "alice", QString::fromUtf8(kSecret)),
                            m_dir.filePath("work/k"),
                            core::RepoMode::WorkingCopy,
                            {},
                            "default",
                            {},
                            {},
                            {}};
        w.commands()->addRepositories({spec});
        QTRY_COMPARE_WITH_TIMEOUT(outcomeOf(w, "k"), QString("cloned"), 30'000);
        QCOMPARE(w.workspace()->workspace().repository("k")->url,
                 QString("http://alice@127.0.0.1:%1/a.git").arg(m_http.port()));
        const QString host = QString("127.0.0.1:%1").arg(m_http.port());
        QVERIFY(core::Keychain::read(core::KeychainCredentials::accountKey("http", host, "alice"))
                    .data.contains(kSecret));
        core::Keychain::remove(core::KeychainCredentials::accountKey("http", host, "alice"));
    }
};

QTEST_MAIN(TestTrust)
#include "tst_trust.moc"
