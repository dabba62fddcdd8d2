// The clone's own pack indexer (core/git/ParallelIndexer): real packs from a
// real git daemon and from `git pack-objects`, checked against git itself
// (byte-identical .idx, `git fsck --full`), plus corrupt, truncated, thin
// and cancelled packs.
#include "SyncHarness.h"

#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "git/GitHandles.h"
#include "git/GitLibrary.h"
#include "git/ParallelIndexer.h"

#include <git2/sys/odb_backend.h>

#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;

namespace {

// A history with real deltas: one text file that grows and changes in every
// commit, plus a few files that come and go, and an annotated tag.
bool buildDeltaHistory(const QString &work, const QString &bare, int commits)
{
    int rc = 0;
    GitRepoFactory::git({"init", "-q", "-b", "main", work}, QDir::tempPath(), &rc);
    if (rc != 0)
        return false;
    QByteArray text;
    for (int i = 0; i < commits; ++i) {
        for (int line = 0; line < 40; ++line)
            text += "commit " + QByteArray::number(i) + " line " + QByteArray::number(line * 7919 % 1000) + "\n";
        QFile f(work + "/growing.txt");
        if (!f.open(QIODevice::WriteOnly))
            return false;
        f.write(text);
        f.close();
        QFile extra(work + QStringLiteral("/extra-%1.txt").arg(i % 5));
        if (!extra.open(QIODevice::WriteOnly))
            return false;
        extra.write(text.right(2000) + QByteArray::number(i));
        extra.close();
        GitRepoFactory::git({"add", "-A"}, work, &rc);
        GitRepoFactory::git({"commit", "-q", "-m", QStringLiteral("c%1").arg(i)}, work, &rc);
        if (rc != 0)
            return false;
    }
    GitRepoFactory::git({"tag", "-a", "-m", "release", "v1"}, work, &rc);
    GitRepoFactory::git({"clone", "-q", "--bare", work, bare}, QDir::tempPath(), &rc);
    return rc == 0;
}

// `revs` as rev-list reads them on stdin; empty for every ref (--all).
QByteArray packOf(const QString &repo, const QByteArray &revs, bool thin = false, bool offsetDeltas = true)
{
    QStringList args{"pack-objects", "--stdout", "--revs"};
    if (offsetDeltas)
        args << "--delta-base-offset";
    if (revs.isEmpty())
        args << "--all";
    if (thin)
        args << "--thin";
    int rc = 0;
    const QByteArray pack = GitRepoFactory::gitWithInput(args, repo, revs, &rc);
    return rc == 0 ? pack : QByteArray();
}

// Feeds `pack` to the parallel indexer of `repo` in 7 KiB pieces (so entry
// headers and zlib streams straddle appends), as a fetch would.
int writeThroughIndexer(const QString &repo, const QByteArray &pack, git_indexer_progress_cb progress = nullptr,
                        void *payload = nullptr)
{
    git_repository *raw = nullptr;
    if (git_repository_open(&raw, QFile::encodeName(repo).constData()) < 0)
        return -100;
    core::git::Repository r(raw);
    if (core::git::installParallelIndexer(raw) < 0)
        return -101;
    git_odb *odb = nullptr;
    git_repository_odb(&odb, raw);
    git_odb_writepack *w = nullptr;
    int rc = git_odb_write_pack(&w, odb, progress, payload);
    git_indexer_progress stats{};
    for (qsizetype at = 0; rc == 0 && at < pack.size(); at += 7 * 1024) {
        const QByteArray piece = pack.mid(at, 7 * 1024);
        rc = w->append(w, piece.constData(), static_cast<size_t>(piece.size()), &stats);
    }
    if (rc == 0)
        rc = w->commit(w, &stats);
    if (w)
        w->free(w);
    git_odb_free(odb);
    return rc;
}

QStringList packFiles(const QString &repo)
{
    return QDir(repo + "/objects/pack").entryList(QDir::Files, QDir::Name);
}

} // namespace

class TestIndexer : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_bare;
    GitDaemonServer m_daemon;

private slots:
    void initTestCase()
    {
        QCOMPARE(core::git::initialize(), QString());
        m_bare = m_tmp.filePath("srv/history.git");
        QVERIFY(buildDeltaHistory(m_tmp.filePath("work"), m_bare, 60));
        QVERIFY(m_daemon.start(m_tmp.filePath("srv")));
    }

    void cloneIndexesLikeGit_data()
    {
        QTest::addColumn<int>("mode");
        QTest::newRow("working copy") << int(core::RepoMode::WorkingCopy);
        QTest::newRow("mirror") << int(core::RepoMode::Mirror);
    }

    void cloneIndexesLikeGit()
    {
        QFETCH(int, mode);
        const int before = core::git::parallelIndexedPacks();
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(mode));
        const auto r = h.syncAndWait(h.spec("c", m_daemon.url("history.git"), path, core::RepoMode(mode)),
                                     fastPolicy(2));
        QCOMPARE(r.outcome, core::Outcome::Cloned);
        QCOMPARE(core::git::parallelIndexedPacks(), before + 1);
        const QString gitDir = mode == int(core::RepoMode::Mirror) ? path : path + "/.git";
        const QStringList packs = packFiles(gitDir);
        QCOMPARE(packs.size(), 2); // one .idx, one .pack, no temporary file
        const QString idx = gitDir + "/objects/pack/" + packs.first();
        QVERIFY(idx.endsWith(".idx"));
        // git computes the same index from the same pack, byte for byte.
        int rc = 0;
        const QString check = m_tmp.filePath(QStringLiteral("check-%1.idx").arg(mode));
        QString pack = idx;
        pack.replace(".idx", ".pack");
        GitRepoFactory::git({"index-pack", "-o", check, pack}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        QFile a(idx), b(check);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY(a.readAll() == b.readAll());
        // The pack really had deltas to resolve (chains of them).
        QVERIFY(GitRepoFactory::git({"verify-pack", "-v", idx}, m_tmp.path(), &rc).contains("chain length = 2"));
        GitRepoFactory::git({"fsck", "--full", "--strict"}, gitDir, &rc);
        QCOMPARE(rc, 0);
        if (mode == int(core::RepoMode::Mirror)) {
            QCOMPARE(GitRepoFactory::refs(path), GitRepoFactory::refs(m_bare));
            // HEAD names the server's default branch, as `git clone --mirror` does.
            QCOMPARE(GitRepoFactory::git({"symbolic-ref", "HEAD"}, path, &rc).trimmed(), QString("refs/heads/main"));
        }
        else
            QCOMPARE(GitRepoFactory::revParse(path, "HEAD"), GitRepoFactory::revParse(m_bare, "main"));
    }

    // Working copies are checked out by one checkout per core and the index
    // is written from the files' stat data: the result is what git makes —
    // same files (eol conversion, symlink, executable bit), same index,
    // nothing for `git status` or `git diff-files` to report.
    void parallelCheckoutMatchesGit()
    {
        const QString work = m_tmp.filePath("special-work");
        int rc = 0;
        GitRepoFactory::git({"init", "-q", "-b", "main", work}, m_tmp.path(), &rc);
        QDir().mkpath(work + "/deep/er/still");
        auto write = [&](const QString &name, const QByteArray &content) {
            QFile f(work + "/" + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        };
        write(".gitattributes", "*.bat text eol=crlf\n*.bin binary\n");
        write("run.bat", "echo one\necho two\n");
        write("deep/.gitattributes", "*.crlf text eol=crlf\n"); // a nested one too
        write("deep/er/still/zz.crlf", "last\nfile\n");         // written last, by the last worker
        write("data.bin", QByteArray("\0\1\2\r\n", 5));
        write("script.sh", "#!/bin/sh\necho hi\n");
        QFile::setPermissions(work + "/script.sh", QFile::permissions(work + "/script.sh") | QFileDevice::ExeOwner);
        for (int i = 0; i < 600; ++i)
            write(QStringLiteral("deep/er/still/f%1.txt").arg(i), QByteArray::number(i) + "\n");
        QVERIFY(QFile::link("script.sh", work + "/link.sh"));
        GitRepoFactory::git({"add", "-A"}, work, &rc);
        GitRepoFactory::git({"commit", "-q", "-m", "special"}, work, &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"clone", "-q", "--bare", work, m_tmp.filePath("srv/special.git")}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);

        SyncHarness h;
        const QString ours = m_tmp.filePath("special-ours");
        const auto r = h.syncAndWait(h.spec("s", m_daemon.url("special.git"), ours), fastPolicy(2));
        QCOMPARE(r.outcome, core::Outcome::Cloned);
        const QString theirs = m_tmp.filePath("special-git");
        GitRepoFactory::git({"clone", "-q", m_daemon.url("special.git"), theirs}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);

        QCOMPARE(GitRepoFactory::git({"ls-files", "-s"}, ours, &rc), GitRepoFactory::git({"ls-files", "-s"}, theirs, &rc));
        GitRepoFactory::git({"diff-files", "--quiet"}, ours, &rc); // stat data in the index matches the files
        QCOMPARE(rc, 0);
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, ours, &rc), QString());
        QVERIFY(QFileInfo(ours + "/link.sh").isSymLink());
        QVERIFY(QFileInfo(ours + "/script.sh").permissions() & QFileDevice::ExeOwner);
        QFile bat(ours + "/run.bat");
        QVERIFY(bat.open(QIODevice::ReadOnly));
        QCOMPARE(bat.readAll(), QByteArray("echo one\r\necho two\r\n"));
        QFile nested(ours + "/deep/er/still/zz.crlf");
        QVERIFY(nested.open(QIODevice::ReadOnly));
        QCOMPARE(nested.readAll(), QByteArray("last\r\nfile\r\n"));
        for (const QString &name : {QString("data.bin"), QString("deep/er/still/f599.txt"), QString(".gitattributes")}) {
            QFile a(ours + "/" + name), b(theirs + "/" + name);
            QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
            QCOMPARE(a.readAll(), b.readAll());
        }
    }

    // Deltas that name their base by id (REF_DELTA, what servers send
    // without the ofs-delta capability) are resolved here too, not handed on.
    void refDeltasInsideThePackAreResolved()
    {
        const QByteArray pack = packOf(m_bare, {}, false, false);
        QVERIFY(!pack.isEmpty());
        const QString repo = m_tmp.filePath("refdelta.git");
        int rc = 0;
        GitRepoFactory::git({"init", "-q", "--bare", repo}, m_tmp.path(), &rc);
        const int indexedBefore = core::git::parallelIndexedPacks();
        const int thinBefore = core::git::completedThinPacks();
        QCOMPARE(writeThroughIndexer(repo, pack), 0);
        QCOMPARE(core::git::parallelIndexedPacks(), indexedBefore + 1);
        QCOMPARE(core::git::completedThinPacks(), thinBefore);
        const QStringList files = packFiles(repo);
        QCOMPARE(files.size(), 2);
        const QString idx = repo + "/objects/pack/" + files.first();
        QString packPath = idx;
        packPath.replace(".idx", ".pack");
        QVERIFY(GitRepoFactory::git({"verify-pack", "-v", idx}, m_tmp.path(), &rc).contains("chain length = 2"));
        const QString check = m_tmp.filePath("refdelta-check.idx");
        GitRepoFactory::git({"index-pack", "-o", check, packPath}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        QFile a(idx), b(check);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY(a.readAll() == b.readAll());
    }

    void corruptPackIsRefusedAndLeavesNothing()
    {
        QByteArray pack = packOf(m_bare, {});
        QVERIFY(pack.size() > 1000);
        const QString repo = m_tmp.filePath("corrupt.git");
        int rc = 0;
        GitRepoFactory::git({"init", "-q", "--bare", repo}, m_tmp.path(), &rc);
        pack[pack.size() / 2] = char(pack[pack.size() / 2] ^ 0x55);
        QVERIFY(writeThroughIndexer(repo, pack) < 0);
        QVERIFY(git_error_last() != nullptr);
        QVERIFY(packFiles(repo).isEmpty());

        const QByteArray whole = packOf(m_bare, {}); // pack-objects may choose other deltas each run
        const QByteArray truncated = whole.left(whole.size() - 100);
        QVERIFY(writeThroughIndexer(repo, truncated) < 0);
        QVERIFY2(QString::fromUtf8(git_error_last()->message).contains("early EOF"), git_error_last()->message);
        QVERIFY(packFiles(repo).isEmpty());
    }

    // A thin pack (deltas against objects the repository already has) is
    // what a later fetch can receive: our indexer completes it from the
    // object database (libgit2's loops on hostile ones, issue 14).
    void thinPackIsCompletedFromTheRepository()
    {
        const QString repo = m_tmp.filePath("thin.git");
        int rc = 0;
        GitRepoFactory::git({"clone", "-q", "--bare", m_bare, repo}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"update-ref", "refs/heads/main", "main~10"}, repo, &rc);
        GitRepoFactory::git({"reflog", "expire", "--expire=now", "--all"}, repo, &rc);
        GitRepoFactory::git({"tag", "-d", "v1"}, repo, &rc);
        GitRepoFactory::git({"gc", "-q", "--prune=now"}, repo, &rc);
        const QString newest = GitRepoFactory::revParse(m_bare, "main");
        QCOMPARE(GitRepoFactory::git({"cat-file", "-t", newest}, repo, &rc).trimmed(), QString());
        const QByteArray thin = packOf(m_bare, "main\n^main~10\n", true);
        QVERIFY(!thin.isEmpty());
        const int before = core::git::completedThinPacks();
        const int indexedBefore = core::git::parallelIndexedPacks();
        QCOMPARE(writeThroughIndexer(repo, thin), 0);
        QCOMPARE(core::git::completedThinPacks(), before + 1);
        QCOMPARE(core::git::parallelIndexedPacks(), indexedBefore + 1);
        QCOMPARE(GitRepoFactory::git({"cat-file", "-t", newest}, repo, &rc).trimmed(), QString("commit"));
        GitRepoFactory::git({"update-ref", "refs/heads/main", newest}, repo, &rc);
        GitRepoFactory::git({"fsck", "--full"}, repo, &rc);
        QCOMPARE(rc, 0);
        for (const QString &f : packFiles(repo))
            QVERIFY2(!f.startsWith("tmp_repodeck_"), qPrintable(f));
    }

    // The progress callback stops the work (a cancel or a timeout of the
    // attempt) while deltas are being resolved: an error, no pack left.
    void cancelWhileResolvingStopsAndLeavesNothing()
    {
        const QString repo = m_tmp.filePath("cancel.git");
        int rc = 0;
        GitRepoFactory::git({"init", "-q", "--bare", repo}, m_tmp.path(), &rc);
        const QByteArray pack = packOf(m_bare, {});
        auto stopWhenResolving = [](const git_indexer_progress *stats, void *) {
            return stats->received_objects == stats->total_objects && stats->total_deltas > 0 ? -7 : 0;
        };
        QCOMPARE(writeThroughIndexer(repo, pack, stopWhenResolving), -7);
        QVERIFY2(packFiles(repo).isEmpty(), qPrintable(packFiles(repo).join(' ')));
    }
};

QTEST_GUILESS_MAIN(TestIndexer)
#include "tst_indexer.moc"
