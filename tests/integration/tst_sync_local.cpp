// What a sync does to a user's repository: fast-forward only when provably
// safe, never touch local work, mirrors identical to upstream, recovery after
// a crash, and RepoDeck's own lock.
#include "SyncHarness.h"

#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"
#include "sync/CrashRecovery.h"
#include "sync/RepoLock.h"

#include <QDirIterator>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::ErrorCategory;
using core::Outcome;

class TestSyncLocal : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root;
    GitDaemonServer m_daemon;
    int m_counter = 0;

    struct Fixture
    {
        QString bare;
        QString url;
        QString work;
        QString name;
    };

    // A fresh upstream and a clone of it made by RepoDeck.
    Fixture cloned(SyncHarness &h, core::RepoMode mode = core::RepoMode::WorkingCopy)
    {
        Fixture f;
        f.name = QStringLiteral("r%1").arg(++m_counter);
        f.bare = GitRepoFactory::createBareRepo(m_root, f.name + ".git", 2);
        f.url = m_daemon.url(f.name + ".git");
        f.work = m_tmp.filePath("work/" + f.name + (mode == core::RepoMode::Mirror ? ".git" : ""));
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work, mode), fastPolicy());
        if (r.outcome != Outcome::Cloned)
            qWarning() << "clone failed" << r.error.text();
        return f;
    }

    static QString git(const QString &dir, const QStringList &args)
    {
        QStringList all = GitRepoFactory::configArgs();
        all << args;
        int rc = -1;
        const QString out = GitRepoFactory::git(all, dir, &rc);
        if (rc != 0)
            qWarning() << "git" << args << "failed:" << out;
        return out.trimmed();
    }

    static void writeFile(const QString &path, const QByteArray &data)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    }

    static QByteArray readFile(const QString &path)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }

    QString firstTrackedFile(const QString &work)
    {
        return git(work, {"ls-files"}).split('\n').first();
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        QVERIFY(m_daemon.start(m_root));
    }

    void cleanBehindBranchIsFastForwarded()
    {
        SyncHarness h;
        const Fixture f = cloned(h);
        QVERIFY(GitRepoFactory::addCommits(f.bare, 2));
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Updated);
        QCOMPARE(git(f.work, {"rev-parse", "HEAD"}), GitRepoFactory::revParse(f.bare, "main"));
        QCOMPARE(git(f.work, {"status", "--porcelain"}), QString());
        QVERIFY(git(f.work, {"reflog", "-1"}).contains("repodeck: fast-forward"));
    }

    // Found in review: a repository whose core.worktree points elsewhere
    // (an imported one's config is anyone's) got new upstream files written
    // there, e.g. the user's home. Only the repository's own folder is updated.
    void worktreeElsewhereIsNeverWritten()
    {
        SyncHarness h;
        const Fixture f = cloned(h);
        const QString elsewhere = m_tmp.filePath("elsewhere-" + f.name);
        QDir().mkpath(elsewhere);
        git(f.work, {"--work-tree=" + elsewhere, "checkout", "-f", "HEAD", "--", "."});
        auto files = [&elsewhere] {
            QStringList all;
            QDirIterator it(elsewhere, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext())
                all << it.next();
            all.sort();
            return all;
        };
        const QStringList before = files();
        QVERIFY(!before.isEmpty());
        git(f.work, {"config", "core.worktree", elsewhere});
        QVERIFY(GitRepoFactory::addCommits(f.bare, 2));
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::FetchedOnly);
        QCOMPARE(r.reason, QString("foreign_worktree"));
        QCOMPARE(files(), before);
    }

    void localChangesAreNeverTouched_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("reason");
        QTest::newRow("modified file") << "modified"
                                       << "dirty";
        QTest::newRow("staged file") << "staged"
                                     << "dirty";
        QTest::newRow("untracked file in the way") << "untracked-in-way"
                                                   << "dirty";
        // Found by a fresh reviewer: libgit2 deleted d/x, then failed on d.
        QTest::newRow("untracked file in a folder replaced by a file") << "untracked-in-folder"
                                                                       << "dirty";
        QTest::newRow("local commit, upstream moved") << "diverged"
                                                      << "diverged";
        QTest::newRow("local commit only") << "ahead"
                                           << "ahead";
        QTest::newRow("detached HEAD") << "detached"
                                       << "detached";
        QTest::newRow("branch without upstream") << "no-upstream"
                                                 << "no_upstream";
    }
    void localChangesAreNeverTouched()
    {
        QFETCH(QString, kind);
        QFETCH(QString, reason);
        SyncHarness h;
        const Fixture f = cloned(h);
        const QString file = f.work + "/" + firstTrackedFile(f.work);
        QByteArray expectedContent;
        QString untrackedPath;
        if (kind == "modified" || kind == "staged") {
            writeFile(file, "my precious local edit\n");
            expectedContent = "my precious local edit\n";
            if (kind == "staged")
                git(f.work, {"add", "-A"});
        } else if (kind == "untracked-in-way") {
            untrackedPath = f.work + "/incoming.txt";
            writeFile(untrackedPath, "mine, not tracked\n");
            // Upstream adds a file with the same name.
            const QString tmp = m_tmp.filePath("push-" + f.name);
            git(m_tmp.path(), {"clone", "-q", f.bare, tmp});
            writeFile(tmp + "/incoming.txt", "theirs\n");
            git(tmp, {"add", "incoming.txt"});
            git(tmp, {"commit", "-qm", "incoming"});
            git(tmp, {"push", "-q", "origin", "HEAD:main"});
        } else if (kind == "untracked-in-folder") {
            const QString tmp = m_tmp.filePath("push-" + f.name);
            git(m_tmp.path(), {"clone", "-q", f.bare, tmp});
            QDir().mkpath(tmp + "/d");
            writeFile(tmp + "/d/x", "tracked\n");
            git(tmp, {"add", "d/x"});
            git(tmp, {"commit", "-qm", "folder d"});
            git(tmp, {"push", "-q", "origin", "HEAD:main"});
            QCOMPARE(h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy()).outcome,
                     Outcome::Updated);
            untrackedPath = f.work + "/d/mywork.txt";
            writeFile(untrackedPath, "mine, not tracked\n");
            git(tmp, {"rm", "-q", "-r", "d"});
            writeFile(tmp + "/d", "now a file\n");
            git(tmp, {"add", "d"});
            git(tmp, {"commit", "-qm", "d is a file"});
            git(tmp, {"push", "-q", "origin", "HEAD:main"});
        } else if (kind == "diverged" || kind == "ahead") {
            writeFile(f.work + "/local.txt", "local commit\n");
            git(f.work, {"add", "local.txt"});
            git(f.work, {"commit", "-qm", "local work"});
        } else if (kind == "detached") {
            git(f.work, {"checkout", "-q", "--detach"});
        } else if (kind == "no-upstream") {
            git(f.work, {"checkout", "-q", "-b", "feature"});
        }
        if (kind != "ahead" && kind != "untracked-in-way" && kind != "untracked-in-folder")
            QVERIFY(GitRepoFactory::addCommits(f.bare, 1));

        const QString headBefore = git(f.work, {"rev-parse", "HEAD"});
        const QString statusBefore = git(f.work, {"status", "--porcelain"});
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::FetchedOnly);
        QCOMPARE(r.reason, reason);
        QVERIFY2(!r.detail.isEmpty(), "the user is told what was kept and what to do");
        QCOMPARE(git(f.work, {"rev-parse", "HEAD"}), headBefore);
        QCOMPARE(git(f.work, {"status", "--porcelain"}), statusBefore);
        if (!expectedContent.isEmpty())
            QCOMPARE(readFile(file), expectedContent);
        if (!untrackedPath.isEmpty())
            QCOMPARE(readFile(untrackedPath), QByteArray("mine, not tracked\n"));
        if (kind == "untracked-in-folder")
            QVERIFY2(r.detail.contains("d/mywork.txt") && QFileInfo::exists(f.work + "/d/x"),
                     qPrintable(r.detail));
        // The fetch itself happened.
        QCOMPARE(git(f.work, {"rev-parse", "refs/remotes/origin/main"}),
                 GitRepoFactory::revParse(f.bare, "main"));
        QCOMPARE(git(f.work, {"stash", "list"}), QString());
    }

    void untrackedFilesOutOfTheWayDoNotBlock()
    {
        SyncHarness h;
        const Fixture f = cloned(h);
        writeFile(f.work + "/notes.txt", "scratch\n");
        QVERIFY(GitRepoFactory::addCommits(f.bare, 1));
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Updated);
        QCOMPARE(readFile(f.work + "/notes.txt"), QByteArray("scratch\n"));
    }

    void mirrorMatchesUpstreamAndPrunes()
    {
        SyncHarness h;
        const Fixture f = cloned(h, core::RepoMode::Mirror);
        QCOMPARE(GitRepoFactory::refs(f.work), GitRepoFactory::refs(f.bare));
        QCOMPARE(git(f.work, {"config", "remote.origin.mirror"}), QString("true"));

        QVERIFY(GitRepoFactory::addBranch(f.bare, "topic"));
        QVERIFY(GitRepoFactory::addTag(f.bare, "v1.0", "HEAD", "release"));
        auto r = h.syncAndWait(h.spec(f.name, f.url, f.work, core::RepoMode::Mirror), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Updated);
        QCOMPARE(GitRepoFactory::refs(f.work), GitRepoFactory::refs(f.bare));

        QVERIFY(GitRepoFactory::deleteBranch(f.bare, "topic"));
        QVERIFY(GitRepoFactory::addCommits(f.bare, 1));
        r = h.syncAndWait(h.spec(f.name, f.url, f.work, core::RepoMode::Mirror), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Updated);
        const QStringList mirrored = GitRepoFactory::refs(f.work);
        QCOMPARE(mirrored, GitRepoFactory::refs(f.bare));
        QVERIFY(!mirrored.join('\n').contains("refs/heads/topic"));
        QVERIFY(!mirrored.join('\n').contains("refs/remotes/"));

        r = h.syncAndWait(h.spec(f.name, f.url, f.work, core::RepoMode::Mirror), fastPolicy());
        QCOMPARE(r.outcome, Outcome::UpToDate);
    }

    void emptyFolderIsAValidTarget()
    {
        SyncHarness h;
        const QString bare = GitRepoFactory::createBareRepo(m_root, "empty-target.git", 1);
        const QString dir = m_tmp.filePath("work/empty-target");
        QVERIFY(QDir().mkpath(dir));
        const auto r = h.syncAndWait(h.spec("et", m_daemon.url("empty-target.git"), dir),
                                     fastPolicy());
        QCOMPARE(r.outcome, Outcome::Cloned);
        QVERIFY(QFileInfo::exists(dir + "/.git"));
        Q_UNUSED(bare);
    }

    void folderThatIsNotARepositoryIsLeftAlone()
    {
        SyncHarness h;
        GitRepoFactory::createBareRepo(m_root, "notrepo.git", 1);
        const QString dir = m_tmp.filePath("work/notrepo");
        QVERIFY(QDir().mkpath(dir));
        writeFile(dir + "/thesis.tex", "years of work\n");
        const auto r = h.syncAndWait(h.spec("nr", m_daemon.url("notrepo.git"), dir), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Local);
        QCOMPARE(r.attempts, 1);
        QVERIFY(r.error.message.contains(dir));
        QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList{"thesis.tex"});
        QCOMPARE(readFile(dir + "/thesis.tex"), QByteArray("years of work\n"));
    }

    void originPointingElsewhereIsReported()
    {
        SyncHarness h;
        const Fixture f = cloned(h);
        const Fixture other = cloned(h);
        const auto r = h.syncAndWait(h.spec(f.name, other.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Local);
        QVERIFY(r.error.message.contains("origin"));
    }

    void repositoryHeldByAnotherOperationWaits()
    {
        SyncHarness h;
        h.scheduler.setBusyRetryInterval(core::Millis(50));
        GitRepoFactory::createBareRepo(m_root, "busy.git", 1);
        const QString dir = m_tmp.filePath("work/busy");
        // The lock beside the target needs its folder, which an earlier
        // test's clone may or may not have made.
        QVERIFY(QDir().mkpath(QFileInfo(dir).path()));
        core::RepoLock held;
        QCOMPARE(held.tryAcquire(core::RepoLock::lockPathForClone(dir)),
                 core::RepoLock::State::Acquired);
        QSignalSpy waiting(&h.scheduler, &core::Scheduler::waitingForLock);
        h.scheduler.sync(h.spec("busy", m_daemon.url("busy.git"), dir), fastPolicy());
        QVERIFY(waiting.wait(5000));
        QVERIFY(!QFileInfo::exists(dir));
        held.release();
        const auto r = h.waitFor("busy", 10'000);
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 1);
    }

    void leftoversOfACrashedSyncAreCleaned()
    {
        SyncHarness h;
        const Fixture f = cloned(h);
        QVERIFY(GitRepoFactory::addCommits(f.bare, 1));
        const QString gitDir = f.work + "/.git";
        // What a SIGKILLed RepoDeck leaves: its own lock naming a dead PID,
        // a ref lock and a temporary pack.
        QProcess dead;
        dead.start("true");
        QVERIFY(dead.waitForFinished(5000));
        const qint64 deadPid = dead.processId() ? dead.processId() : 999'999;
        writeFile(gitDir + "/repodeck.lock", QByteArray::number(deadPid > 0 ? deadPid : 999'999)
                                                 + "\nrepodeck-cli\n"
                                                 + QSysInfo::machineHostName().toUtf8() + "\n");
        writeFile(gitDir + "/refs/remotes/origin/main.lock", "");
        writeFile(gitDir + "/objects/pack/pack_git2_deadbeef", "partial");
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Updated);
        QVERIFY(!QFileInfo::exists(gitDir + "/refs/remotes/origin/main.lock"));
        QVERIFY(!QFileInfo::exists(gitDir + "/objects/pack/pack_git2_deadbeef"));
        QVERIFY(!QFileInfo::exists(gitDir + "/repodeck.lock"));
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict"}, f.work, &rc);
        QCOMPARE(rc, 0);
    }

    void foreignLocksAreNotRemoved()
    {
        // Without a dead RepoDeck owner, a ref lock may belong to the user's
        // own git command: report it, never delete it.
        SyncHarness h;
        const Fixture f = cloned(h);
        QVERIFY(GitRepoFactory::addCommits(f.bare, 1));
        const QString lock = f.work + "/.git/refs/remotes/origin/main.lock";
        writeFile(lock, "");
        const auto r = h.syncAndWait(h.spec(f.name, f.url, f.work), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Local);
        QCOMPARE(r.attempts, 1);
        QVERIFY(QFileInfo::exists(lock));
    }

    void partialCloneNamesAreOurs()
    {
        QVERIFY(!core::removePartialClone(m_tmp.filePath("work")));
        QVERIFY(core::partialClonePath("/a/b/repo").endsWith("/a/b/.repo.repodeck-partial"));
    }
};

QTEST_GUILESS_MAIN(TestSyncLocal)
#include "tst_sync_local.moc"
