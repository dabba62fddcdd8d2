// Checkpointed clone: a large history with many tags, through a link that
// cuts every connection after a few megabytes. Plain `git clone` can never
// finish; RepoDeck must, with a result identical to a plain clone.
#include "SyncHarness.h"

#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "git/GitLibrary.h"
#include "sync/CheckpointedFetch.h"
#include "sync/CrashRecovery.h"

#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::Outcome;

namespace {
constexpr int kTags = 24;
constexpr qint64 kBytesPerTag = 700'000;  // incompressible: ~17 MB of history
constexpr qint64 kCutAfter = 3'000'000;   // every connection dies after 3 MB
}

class TestCheckpoint : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root;
    QString m_bare;
    GitDaemonServer m_daemon;
    FaultProxy m_proxy;

    QStringList refsOf(const QString &repo)
    {
        int rc = -1;
        const QString out = GitRepoFactory::git({"for-each-ref", "--format=%(refname) %(objectname) %(symref)"}, repo, &rc);
        return out.split('\n', Qt::SkipEmptyParts);
    }

    core::RetryPolicy policy(core::Checkpoint mode)
    {
        auto p = fastPolicy(12);
        p.checkpoint = mode;
        p.stallTimeout = core::Millis(5000);
        return p;
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::git::initialize(), QString());
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        m_bare = GitRepoFactory::createBareRepo(m_root, "history.git", 1);
        for (int i = 1; i <= kTags; ++i) {
            QVERIFY(GitRepoFactory::addLargeFile(m_bare, kBytesPerTag, "main", QString("blob%1.bin").arg(i)));
            // Mixed annotated and lightweight tags, as real projects have.
            QVERIFY(GitRepoFactory::addTag(m_bare, QString("v1.%1").arg(i), "main",
                                           i % 2 ? QString("release 1.%1").arg(i) : QString()));
        }
        QVERIFY(GitRepoFactory::addCommits(m_bare, 2, "main"));   // untagged tip
        QVERIFY(GitRepoFactory::addBranch(m_bare, "maint", "v1.10"));
        QVERIFY(m_daemon.start(m_root));
        QVERIFY(m_proxy.start(m_daemon.port()));
        m_proxy.setCutAfterBytes(kCutAfter);
    }

    void naturalOrderOfTags()
    {
        QVERIFY(core::CheckpointedFetch::naturalLess("v1.9", "v1.10"));
        QVERIFY(core::CheckpointedFetch::naturalLess("v1.10", "v2.0"));
        QVERIFY(!core::CheckpointedFetch::naturalLess("v2.0", "v1.10"));
        QVERIFY(core::CheckpointedFetch::naturalLess("v1", "v1.1"));
    }

    void plainGitCloneCannotFinish()
    {
        int rc = 0;
        GitRepoFactory::git({"clone", "-q", m_proxy.url("git", "history.git"), m_tmp.filePath("gitclone")},
                            m_tmp.path(), &rc);
        QVERIFY2(rc != 0, "git clone must fail through a link that cuts every 3 MB");
    }

    void repodeckClonesThroughTheCuttingLink()
    {
        SyncHarness h;
        const QString path = m_tmp.filePath("work/history");
        const auto r = h.syncAndWait(h.spec("history", m_proxy.url("git", "history.git"), path),
                                     policy(core::Checkpoint::Auto), 120'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QVERIFY2(r.attempts >= 2, "the first, plain attempt cannot finish");
        QVERIFY(h.maxSteps.value("history") > 2);

        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
        // Same refs as a plain clone made over a clean link.
        const QString reference = m_tmp.filePath("reference");
        GitRepoFactory::git({"clone", "-q", m_daemon.url("history.git"), reference}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(refsOf(path), refsOf(reference));
        QVERIFY(!refsOf(path).join('\n').contains("repodeck-steps"));
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, path), QString());
        QCOMPARE(GitRepoFactory::git({"rev-parse", "--abbrev-ref", "@{upstream}"}, path).trimmed(), QString("origin/main"));
        QVERIFY(!GitRepoFactory::git({"config", "--list"}, path).contains("repodeck."));
        QVERIFY(!QFileInfo::exists(core::partialClonePath(path)));
    }

    void mirrorThroughTheCuttingLink()
    {
        SyncHarness h;
        const QString path = m_tmp.filePath("work/history-mirror.git");
        const auto r = h.syncAndWait(h.spec("mirror", m_proxy.url("git", "history.git"), path, core::RepoMode::Mirror),
                                     policy(core::Checkpoint::Always), 120'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::refs(path), GitRepoFactory::refs(m_bare));
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
    }

    void neverMeansNever()
    {
        SyncHarness h;
        auto p = policy(core::Checkpoint::Never);
        p.maxAttempts = 3;
        const QString path = m_tmp.filePath("work/never");
        const auto r = h.syncAndWait(h.spec("never", m_proxy.url("git", "history.git"), path), p, 60'000);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.attempts, 3);
        QCOMPARE(h.maxSteps.value("never"), 0);
        QVERIFY(!QFileInfo::exists(core::partialClonePath(path)));
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
