// AddRepositoryDialog: URL validation with RemoteUrl's text shown inline,
// name checks, and the background destination check (missing, empty, same
// repository: fine; non-empty, other repository, file: errors).
#include "UiTestUtil.h"
#include "dialogs/AddRepositoryDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;
using namespace repodeck::test;
using Kind = DestinationVerdict::Kind;

class TestAddDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    core::Workspace m_ws;

    static QLineEdit *edit(AddRepositoryDialog &d, const char *name)
    {
        return d.findChild<QLineEdit *>(QLatin1String(name));
    }
    static QPushButton *ok(AddRepositoryDialog &d)
    {
        return d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    }
    // Waits for the background folder check of the current input.
    static bool settled(AddRepositoryDialog &d)
    {
        return !d.destinationMessage().isEmpty()
               && d.destinationMessage() != QStringLiteral("Checking the folder…");
    }

private slots:
    void initTestCase()
    {
        core::RepoSpec existing;
        existing.name = QStringLiteral("taken");
        existing.url = QStringLiteral("https://example.test/taken.git");
        existing.path = m_dir.filePath(QStringLiteral("taken"));
        QCOMPARE(m_ws.addRepository(existing), QString());
    }

    void urlValidation_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("message"); // a part of the expected error
        QTest::newRow("https") << "https://example.test/group/tool.git" << true << QString();
        QTest::newRow("http") << "http://example.test/tool.git" << true << QString();
        QTest::newRow("git") << "git://example.test/tool.git" << true << QString();
        QTest::newRow("ssh") << "ssh://git@example.test/tool.git" << true << QString();
        QTest::newRow("scp") << "git@example.test:team/tool.git" << true << QString();
        QTest::newRow("file url") << "file:///srv/git/tool.git" << true << QString();
        QTest::newRow("path") << "/srv/git/tool.git" << true << QString();
        QTest::newRow("scheme") << "ftp://example.test/tool.git" << false << "not supported";
        QTest::newRow("no host") << "https:///tool.git" << false << "";
        QTest::newRow("relative") << "example.test/tool" << false
                                  << "neither a URL nor an absolute path";
        QTest::newRow("ssh password")
            << "ssh://me:hunter2@example.test/tool.git" << false << "password";
    }

    void urlValidation()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        QFETCH(QString, message);
        AddRepositoryDialog d(m_ws, m_dir.path());
        typeInto(edit(d, "urlEdit"), url);
        if (valid) {
            QCOMPARE(d.urlMessage(), QString());
            QCOMPARE(edit(d, "nameEdit")->text(), QStringLiteral("tool"));
            QCOMPARE(edit(d, "pathEdit")->text(),
                     QDir(m_dir.path()).filePath(QStringLiteral("tool")));
            QTRY_VERIFY_WITH_TIMEOUT(d.isAcceptable(), 5000);
            QVERIFY(ok(d)->isEnabled());
        } else {
            QVERIFY2(!d.urlMessage().isEmpty(), qPrintable(url));
            QVERIFY2(d.urlMessage().contains(message), qPrintable(d.urlMessage()));
            QVERIFY(d.findChild<QLabel *>(QStringLiteral("urlMessage"))->isVisibleTo(&d));
            QTRY_VERIFY_WITH_TIMEOUT(settled(d), 5000);
            QVERIFY(!ok(d)->isEnabled());
        }
    }

    // An https URL with user:token@ is accepted: the token is headed for the
    // keychain (RepoCommands moves it), which the dialog says up front.
    void httpsPasswordIsAcceptedAndHeadsForTheKeychain()
    {
        AddRepositoryDialog d(m_ws, m_dir.path());
        typeInto(edit(d, "urlEdit"), QStringLiteral("https://me:hunter2@example.test/tool.git"));
        QVERIFY2(d.urlMessage().contains(QStringLiteral("keychain")), qPrintable(d.urlMessage()));
        QTRY_VERIFY_WITH_TIMEOUT(d.isAcceptable(), 5000);
        QVERIFY(ok(d)->isEnabled());
    }

    void nameValidation()
    {
        AddRepositoryDialog d(m_ws, m_dir.path());
        typeInto(edit(d, "urlEdit"), QStringLiteral("https://example.test/x.git"));
        typeInto(edit(d, "nameEdit"), QStringLiteral("taken"));
        QVERIFY(d.nameMessage().contains(QStringLiteral("already exists")));
        typeInto(edit(d, "nameEdit"), QStringLiteral("bad name"));
        QVERIFY(d.nameMessage().contains(QStringLiteral("not usable")));
        QTRY_VERIFY_WITH_TIMEOUT(settled(d), 5000);
        QVERIFY(!ok(d)->isEnabled());
        typeInto(edit(d, "nameEdit"), QStringLiteral("fresh"));
        QCOMPARE(d.nameMessage(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(d.isAcceptable(), 5000);
        const core::RepoSpec spec = d.spec();
        QCOMPARE(spec.name, QStringLiteral("fresh"));
        QCOMPARE(spec.url, QStringLiteral("https://example.test/x.git"));
        QCOMPARE(spec.path, QDir(m_dir.path()).filePath(QStringLiteral("fresh")));
        QCOMPARE(spec.policy, QStringLiteral("default"));
    }

    void destination_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("acceptable");
        QTest::newRow("missing") << "missing/deeper" << int(Kind::Missing) << true;
        QTest::newRow("empty") << "empty" << int(Kind::Empty) << true;
        QTest::newRow("same repository") << "same" << int(Kind::SameRepository) << true;
        QTest::newRow("other repository") << "other" << int(Kind::OtherRepository) << false;
        QTest::newRow("not empty") << "full" << int(Kind::NotEmpty) << false;
        QTest::newRow("a file") << "file.txt" << int(Kind::NotAFolder) << false;
        QTest::newRow("used by another") << "taken" << -1 << false;
    }

    void destination()
    {
        QFETCH(QString, folder);
        QFETCH(int, kind);
        QFETCH(bool, acceptable);
        const QString url = QStringLiteral("https://example.test/team/app.git");
        QDir root(m_dir.path());
        root.mkpath(QStringLiteral("empty"));
        root.mkpath(QStringLiteral("full/src"));
        QFile file(root.filePath(QStringLiteral("file.txt")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        if (!QFileInfo::exists(root.filePath(QStringLiteral("same")))) {
            QVERIFY(makeClone(root.filePath(QStringLiteral("same")), url));
            QVERIFY(makeClone(root.filePath(QStringLiteral("other")),
                              QStringLiteral("https://example.test/else.git")));
        }

        AddRepositoryDialog d(m_ws, m_dir.path());
        typeInto(edit(d, "urlEdit"), url);
        typeInto(edit(d, "pathEdit"), root.filePath(folder));
        if (kind < 0) {
            QVERIFY(d.destinationMessage().contains(QStringLiteral("already syncs into")));
        } else {
            QTRY_VERIFY_WITH_TIMEOUT(settled(d), 5000);
            QCOMPARE(int(d.destinationKind()), kind);
        }
        QCOMPARE(d.isAcceptable(), acceptable);
        QCOMPARE(ok(d)->isEnabled(), acceptable);
        QVERIFY(!d.destinationMessage().isEmpty());
    }

    void validatedSignalFollowsTheBackgroundCheck()
    {
        AddRepositoryDialog d(m_ws, m_dir.path());
        QSignalSpy validated(&d, &AddRepositoryDialog::validated);
        typeInto(edit(d, "urlEdit"), QStringLiteral("git://example.test/sig.git"));
        QTRY_VERIFY_WITH_TIMEOUT(!validated.isEmpty() && validated.last().at(0).toBool(), 5000);
    }
};

QTEST_MAIN(TestAddDialog)
#include "tst_adddialog.moc"
