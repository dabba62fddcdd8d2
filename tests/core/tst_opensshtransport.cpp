// The pure parts of core/net/ssh/OpenSshTransport: the ssh command line and
// what OpenSSH's stderr means to the classifier. Remote URLs (parseSshUrl)
// are tst_remoteurl; the transport against a real sshd is
// tests/integration/tst_ssh.
#include "net/ssh/OpenSshTransport.h"
#include "retry/ErrorClassifier.h"
#include "util/RemoteUrl.h"

#include <QtTest>

using namespace repodeck;

class TestOpenSshTransport : public QObject
{
    Q_OBJECT

private slots:
    void commandLine_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("gitSshCommand");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("ssh, quoted path") << "git@h.test:it's.git" << QString()
                                          << QStringList{"ssh",
                                                         "-o",
                                                         "BatchMode=yes",
                                                         "-o",
                                                         "ConnectTimeout=5",
                                                         "--",
                                                         "git@h.test",
                                                         "git-upload-pack 'it'\\''s.git'"};
        QTest::newRow("ssh, port") << "ssh://h.test:2222/srv/r.git" << QString()
                                   << QStringList{"ssh",
                                                  "-o",
                                                  "BatchMode=yes",
                                                  "-o",
                                                  "ConnectTimeout=5",
                                                  "-p",
                                                  "2222",
                                                  "--",
                                                  "h.test",
                                                  "git-upload-pack '/srv/r.git'"};
        // GIT_SSH_COMMAND is a shell command line, as for git; the program it
        // names may not know "--", so none is passed.
        QTest::newRow("GIT_SSH_COMMAND")
            << "git@h.test:r.git"
            << "ssh -i key"
            << QStringList{
                   "/bin/sh", "-c",
                   "ssh -i key -o BatchMode=yes -o ConnectTimeout=5 'git@h.test' 'git-upload-pack '\\''r.git'\\'''"};
    }
    void commandLine()
    {
        QFETCH(QString, url);
        QFETCH(QString, gitSshCommand);
        QFETCH(QStringList, expected);
        const auto target = core::parseSshUrl(url);
        QVERIFY(target.valid);
        QCOMPARE(core::sshCommandLine(target, "git-upload-pack", 5, gitSshCommand), expected);
    }

    void stderrClassification_data()
    {
        QTest::addColumn<QString>("stderrText");
        QTest::addColumn<QString>("category");
        QTest::newRow("unknown host key")
            << "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed."
            << "host_key";
        QTest::newRow("changed host key")
            << "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed."
            << "host_key";
        QTest::newRow("no matching host key type")
            << "Unable to negotiate with 127.0.0.1 port 2222: no matching host key type found."
            << "host_key";
        QTest::newRow("wrong key") << "git@h: Permission denied (publickey)."
                                   << "auth";
        QTest::newRow("too many keys")
            << "Received disconnect from 127.0.0.1 port 22:2: Too many authentication failures"
            << "auth";
        QTest::newRow("refused") << "ssh: connect to host 127.0.0.1 port 1: Connection refused"
                                 << "network";
        QTest::newRow("reset") << "kex_exchange_identification: read: Connection reset by peer"
                               << "network";
        QTest::newRow("no route") << "ssh: connect to host 10.0.0.1 port 22: No route to host"
                                  << "network";
        QTest::newRow("connect timed out")
            << "ssh: connect to host 10.0.0.1 port 22: Connection timed out"
            << "network";
        QTest::newRow("dns") << "ssh: Could not resolve hostname nope.invalid: Name or service not known"
                             << "network";
        QTest::newRow("missing repo")
            << "fatal: '/srv/nope.git' does not appear to be a git repository"
            << "not_found";
        QTest::newRow("nothing on stderr") << ""
                                           << "network";
    }
    void stderrClassification()
    {
        QFETCH(QString, stderrText);
        QFETCH(QString, category);
        const auto f = core::classifySshStderr(stderrText, 255);
        core::FailureInput in;
        in.gitClass = f.gitClass;
        in.gitCode = f.gitCode;
        in.gitMessage = f.message;
        QCOMPARE(core::categoryName(core::classifyFailure(in).category), category);
        // The message quotes OpenSSH's last line, which says what happened.
        const QString last = stderrText.trimmed().section('\n', -1).trimmed();
        QVERIFY2(f.message.contains(last), qPrintable(f.message));
    }

    void unexplainedStderrIsQuotedWithTheExitCode()
    {
        const auto f = core::classifySshStderr("something odd\nand its last line\n", 7);
        QVERIFY2(f.message.contains("exit 7") && f.message.contains("and its last line"),
                 qPrintable(f.message));
    }
};

QTEST_GUILESS_MAIN(TestOpenSshTransport)
#include "tst_opensshtransport.moc"
