// The real main window offscreen: the workspace is read in the background,
// edits by repodeck-cli are picked up, adding syncs, removing keeps files,
// filters and search reach the proxy, columns and window state are
// remembered, drops open the import dialog, actions carry their shortcuts.
#include "UiTestUtil.h"
#include "dialogs/ImportDialog.h"
#include "net/NetworkSetup.h"
#include "dialogs/RemoveDialog.h"
#include "io/WorkspaceController.h"
#include "model/RepoFilterProxy.h"
#include "model/RepoTableModel.h"
#include "model/SyncTracker.h"
#include "shell/MainActions.h"
#include "shell/MainWindow.h"
#include "shell/RepoCommands.h"
#include "shell/TrayController.h"
#include "shell/VersionInfo.h"
#include "sync/Scheduler.h"
#include "views/DetailsPane.h"
#include "model/TimelineModel.h"
#include "state/RepoStateStore.h"
#include "views/ProgressDelegate.h"
#include "workspace/WorkspaceEditor.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QHeaderView>
#include <QScrollBar>
#include <QLabel>
#include <QMimeData>
#include <QSystemTrayIcon>
#include <QTreeView>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;
using namespace repodeck::test;

class TestMainWindow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_ws; // a fresh copy of m_base for each test function
    QByteArray m_base;
    QString m_origin; // a local bare repository with one commit

    QString stateOf(MainWindow &w, const QString &name)
    {
        RepoTableModel *m = w.model();
        return m->index(m->rowOf(name), RepoTableModel::State).data().toString();
    }

    static QByteArray read(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    int cli(const QStringList &args)
    {
        const QString binary = qEnvironmentVariable("REPODECK_CLI");
        if (binary.isEmpty())
            return -2;
        QProcess p;
        p.start(binary, QStringList{QStringLiteral("--workspace"), m_ws} + args);
        if (!p.waitForFinished(30'000))
            return -1;
        return p.exitCode();
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        isolateSettings(QStringLiteral("tst_mainwindow"));
        qputenv("REPODECK_LOG_DIR", m_dir.filePath(QStringLiteral("logs")).toUtf8());
        m_origin = m_dir.filePath(QStringLiteral("origin.git"));
        QCOMPARE(git({QStringLiteral("init"), QStringLiteral("-q"), QStringLiteral("--bare"),
                      m_origin},
                     m_dir.path()),
                 0);
        const QString seed = m_dir.filePath(QStringLiteral("seed"));
        QVERIFY(makeClone(seed, m_origin));
        QCOMPARE(git({QStringLiteral("commit"), QStringLiteral("-q"),
                      QStringLiteral("--allow-empty"), QStringLiteral("-m"),
                      QStringLiteral("first")},
                     seed),
                 0);
        QCOMPARE(git({QStringLiteral("push"), QStringLiteral("-q"), QStringLiteral("origin"),
                      QStringLiteral("HEAD:main")},
                     seed),
                 0);

        m_ws = m_dir.filePath(QStringLiteral("base/workspace.json"));
        const QString error = core::editWorkspace(m_ws, [this](core::Workspace &ws) {
            for (const char *n : {"alpha", "bravo", "charlie"}) {
                core::RepoSpec s;
                s.name = QString::fromLatin1(n);
                s.url = QStringLiteral("https://token@example.invalid/%1.git").arg(s.name);
                s.path = m_dir.filePath(QStringLiteral("base/work/") + s.name);
                if (const QString e = ws.addRepository(s); !e.isEmpty())
                    return e;
            }
            core::RetryPolicy fast;
            fast.name = QStringLiteral("fast");
            fast.maxAttempts = 2;
            fast.initialDelay = core::Millis(10);
            fast.maxDelay = core::Millis(10);
            ws.setPolicy(fast);
            return QString();
        });
        QCOMPARE(error, QString());
        m_base = read(m_ws);
    }

    void init()
    {
        // Each window saves its header, filter and geometry when it closes:
        // every function starts from the defaults instead of from what the
        // one before it left.
        QSettings().clear();
        m_ws = m_dir.filePath(
            QStringLiteral("%1/workspace.json").arg(QTest::currentTestFunction()));
        QDir().mkpath(QFileInfo(m_ws).absolutePath());
        QFile f(m_ws);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_base);
    }

    // Issue 16 item 3: the after_sync command's row survives a restart. The
    // state file is hostile input: a control character and an oversized
    // output come back stripped and cut.
    void afterSyncRowComesBackFromTheStateFile()
    {
        const QString statePath = core::RepoStateStore::pathFor(m_ws);
        const QByteArray huge(20'000, 'x');
        const QByteArray state = "{\"schema\":1,\"repositories\":{"
                                 "\"alpha\":{\"outcome\":\"updated\",\"last_attempt\":\"2026-12-01T09:00:00.000Z\","
                                 "\"timeline\":[{\"attempt\":1,\"max_attempts\":2,\"ok\":true,"
                                 "\"started\":\"2026-12-01T09:00:00.000Z\",\"duration_ms\":800}],"
                                 "\"after_sync\":{\"started\":\"2026-12-01T09:00:01.000Z\",\"duration_ms\":1500,"
                                 "\"exit_code\":3,\"ok\":false,\"error\":\"the after_sync command exited with code 3\","
                                 "\"output\":\"first\\n\\u001b]0;owned\\u0007title\\nlast-line-of-hook\"}},"
                                 "\"bravo\":{\"outcome\":\"updated\",\"after_sync\":{\"started\":\"2026-12-01T09:00:01.000Z\","
                                 "\"exit_code\":\"3\",\"timed_out\":true,\"output\":\"" + huge + "\"}},"
                                 "\"charlie\":{\"outcome\":\"updated\",\"after_sync\":[1,2]}}}";
        {
            QFile f(statePath);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(state);
        }
        MainWindow w(m_ws);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        w.selectRepository(QStringLiteral("alpha"));
        TimelineModel *t = w.details()->timelineModel();
        QTRY_COMPARE_WITH_TIMEOUT(t->rowCount(), 2, 5000);
        QCOMPARE(t->afterSyncRow(), 1);
        QCOMPARE(t->index(1, TimelineModel::Attempt).data().toString(),
                 QStringLiteral("after_sync"));
        QCOMPARE(t->index(1, TimelineModel::Result).data().toString(),
                 QStringLiteral("exit code 3"));
        QCOMPARE(t->index(1, TimelineModel::Duration).data().toString(), QStringLiteral("1.5 s"));
        QCOMPARE(t->index(1, TimelineModel::Message).data().toString(),
                 QStringLiteral("last-line-of-hook"));
        const QString tip = t->index(1, TimelineModel::Message).data(Qt::ToolTipRole).toString();
        QVERIFY(tip.startsWith(QStringLiteral("first\n")));
        QVERIFY(!tip.contains(QChar(0x1b)) && !tip.contains(QChar(0x07)));

        // Wrong types give defaults; the output is cut to its bound.
        w.selectRepository(QStringLiteral("bravo"));
        QTRY_COMPARE_WITH_TIMEOUT(t->afterSyncRow(), 0, 5000);
        QCOMPARE(t->index(0, TimelineModel::Result).data().toString(), QStringLiteral("timed out"));
        QCOMPARE(t->afterSync().exitCode, -1);
        QVERIFY(t->afterSync().output.size() <= core::AfterSyncRecord::kMaxOutput);
        // Not an object: no row at all.
        w.selectRepository(QStringLiteral("charlie"));
        QTRY_COMPARE_WITH_TIMEOUT(w.details()->repository(), QStringLiteral("charlie"), 5000);
        QCOMPARE(t->afterSyncRow(), -1);
        QCOMPARE(t->rowCount(), 0);
    }

    void loadsTheWorkspaceInTheBackground()
    {
        MainWindow w(m_ws);
        QAbstractItemModelTester tester(w.proxy(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        w.show();
        QCOMPARE(w.model()->rowCount(), 0); // nothing read on the GUI thread
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        QCOMPARE(w.redactedUrl(QStringLiteral("alpha")),
                 QStringLiteral("https://example.invalid/alpha.git"));
        QCOMPARE(stateOf(w, QStringLiteral("alpha")), QStringLiteral("idle"));
        QVERIFY(w.table()->currentIndex().isValid());
        QCOMPARE(w.details()->repository(), w.selectedNames().value(0));
        QVERIFY(!w.findChild<QLabel *>(QStringLiteral("runningLabel"))->text().isEmpty());
        QVERIFY(!w.findChild<QLabel *>(QStringLiteral("failedLabel"))->text().isEmpty());
    }

    // Issue 15 item 7: at 1280x800 (and the default size) the columns a
    // user reads first are on screen, without scrolling sideways.
    void mainColumnsFitTheWindow_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("default") << QSize();
    }
    void mainColumnsFitTheWindow()
    {
        QFETCH(QSize, size);
        MainWindow w(m_ws);
        if (size.isValid())
            w.resize(size);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        QHeaderView *header = w.table()->header();
        const int viewport = w.table()->viewport()->width();
        for (int c : {RepoTableModel::Name, RepoTableModel::State, RepoTableModel::Progress,
                      RepoTableModel::LastSuccess, RepoTableModel::NextSync}) {
            const int left = header->sectionViewportPosition(c);
            const int right = left + header->sectionSize(c);
            QVERIFY2(left >= 0 && right <= viewport,
                     qPrintable(QStringLiteral("column %1 spans %2..%3 of %4 px")
                                    .arg(c)
                                    .arg(left)
                                    .arg(right)
                                    .arg(viewport)));
        }
        QVERIFY(header->sectionSize(RepoTableModel::Url) >= 60);
        QVERIFY(!w.table()->horizontalScrollBar()->isVisible());
    }

    void progressLabelIsOneElidedLine()
    {
        const QFontMetrics fm(QApplication::font());
        const QString full = QStringLiteral("45,770 / 154,603 objects · 18 MiB · 1.9 MiB/s");
        const int width = fm.horizontalAdvance(full) / 2;
        const QString shown = ProgressDelegate::shownText(full, fm, width);
        QVERIFY(fm.horizontalAdvance(shown) <= width);
        QVERIFY(shown.endsWith(QChar(0x2026)));
        QVERIFY(!ProgressDelegate::shownText("a\nb", fm, 500).contains('\n'));
        QCOMPARE(ProgressDelegate::shownText(full, fm, fm.horizontalAdvance(full) + 4), full);
    }

    void actionsHaveShortcutsAndNames()
    {
        MainWindow w(m_ws);
        MainActions *a = w.actions();
        QCOMPARE(a->add->shortcut(), QKeySequence(QKeySequence::New));
        QCOMPARE(a->syncSelected->shortcut(), QKeySequence(Qt::Key_F5));
        QCOMPARE(a->syncAll->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5));
        for (QAction *action :
             {a->add, a->importFolder, a->syncSelected, a->syncAll, a->cancelSelected, a->cancelAll,
              a->pauseAll, a->openFolder, a->copyUrl, a->remove, a->policies}) {
            QVERIFY2(!action->icon().isNull(), qPrintable(action->objectName()));
            QVERIFY2(!action->shortcut().isEmpty(), qPrintable(action->objectName()));
            QVERIFY(w.findChild<QAction *>(action->objectName()) == action);
        }
        for (const char *name : {"repoTable", "filterCombo", "searchEdit"})
            QVERIFY(!w.findChild<QWidget *>(QLatin1String(name))->accessibleName().isEmpty());
        QVERIFY(!w.details()->accessibleName().isEmpty());
        QCOMPARE(w.table()->focusPolicy() & Qt::TabFocus, Qt::TabFocus);
    }

    void pauseResume()
    {
        MainWindow w(m_ws);
        w.actions()->pauseAll->trigger();
        QVERIFY(w.scheduler()->isPaused());
        QVERIFY(w.findChild<QLabel *>(QStringLiteral("pausedLabel"))->isVisibleTo(&w));
        QCOMPARE(w.actions()->pauseAll->text(), QStringLiteral("&Resume All"));
        w.actions()->pauseAll->trigger();
        QVERIFY(!w.scheduler()->isPaused());
    }

    void picksUpCliEdits()
    {
        MainWindow w(m_ws);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        const QString path = m_dir.filePath(QStringLiteral("work/delta"));
        const int rc = cli({QStringLiteral("add"), QStringLiteral("delta"),
                            QStringLiteral("https://example.invalid/delta.git"), path});
        if (rc == -2) {
            // Without the CLI binary, edit the file the way it does (locked, atomic rename).
            QCOMPARE(core::editWorkspace(
                         m_ws,
                         [path](core::Workspace &ws) {
                core::RepoSpec s{QStringLiteral("delta"),
                                 QStringLiteral("https://example.invalid/delta.git"),
                                 path,
                                 core::RepoMode::WorkingCopy,
                                 {},
                                 QStringLiteral("default"),
                                 {},
                                 {},
                                 {}};
                return ws.addRepository(s);
                         }),
                     QString());
        } else {
            QCOMPARE(rc, 0);
        }
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 4, 5000);
        // And a second external edit after the first rename replaced the file.
        QCOMPARE(core::editWorkspace(
                     m_ws,
                     [](core::Workspace &ws) {
            ws.removeRepository(QStringLiteral("delta"));
            return QString();
                     }),
                 QString());
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
    }

    void addSyncsAndRemoveKeepsFiles()
    {
        MainWindow w(m_ws);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        core::RepoSpec s;
        s.name = QStringLiteral("local");
        s.url = m_origin;
        s.path = m_dir.filePath(QStringLiteral("work/local"));
        QSignalSpy edited(w.workspace(), &WorkspaceController::editFinished);
        w.commands()->addRepositories({s});
        QVERIFY(edited.wait(10'000));
        QCOMPARE(edited.first().at(1).toString(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 4, 5000);
        // Added repositories are synced at once.
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(w, QStringLiteral("local")), QStringLiteral("cloned"),
                                  30'000);
        QVERIFY(QFileInfo::exists(s.path + QStringLiteral("/.git")));
        QVERIFY(w.tracker()->status(QStringLiteral("local")).last.lastSuccess.isValid());

        // Assign a policy to it.
        w.commands()->assignPolicy(QStringLiteral("fast"), {QStringLiteral("local")});
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->spec(QStringLiteral("local"))->policy,
                                  QStringLiteral("fast"), 5000);

        // Remove asks, with "also delete" off by default.
        w.selectRepository(QStringLiteral("local"));
        QCOMPARE(w.selectedNames(), QStringList{QStringLiteral("local")});
        w.actions()->remove->trigger();
        auto *dialog = w.findChild<RemoveDialog *>();
        QVERIFY(dialog);
        QVERIFY(!dialog->deleteFiles());
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        QVERIFY(!read(m_ws).contains("\"local\""));
        QVERIFY(QFileInfo::exists(s.path + QStringLiteral("/.git"))); // files stay
    }

    void removeCanDeleteFiles()
    {
        MainWindow w(m_ws);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        const QString folder = m_dir.filePath(QStringLiteral("work/doomed"));
        QDir().mkpath(folder + QStringLiteral("/inner"));
        core::RepoSpec s;
        s.name = QStringLiteral("doomed");
        s.url = QStringLiteral("https://example.invalid/doomed.git");
        s.path = folder;
        QCOMPARE(core::editWorkspace(m_ws,
                                     [s](core::Workspace &ws) { return ws.addRepository(s); }),
                 QString());
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 4, 5000);
        w.commands()->remove({QStringLiteral("doomed")}, true);
        QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(folder), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
    }

    void filterAndSearchReachTheProxy()
    {
        MainWindow w(m_ws);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        auto *filter = w.findChild<QComboBox *>(QStringLiteral("filterCombo"));
        filter->setCurrentIndex(1);
        QCOMPARE(w.proxy()->filter(), RepoFilterProxy::Filter::Failing);
        QCOMPARE(w.proxy()->rowCount(), 0);
        filter->setCurrentIndex(0);
        auto *search = w.findChild<QLineEdit *>(QStringLiteral("searchEdit"));
        typeInto(search, QStringLiteral("brav"));
        QCOMPARE(w.proxy()->rowCount(), 1);
        w.actions()->findRepository->trigger();
        search->clear();
        QCOMPARE(w.proxy()->rowCount(), 3);
    }

    void headerAndFilterAreRemembered()
    {
        {
            MainWindow w(m_ws);
            w.show();
            QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
            w.table()->header()->setSectionHidden(RepoTableModel::Mode, true);
            w.table()->header()->resizeSection(RepoTableModel::Name, 234);
            w.table()->sortByColumn(RepoTableModel::LastAttempt, Qt::DescendingOrder);
            w.findChild<QComboBox *>(QStringLiteral("filterCombo"))->setCurrentIndex(2);
            w.close();
        }
        MainWindow again(m_ws);
        QHeaderView *header = again.table()->header();
        QVERIFY(header->isSectionHidden(RepoTableModel::Mode));
        QCOMPARE(header->sectionSize(RepoTableModel::Name), 234);
        QCOMPARE(header->sortIndicatorSection(), int(RepoTableModel::LastAttempt));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(again.proxy()->filter(), RepoFilterProxy::Filter::NeedsAttention);
    }

    void droppingAFolderOpensImport()
    {
        MainWindow w(m_ws);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_dir.filePath(QStringLiteral("work")))});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &drop);
        auto *dialog = w.findChild<ImportDialog *>();
        QVERIFY(dialog);
        QSignalSpy scanned(dialog, &ImportDialog::scanFinished);
        QVERIFY(scanned.wait(10'000));
        dialog->reject();
    }

    void nextSyncFollowsThePolicyInterval()
    {
        QCOMPARE(core::editWorkspace(
                     m_ws,
                     [](core::Workspace &ws) {
            core::RetryPolicy hourly = ws.policy(QStringLiteral("fast"));
            hourly.name = QStringLiteral("hourly");
            hourly.interval = core::Millis(3'600'000);
            ws.setPolicy(hourly);
            core::RepoSpec bravo = *ws.repository(QStringLiteral("bravo"));
            bravo.policy = hourly.name;
            ws.updateRepository(bravo);
            return QString();
                     }),
                 QString());
        MainWindow w(m_ws);
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        RepoTableModel *m = w.model();
        auto next = [m](const QString &name) {
            return m->index(m->rowOf(name), RepoTableModel::NextSync);
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            next(QStringLiteral("bravo")).data(RepoTableModel::SortRole).toLongLong() > 0, 5000);
        const QDateTime due = QDateTime::fromMSecsSinceEpoch(
            next(QStringLiteral("bravo")).data(RepoTableModel::SortRole).toLongLong());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(due > now
                && due <= now.addSecs(3600 * 11 / 10)); // within the interval, give or take 10 %
        QVERIFY(next(QStringLiteral("bravo")).data().toString() != QStringLiteral("—"));
        QCOMPARE(next(QStringLiteral("alpha")).data().toString(), QStringLiteral("—"));
    }

    void trayFollowsTheOverallState()
    {
        using O = TrayController::Overall;
        SyncTotals t;
        QCOMPARE(TrayController::overallFor(t), O::Idle);
        t.failed = 1;
        QCOMPARE(TrayController::overallFor(t), O::Failed);
        t.waiting = 1; // a retry pending counts as syncing
        QCOMPARE(TrayController::overallFor(t), O::Syncing);

        // The window's rows drive it: the state and the tooltip follow them,
        // with or without a tray to show them (offscreen there is none).
        MainWindow w(m_ws);
        QCOMPARE(w.tray()->isAvailable(), QSystemTrayIcon::isSystemTrayAvailable());
        QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 5000);
        TrayController *tray = w.tray();
        QCOMPARE(tray->overall(), O::Idle);
        QCOMPARE(tray->toolTip(), QStringLiteral("RepoDeck\nEverything is in sync"));

        RepoStatus running;
        running.activity = core::Activity::Running;
        running.attempt = 1;
        running.maxAttempts = 2;
        w.model()->setStatus(QStringLiteral("alpha"), running);
        QTRY_COMPARE_WITH_TIMEOUT(tray->overall(), O::Syncing, 5000);
        QVERIFY2(tray->toolTip().contains(QStringLiteral("1 running, 0 waiting, 0 queued")),
                 qPrintable(tray->toolTip()));

        RepoStatus failed;
        failed.last.lastOutcome = core::Outcome::Failed;
        failed.last.error.category = core::ErrorCategory::NotFound;
        w.model()->setStatus(QStringLiteral("alpha"), failed);
        QTRY_COMPARE_WITH_TIMEOUT(tray->overall(), O::Failed, 5000);
        QCOMPARE(tray->toolTip(), QStringLiteral("RepoDeck\n1 failed"));

        RepoStatus updated;
        updated.last.lastOutcome = core::Outcome::Updated;
        w.model()->setStatus(QStringLiteral("alpha"), updated);
        QTRY_COMPARE_WITH_TIMEOUT(tray->overall(), O::Idle, 5000);
        QCOMPARE(tray->toolTip(), QStringLiteral("RepoDeck\nEverything is in sync"));
    }

    void versionInfo()
    {
        const VersionInfo v = VersionInfo::current();
        QCOMPARE(v.app, QStringLiteral(REPODECK_VERSION));
        QVERIFY(v.libgit2.startsWith(QStringLiteral("1.")));
        QVERIFY(v.https);
#ifdef Q_OS_LINUX
        QCOMPARE(v.tlsBackend, QStringLiteral("mbedTLS"));
#endif
        QVERIFY(v.text().contains(QStringLiteral("libgit2 ") + v.libgit2));
        QVERIFY(v.text().contains(QStringLiteral("TLS backend: ") + v.tlsBackend));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
