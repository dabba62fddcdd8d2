// The bounds of a checkout: the attempt's time (clone, checkpointed clone,
// fast-forward; a stopped one is finished by the next sync) and the free
// disk. Trees from tests/integration/HostileTrees.h, served by git daemon.
#include "SyncHarness.h"

#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "HostileTreeServer.h"
#include "net/NetworkSetup.h"
#include "sync/CrashRecovery.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;

class TestCheckoutBounds : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    int m_counter = 0;

private slots:
    void initTestCase() { QCOMPARE(core::initializeNetwork(), QString()); }

    // A tree inside the limits costs what its files cost, but no more than
    // the attempt's time: 786,432 files from a 6-object pack with a 3 s
    // attempt timeout end as that timeout, on both clone paths, and the
    // clone's folder is not left behind as if it were a clone. Before, the
    // checkout could not be stopped (2 million such files: 218 s, 2 GiB).
    void largeTreeEndsWithTheAttempt_data()
    {
        QTest::addColumn<bool>("checkpointed");
        QTest::newRow("clone") << false;
        QTest::newRow("checkpointed clone") << true;
    }
    void largeTreeEndsWithTheAttempt()
    {
        QFETCH(bool, checkpointed);
        const QString srv = m_tmp.filePath(QStringLiteral("srv-%1").arg(++m_counter));
        TreeBuilder b;
        QString error;
        QVERIFY2(serveTree(srv + "/large.git", b, largeTree(b), &error), qPrintable(error));
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        core::RetryPolicy policy = oneShot();
        policy.attemptTimeout = core::Millis(3'000);
        policy.checkpoint = checkpointed ? core::Checkpoint::Always : core::Checkpoint::Never;
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("l", daemon.url("large.git"), path), policy, 90'000);
        qInfo("%lld ms: %s", qint64(t.elapsed()), qPrintable(r.error.text()));
        QCOMPARE(r.outcome, core::Outcome::Failed);
        QCOMPARE(r.error.category, core::ErrorCategory::Timeout);
        QVERIFY2(r.error.message.contains("longer than 3.0 s"), qPrintable(r.error.text()));
        // The attempt's 3 s, the partial folder's removal, and slack for a
        // loaded machine; libgit2's checkout needed minutes.
        QVERIFY2(t.elapsed() < 25'000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!QFileInfo::exists(path));
    }

    // One 64 MiB blob of zeros named 917,504 times: 56 TiB of files from a
    // pack of about 70 KB, within every tree limit. Without a look at the
    // free disk first, the writers filled the disk until the attempt's time
    // ran out; now the checkout is refused before anything is written, as
    // a local failure (not retried) saying how much it needs and how much
    // is free.
    void treeLargerThanTheDiskIsRefused_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("clone") << "clone";
        QTest::newRow("checkpointed clone") << "checkpointed";
        QTest::newRow("fast-forward") << "ff";
    }
    void treeLargerThanTheDiskIsRefused()
    {
        QFETCH(QString, how);
        const QString srv = m_tmp.filePath(QStringLiteral("srv-%1").arg(++m_counter));
        const QString bare = srv + "/huge.git";
        TreeBuilder b;
        QString error;
        QVERIFY2(serveTree(bare, b, largeTree(b, 14, QByteArray(64 << 20, '\0')), &error),
                 qPrintable(error));
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        const auto spec = h.spec("h", daemon.url("huge.git"), path);
        core::RetryPolicy policy = fastPolicy(3);
        policy.attemptTimeout = core::Millis(20'000);
        policy.checkpoint = how == "checkpointed" ? core::Checkpoint::Always
                                                  : core::Checkpoint::Never;
        if (how == "ff") {
            auto inBare = [&](const QStringList &args, const QByteArray &input = {}) {
                return QString::fromUtf8(
                           GitRepoFactory::gitWithInput(
                               QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args,
                               bare, input))
                    .trimmed();
            };
            const QString huge = inBare({"rev-parse", "main"});
            const QString blob = inBare({"hash-object", "-w", "--stdin"}, "small\n");
            const QString tree = inBare({"mktree"},
                                        ("100644 blob " + blob + "\tsmall.txt\n").toUtf8());
            const QString small = inBare({"commit-tree", tree, "-m", "small"});
            const QString next = inBare(
                {"commit-tree", huge + "^{tree}", "-p", small, "-m", "huge"});
            inBare({"update-ref", "refs/heads/main", small});
            QVERIFY(h.syncAndWait(spec, policy, 60'000).outcome == core::Outcome::Cloned);
            inBare({"update-ref", "refs/heads/main", next});
        }
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(spec, policy, 90'000);
        qInfo("%s: %lld ms: %s", qPrintable(how), qint64(t.elapsed()), qPrintable(r.error.text()));
        QCOMPARE(r.outcome, core::Outcome::Failed);
        QCOMPARE(r.error.category, core::ErrorCategory::Local);
        QVERIFY2(r.error.message.contains("need at least") && r.error.message.contains("free"),
                 qPrintable(r.error.text()));
        QCOMPARE(r.attempts, 1);
        QVERIFY2(t.elapsed() < 15'000, qPrintable(QString::number(t.elapsed())));
        if (how == "ff") {
            QCOMPARE(GitRepoFactory::git({"status", "--porcelain", "-uall"}, path), QString());
            QVERIFY(QFileInfo::exists(path + "/small.txt"));
        } else {
            QVERIFY(!QFileInfo::exists(path));
        }
    }

    // A checkpointed clone whose checkout stopped (here: cancelled once its
    // first folder is written) keeps every object: the next sync checks out
    // again without asking the server for anything. Before, the markers went
    // before the checkout and the next sync fetched the whole history again.
    void stoppedCheckoutResumesWithoutFetching()
    {
        const QString srv = m_tmp.filePath(QStringLiteral("srv-%1").arg(++m_counter));
        TreeBuilder b;
        QString error;
        QVERIFY2(serveTree(srv + "/resume.git", b, largeTree(b, 8, "x\n", 3), &error),
                 qPrintable(error)); // 32,768 files
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        FaultProxy proxy;
        QVERIFY(proxy.start(daemon.port()));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        const QString partial = core::partialClonePath(path);
        core::RetryPolicy policy = oneShot();
        policy.checkpoint = core::Checkpoint::Always;
        const auto spec = h.spec("r", proxy.url("git", "resume.git"), path);
        h.scheduler.sync(spec, policy);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(partial + "/00/00"), 60'000);
        h.scheduler.cancel("r");
        const auto stopped = h.waitFor("r", 60'000);
        QCOMPARE(stopped.outcome, core::Outcome::Cancelled);
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(QFileInfo::exists(partial + "/00"));
        // Not all of it was written (the cancel came in the checkout).
        QVERIFY(!QFileInfo::exists(partial + "/15/15/15/f07"));
        const int connections = proxy.totalConnections();

        const auto r = h.syncAndWait(spec, policy, 120'000);
        QVERIFY2(r.outcome == core::Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(proxy.totalConnections(), connections);
        QVERIFY2(r.detail.contains("fetched everything"), qPrintable(r.detail));
        QVERIFY(!QFileInfo::exists(partial));
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, path), QString());
        QCOMPARE(GitRepoFactory::git({"ls-files"}, path).count('\n'), 32'768);
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
        QVERIFY(!GitRepoFactory::git({"config", "--list"}, path).contains("repodeck."));
    }

    // A fast-forward whose checkout is stopped by the attempt's time leaves
    // the branch where it was and no half-written file; the next sync
    // recognises the files it had written and finishes the update, while a
    // change the user made meanwhile is kept and named.
    void stoppedFastForwardFinishesNextTime()
    {
        const QString srv = m_tmp.filePath(QStringLiteral("srv-%1").arg(++m_counter));
        const QString bare = srv + "/ff.git";
        TreeBuilder b;
        QString error;
        QVERIFY2(serveTree(bare, b, largeTree(b, 8, "x\n", 3), &error),
                 qPrintable(error)); // 32,768 files
        auto inBare = [&](const QStringList &args) {
            return GitRepoFactory::git(
                       QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args, bare)
                .trimmed();
        };
        // The first commit has eight files (f00..f07); the second replaces
        // them with the large tree.
        const QString large = inBare({"rev-parse", "main"});
        const QString first = inBare({"commit-tree", large + "^{tree}:00/00/00", "-m", "small"});
        const QString second = inBare(
            {"commit-tree", large + "^{tree}", "-p", first, "-m", "large"});
        inBare({"update-ref", "refs/heads/main", first});
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        const auto spec = h.spec("ff", daemon.url("ff.git"), path);
        QVERIFY(h.syncAndWait(spec, oneShot(), 60'000).outcome == core::Outcome::Cloned);
        inBare({"update-ref", "refs/heads/main", second});

        core::RetryPolicy quick = oneShot();
        quick.attemptTimeout = core::Millis(1'000);
        QElapsedTimer t;
        t.start();
        const auto stopped = h.syncAndWait(spec, quick, 90'000);
        qInfo("stopped after %lld ms: %s", qint64(t.elapsed()), qPrintable(stopped.error.text()));
        QCOMPARE(stopped.outcome, core::Outcome::Failed);
        QCOMPARE(stopped.error.category, core::ErrorCategory::Timeout);
        // libgit2 alone wrote every file first.
        QVERIFY2(t.elapsed() < 8'000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(GitRepoFactory::git({"rev-parse", "HEAD"}, path).trimmed(), first);
        QVERIFY(QFileInfo::exists(path + "/.git/repodeck-fast-forward"));
        // No file is left half written: each is the new commit's.
        const QStringList changed = GitRepoFactory::git({"status", "--porcelain", "-uall"}, path)
                                        .split('\n', Qt::SkipEmptyParts);
        qInfo("%lld paths differ from HEAD after the stop", qint64(changed.size()));
        QVERIFY(changed.size() < 32'768 + 8);
        for (int i = 0; i < changed.size(); i += 997) {
            const QString file = changed[i].mid(3);
            if (changed[i].startsWith("??"))
                QCOMPARE(QFileInfo(path + "/" + file).size(), qint64(2)); // "x\n"
        }

        // The user's change meanwhile: kept, named, the branch not moved.
        QFile mine(path + "/f00");
        QVERIFY(mine.open(QIODevice::WriteOnly) && mine.write("mine\n") == 5);
        mine.close();
        const auto kept = h.syncAndWait(spec, oneShot(), 90'000);
        QCOMPARE(kept.outcome, core::Outcome::FetchedOnly);
        QVERIFY2(kept.detail.contains("f00") && kept.detail.contains("stopped while updating"),
                 qPrintable(kept.detail));
        QCOMPARE(GitRepoFactory::git({"rev-parse", "HEAD"}, path).trimmed(), first);
        QVERIFY(mine.open(QIODevice::ReadOnly));
        QCOMPARE(mine.readAll(), QByteArray("mine\n"));
        mine.close();

        QVERIFY(QFile::remove(path + "/f00"));
        const auto r = h.syncAndWait(spec, oneShot(), 120'000);
        QVERIFY2(r.outcome == core::Outcome::Updated, qPrintable(r.error.text() + r.detail));
        QVERIFY2(r.detail.contains("earlier sync had stopped"), qPrintable(r.detail));
        QCOMPARE(GitRepoFactory::git({"rev-parse", "HEAD"}, path).trimmed(), second);
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain", "-uall"}, path), QString());
        QCOMPARE(GitRepoFactory::git({"ls-files"}, path).count('\n'), 32'768);
        QVERIFY(!QFileInfo::exists(path + "/.git/repodeck-fast-forward"));
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
    }
};

QTEST_GUILESS_MAIN(TestCheckoutBounds)
#include "tst_checkout_bounds.moc"
