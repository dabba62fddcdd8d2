// ImportDialog lists what a background scan found, with problems, before
// anything is added; RemoveDialog keeps files unless asked twice.
#include "UiTestUtil.h"
#include "dialogs/ImportDialog.h"
#include "dialogs/RemoveDialog.h"

#include <QCheckBox>
#include <QLabel>
#include <QTreeWidget>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;
using namespace repodeck::test;

class TestImportDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QDir root(m_dir.path());
        QVERIFY(makeClone(root.filePath(QStringLiteral("team/app")),
                          QStringLiteral("https://example.test/app.git")));
        QVERIFY(makeClone(root.filePath(QStringLiteral("team/lib")),
                          QStringLiteral("git@example.test:lib.git")));
        QVERIFY(makeClone(root.filePath(QStringLiteral("known")),
                          QStringLiteral("https://example.test/known.git")));
        root.mkpath(QStringLiteral("orphan"));
        QCOMPARE(git({QStringLiteral("init"), QStringLiteral("-q")},
                     root.filePath(QStringLiteral("orphan"))),
                 0);
        root.mkpath(QStringLiteral("notes/sub"));
        QCOMPARE(git({QStringLiteral("init"), QStringLiteral("-q"), QStringLiteral("--bare"),
                      QStringLiteral("mirror.git")},
                     m_dir.path()),
                 0);
    }

    void listsWhatWasFoundBeforeAdding()
    {
        core::Workspace ws;
        core::RepoSpec known;
        known.name = QStringLiteral("known");
        known.url = QStringLiteral("https://example.test/known.git");
        known.path = QDir(m_dir.path()).filePath(QStringLiteral("known"));
        QCOMPARE(ws.addRepository(known), QString());

        ImportDialog dialog(m_dir.path(), ws);
        QSignalSpy scanned(&dialog, &ImportDialog::scanFinished);
        QVERIFY(dialog.isScanning() || scanned.count() == 1);
        QVERIFY(scanned.wait(10'000));
        QCOMPARE(scanned.first().first().toInt(), 5);

        QHash<QString, QString> problems;
        for (const core::FoundRepository &f : dialog.found())
            problems.insert(f.spec.name, f.problem);
        QCOMPARE(problems.value(QStringLiteral("team/app")), QString());
        QCOMPARE(problems.value(QStringLiteral("team/lib")), QString());
        QVERIFY(
            problems.value(QStringLiteral("known")).contains(QStringLiteral("already in RepoDeck")));
        QVERIFY(problems.value(QStringLiteral("orphan"))
                    .contains(QStringLiteral("no remote named origin")));
        QVERIFY(problems.contains(QStringLiteral("mirror")));

        auto *list = dialog.findChild<QTreeWidget *>(QStringLiteral("importList"));
        QCOMPARE(list->topLevelItemCount(), 5);

        QStringList selected;
        for (const core::RepoSpec &s : dialog.selectedSpecs())
            selected << s.name;
        QCOMPARE(selected, (QStringList{QStringLiteral("team/app"), QStringLiteral("team/lib")}));

        dialog.setChecked(QStringLiteral("team/lib"), false);
        dialog.setChecked(QStringLiteral("orphan"), true); // has a problem: stays out
        const QList<core::RepoSpec> specs = dialog.selectedSpecs();
        QCOMPARE(specs.size(), 1);
        QCOMPARE(specs.first().url, QStringLiteral("https://example.test/app.git"));
        QCOMPARE(specs.first().policy, QStringLiteral("default"));
    }

    void emptyFolderSaysSo()
    {
        QTemporaryDir empty;
        ImportDialog dialog(empty.path(), core::Workspace());
        QSignalSpy scanned(&dialog, &ImportDialog::scanFinished);
        QVERIFY(scanned.wait(10'000));
        QCOMPARE(scanned.first().first().toInt(), 0);
        QVERIFY(dialog.selectedSpecs().isEmpty());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("importSummary"))
                    ->text()
                    .contains(QStringLiteral("No git repositories")));
    }

    void removeKeepsFilesByDefault()
    {
        core::RepoSpec s;
        s.name = QStringLiteral("app");
        s.path = QStringLiteral("/tmp/somewhere/app");
        RemoveDialog dialog({s});
        QVERIFY(!dialog.deleteFiles());
        QVERIFY(!dialog.deleteCheckBox()->isChecked());
        int asked = 0;
        dialog.setConfirmDeletion([&asked](const QStringList &) {
            ++asked;
            return false;
        });
        dialog.show();
        dialog.accept();
        QCOMPARE(asked, 0);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    void deletingAsksASecondTime()
    {
        core::RepoSpec s;
        s.name = QStringLiteral("app");
        s.path = QStringLiteral("/tmp/somewhere/app");
        RemoveDialog dialog({s});
        QStringList askedFor;
        bool answer = false;
        dialog.setConfirmDeletion([&](const QStringList &paths) {
            askedFor = paths;
            return answer;
        });
        dialog.show();
        dialog.deleteCheckBox()->setChecked(true);
        dialog.accept();
        QCOMPARE(askedFor, QStringList{QDir::toNativeSeparators(s.path)});
        QVERIFY(dialog.isVisible()); // "no" keeps the dialog open
        answer = true;
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(dialog.deleteFiles());
    }
};

QTEST_MAIN(TestImportDialog)
#include "tst_importdialog.moc"
