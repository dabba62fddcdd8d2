// Finding 6 of issue 14: recursive deletes never follow a link. Someone who
// can write the parent folder (a shared folder, /tmp) plants a link where
// RepoDeck expects its own leftover folder; the link goes, its target stays.

#include "GitRepoFactory.h"
#include "SyncHarness.h"
#include "net/NetworkSetup.h"
#include "state/RepoStateStore.h"
#include "sync/CheckpointedClone.h"
#include "sync/CrashRecovery.h"
#include "workspace/Workspace.h"
#include "util/RemoveTree.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace repodeck;
using repodeck::test::GitRepoFactory;
using repodeck::test::SyncHarness;
using repodeck::test::fastPolicy;

namespace {

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

// A folder of the user's that must survive: two files and a subfolder.
QString makeVictim(const QString &root)
{
    const QString v = root + "/victim";
    QDir().mkpath(v + "/sub");
    writeFile(v + "/precious.txt", "keep me");
    writeFile(v + "/sub/also.txt", "keep me too");
    return v;
}

bool victimIntact(const QString &v)
{
    return QFile::exists(v + "/precious.txt") && QFile::exists(v + "/sub/also.txt");
}

} // namespace

class TestLinks : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QCOMPARE(core::initializeNetwork(), QString()); }

    void linkedTopFolderLosesOnlyTheLink()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path());
        const QString link = tmp.filePath("link");
        QVERIFY(QFile::link(victim, link));
        QCOMPARE(core::removeTreeNoFollow(link), QString());
        QVERIFY(!QFileInfo(link).isSymLink() && !QFileInfo::exists(link));
        QVERIFY(victimIntact(victim));
    }

    void linksInsideAreRemovedAsLinks()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path());
        const QString tree = tmp.filePath("tree");
        QVERIFY(QDir().mkpath(tree + "/a/b"));
        QVERIFY(writeFile(tree + "/a/b/f", "x"));
        QVERIFY(QFile::link(victim, tree + "/a/dirlink"));
        QVERIFY(QFile::link(victim + "/precious.txt", tree + "/a/b/filelink"));
        QVERIFY(QFile::link(tmp.filePath("nowhere"), tree + "/dangling"));
        QCOMPARE(core::removeTreeNoFollow(tree), QString());
        QVERIFY(!QFileInfo::exists(tree));
        QVERIFY(victimIntact(victim));
    }

    void missingPathIsNotAnError()
    {
        QTemporaryDir tmp;
        QCOMPARE(core::removeTreeNoFollow(tmp.filePath("absent")), QString());
    }

    // Found in review: a state or workspace file in a shared folder replaced
    // by a link to one of the user's files; QSaveFile wrote through it.
    void savesNeverWriteThroughALink()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path()) + "/precious.txt";
        const QString state = tmp.filePath("ws.json.state.json");
        QVERIFY(QFile::link(victim, state));
        const QString stateError = core::RepoStateStore().save(state);
        QVERIFY2(stateError.contains("link"), qPrintable(stateError));
        const QString ws = tmp.filePath("ws.json");
        QVERIFY(QFile::link(victim, ws));
        const QString wsError = core::Workspace().save(ws);
        QVERIFY2(wsError.contains("link"), qPrintable(wsError));
        QFile f(victim);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("keep me"));
    }

    // The whole path: a clone finds a planted ".NAME.repodeck-partial" link
    // to the user's folder where it keeps its unfinished clone, removes it
    // as a leftover, clones, and the user's folder is untouched.
    void plantedPartialCloneLinkKeepsItsTarget()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path());
        const QString bare = GitRepoFactory::createBareRepo(tmp.filePath("srv"), "r.git", 2);
        QVERIFY(!bare.isEmpty());
        const QString target = tmp.filePath("work/r");
        QVERIFY(QDir().mkpath(tmp.filePath("work")));
        QVERIFY(QFile::link(victim, core::partialClonePath(target)));

        SyncHarness h;
        const auto r = h.syncAndWait(h.spec("r", bare, target), fastPolicy());
        QVERIFY2(r.outcome == core::Outcome::Cloned, qPrintable(r.error.text()));
        QVERIFY(victimIntact(victim));
        QCOMPARE(GitRepoFactory::revParse(target, "HEAD"), GitRepoFactory::revParse(bare, "main"));
        QVERIFY(!QFileInfo(core::partialClonePath(target)).isSymLink());
    }

    // Found in review (critical): a planted ".NAME.repodeck-partial" with
    // RepoDeck's checkpoint marker, core.worktree pointing at the user's
    // folder and url.*.insteadOf pointing at another server was resumed as
    // RepoDeck's own clone: the attacker's files were checked out into the
    // user's folder. A partial folder is resumed only if its configuration
    // holds nothing but what RepoDeck writes.
    void plantedCheckpointIsNotResumed()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path());
        const QString real = GitRepoFactory::createBareRepo(tmp.filePath("srv"), "real.git", 2);
        const QString evil = GitRepoFactory::createBareRepo(tmp.filePath("evil"), "evil.git", 3);
        QVERIFY(!real.isEmpty() && !evil.isEmpty());
        const QString target = tmp.filePath("work/proj");
        const QString planted = core::partialClonePath(target);
        GitRepoFactory::git({"init", "-q", planted}, tmp.path());
        auto config = [&](const QString &key, const QString &value) {
            GitRepoFactory::git({"config", key, value}, planted);
        };
        config("repodeck.checkpointClone", "true");
        config("remote.origin.url", real);
        config("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
        config("core.worktree", victim);
        config("url." + evil + ".insteadOf", real);

        SyncHarness h;
        core::RetryPolicy policy = fastPolicy();
        policy.checkpoint = core::Checkpoint::Auto;
        const auto r = h.syncAndWait(h.spec("proj", real, target), policy);
        QVERIFY2(r.outcome == core::Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::revParse(target, "HEAD"), GitRepoFactory::revParse(real, "main"));
        QCOMPARE(
            QDir(victim).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size(),
            2);
        QVERIFY(victimIntact(victim));
        QCOMPARE(GitRepoFactory::git({"config", "--get", "core.worktree"}, target).trimmed(),
                 QString());
        QVERIFY(!core::isCheckpointInProgress(planted));
    }

    void checkpointOfOurOwnIsRecognised()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(".x.repodeck-partial");
        GitRepoFactory::git({"init", "-q", dir}, tmp.path());
        GitRepoFactory::git({"config", "remote.origin.url", "git://127.0.0.1/x.git"}, dir);
        // The marker alone (anyone can write it) is not enough.
        GitRepoFactory::git({"config", "repodeck.checkpointClone", "true"}, dir);
        QVERIFY(!core::isCheckpointInProgress(dir, "git://127.0.0.1/x.git"));
        GitRepoFactory::git({"config", "repodeck.checkpointToken", QString(64, 'a')}, dir);
        QVERIFY(!core::isCheckpointInProgress(dir, "git://127.0.0.1/x.git"));
        QCOMPARE(core::markCheckpoint(dir, "git://127.0.0.1/x.git"), 0);
        QVERIFY(core::isCheckpointInProgress(dir, "git://127.0.0.1/x.git"));
        // Moved elsewhere, the token no longer matches its folder.
        const QString moved = tmp.filePath(".moved.repodeck-partial");
        QVERIFY(QDir().rename(dir, moved));
        QVERIFY(!core::isCheckpointInProgress(moved, "git://127.0.0.1/x.git"));
        QVERIFY(QDir().rename(moved, dir));
        QVERIFY(core::isCheckpointInProgress(dir, "git://127.0.0.1/x.git"));
        // A hook git would run in the finished clone.
        QVERIFY(writeFile(dir + "/.git/hooks/post-checkout", "#!/bin/sh\n"));
        QVERIFY(!core::isCheckpointInProgress(dir, "git://127.0.0.1/x.git"));
        QVERIFY(QFile::remove(dir + "/.git/hooks/post-checkout"));
        QVERIFY(core::isCheckpointInProgress(dir, "git://127.0.0.1/x.git"));
        QVERIFY(!core::isCheckpointInProgress(dir, "git://127.0.0.1/other.git"));
        const QString link = tmp.filePath(".y.repodeck-partial");
        QVERIFY(QFile::link(dir, link));
        QVERIFY(!core::isCheckpointInProgress(link));
        GitRepoFactory::git({"config", "core.fsmonitor", "touch pwned"}, dir);
        QVERIFY(!core::isCheckpointInProgress(dir));
    }

    // Found in the second review: an imported repository's .git/refs (or
    // logs, objects/pack) linked to a folder of the user's, plus a planted
    // stale lock: the crash cleanup deleted every *.lock below the target.
    void crashCleanupNeverWalksALinkedFolder()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path());
        QVERIFY(writeFile(victim + "/Cargo.lock", "keep"));
        QVERIFY(writeFile(victim + "/sub/yarn.lock", "keep"));
        QVERIFY(writeFile(victim + "/pack_git2_keep", "keep"));
        const QString repo = tmp.filePath("imported");
        GitRepoFactory::git({"init", "-q", repo}, tmp.path());
        const QString gitDir = repo + "/.git";
        QVERIFY(QDir(gitDir + "/refs").removeRecursively());
        QVERIFY(QFile::link(victim, gitDir + "/refs"));
        QVERIFY(QFile::link(victim, gitDir + "/logs"));
        QVERIFY(QDir(gitDir + "/objects/pack").removeRecursively());
        QVERIFY(QFile::link(victim, gitDir + "/objects/pack"));
        QVERIFY(writeFile(gitDir + "/index.lock", "stale"));
        const QStringList removed = core::cleanAfterCrash(gitDir);
        QCOMPARE(removed, QStringList{gitDir + "/index.lock"});
        QVERIFY(QFile::exists(victim + "/Cargo.lock"));
        QVERIFY(QFile::exists(victim + "/sub/yarn.lock"));
        QVERIFY(QFile::exists(victim + "/pack_git2_keep"));
    }

    // The GUI's "delete the folders too" on a repository whose folder was
    // replaced by a link: the helper it uses must not empty the target.
    void removePartialCloneNeverFollows()
    {
        QTemporaryDir tmp;
        const QString victim = makeVictim(tmp.path());
        const QString partial = core::partialClonePath(tmp.filePath("x"));
        QVERIFY(QFile::link(victim, partial));
        QVERIFY(core::removePartialClone(partial));
        QVERIFY(victimIntact(victim));
        QVERIFY(!QFileInfo(partial).isSymLink());
    }
};

QTEST_GUILESS_MAIN(TestLinks)
#include "tst_links.moc"
