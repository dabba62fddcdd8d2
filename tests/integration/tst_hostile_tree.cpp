// Trees a hostile server sends, cloned through RepoDeck's parallel checkout
// (core/git/ParallelCheckout, CheckoutPlan): each is refused before anything
// is written, with the path and the reason, and nothing appears outside the
// clone's folder. Every row failed before the fix (docs/security.md,
// "Trees a server sends").
#include "SyncHarness.h"

#include "HostileTrees.h"
#include "PackServer.h"
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "git/GitLibrary.h"
#include "sync/CrashRecovery.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;

namespace {

core::RetryPolicy oneShot()
{
    core::RetryPolicy p = fastPolicy(1);
    p.attemptTimeout = core::Millis(60'000);
    p.checkpoint = core::Checkpoint::Never;
    return p;
}

TreeEntry file(TreeBuilder &b, const QByteArray &name, const QByteArray &content = "x\n")
{
    return {"100644", name, b.blob(content)};
}

// 16^6 files from 7 trees (a pack of under 2 KB).
QByteArray bombTree(TreeBuilder &b)
{
    QByteArray t = b.tree({file(b, "f")});
    for (int level = 0; level < 6; ++level) {
        QList<TreeEntry> entries;
        for (int i = 0; i < 16; ++i)
            entries << TreeEntry{"40000", QByteArray::number(i).rightJustified(2, '0'), t};
        t = b.tree(entries);
    }
    return t;
}

// 16^4 folders of 12 files each: 786,432 files (inside the limits) from 6
// objects. libgit2's checkout of it runs for minutes whatever the attempt's
// time; RepoDeck's writers stop with the attempt.
// 16^4 folders of `perFolder` files: 786,432 by default, from 6 objects.
QByteArray largeTree(TreeBuilder &b, int perFolder = 12, const QByteArray &content = "x\n")
{
    QList<TreeEntry> files;
    for (int i = 0; i < perFolder; ++i)
        files << file(b, "f" + QByteArray::number(i).rightJustified(2, '0'), content); // git's order
    QByteArray t = b.tree(files);
    for (int level = 0; level < 4; ++level) {
        QList<TreeEntry> entries;
        for (int i = 0; i < 16; ++i)
            entries << TreeEntry{"40000", QByteArray::number(i).rightJustified(2, '0'), t};
        t = b.tree(entries);
    }
    return t;
}

// 'a' a link to `outside`, 3000 files 'a.NNNNN', then `last`: sorted as git
// sorts, so the two workers get one half each; the first writes the link at
// once, the second writes `last` (through 'a') after 1500 files.
QByteArray raceTree(TreeBuilder &b, const QByteArray &outside, const TreeEntry &last)
{
    QList<TreeEntry> entries{{"120000", "a", b.blob(outside)}};
    for (int i = 0; i < 3000; ++i)
        entries << file(b, "a." + QByteArray::number(i).rightJustified(5, '0'), QByteArray::number(i));
    entries << last;
    return b.tree(entries);
}

} // namespace

class TestHostileTree : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    int m_counter = 0;

    QString outside() const { return m_tmp.filePath("outside"); }

    // A bare repository at `bare` whose main is a commit of `tree`, from
    // the builder's pack (git index-pack checks it).
    bool serveTree(const QString &bare, TreeBuilder &b, const QByteArray &tree, QString *error)
    {
        int rc = 0;
        auto git = [&](const QStringList &args) {
            const QString out = GitRepoFactory::git(QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args,
                                                    bare, &rc);
            if (rc != 0 && error->isEmpty())
                *error = "git " + args.join(' ') + ": " + out;
            return out.trimmed();
        };
        if (!QDir().mkpath(bare))
            return false;
        git({"init", "-q", "--bare", "."});
        QByteArray tip;
        QFile pack(bare + "/objects/pack/pack-tree.pack");
        const QByteArray bytes = b.pack(tree, &tip);
        if (!pack.open(QIODevice::WriteOnly) || pack.write(bytes) != bytes.size())
            return false;
        pack.close();
        git({"index-pack", "objects/pack/pack-tree.pack"});
        const QString commit = git({"commit-tree", QString::fromLatin1(tip) + "^{tree}", "-m", "tree"});
        git({"update-ref", "refs/heads/main", commit});
        git({"symbolic-ref", "HEAD", "refs/heads/main"});
        return error->isEmpty();
    }

    void addRow(const char *tag, TreeBuilder &b, const QByteArray &root, const QString &reason)
    {
        QByteArray tip;
        const QByteArray pack = b.pack(root, &tip);
        QTest::newRow(tag) << pack << tip << reason;
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::git::initialize(), QString());
        QVERIFY(QDir().mkpath(outside()));
    }

    void hostileTreeIsRefused_data()
    {
        QTest::addColumn<QByteArray>("pack");
        QTest::addColumn<QByteArray>("tip");
        QTest::addColumn<QString>("reason");
        const QByteArray out = outside().toUtf8();
        {
            // Wrote outside/pwned in about half the runs: a name with a '/'.
            TreeBuilder b;
            addRow("link, then a name with a slash through it", b,
                   raceTree(b, out, file(b, "a/pwned", "through the link\n")), "'a/pwned' has a '/' in its name");
        }
        {
            // The same through a second entry 'a', a folder.
            TreeBuilder b;
            const QByteArray sub = b.tree({file(b, "pwned", "through the link\n")});
            addRow("link, then a folder of the same name", b, raceTree(b, out, {"40000", "a", sub}),
                   "'a' appears twice in one folder");
        }
        {
            TreeBuilder b; // cloned, one of the two silently lost
            addRow("a file twice", b, b.tree({file(b, "a", "one\n"), file(b, "a", "two\n")}),
                   "'a' appears twice in one folder");
        }
        {
            TreeBuilder b; // cloned, the two folders merged
            const QByteArray one = b.tree({file(b, "x")}), two = b.tree({file(b, "pwned")});
            addRow("a folder twice", b, b.tree({{"40000", "a", one}, {"40000", "a", two}}),
                   "'a' appears twice in one folder");
        }
        {
            TreeBuilder b; // cloned; git refuses it (core.protectNTFS)
            const QByteArray dotgit = b.tree({file(b, "config", "[core]\n")});
            addRow(".git after a backslash", b, b.tree({{"40000", "x\\.git", dotgit}}),
                   "'x\\.git' is .git as Windows reads it");
        }
        {
            TreeBuilder b; // cloned; git fsck refuses it (hasDotgit)
            const QByteArray dotgit = b.tree({file(b, "config", "[core]\n")});
            addRow(".git with a zero-width non-joiner", b,
                   b.tree({{"40000", QByteArray(".g\xe2\x80\x8cit"), dotgit}}), "is .git as macOS reads it");
        }
        {
            TreeBuilder b; // cloned; git fsck refuses it (gitattributesSymlink)
            addRow(".gitattributes a link", b, b.tree({{"120000", ".gitattributes", b.blob(out + "/attributes")}}),
                   "'.gitattributes' is a symbolic link named .gitmodules, .gitattributes");
        }
        {
            TreeBuilder b; // cloned as a/b; git fsck refuses it (fullPathname)
            addRow("a name with a slash", b, b.tree({file(b, "a/b")}), "'a/b' has a '/' in its name");
        }
        {
            TreeBuilder b; // failed after 7 s on the path length, at mkdir
            QByteArray t = b.tree({file(b, "leaf")});
            for (int i = 0; i < 3000; ++i)
                t = b.tree({{"40000", "d", t}});
            addRow("3000 folders deep", b, t, "is more than 2048 folders deep");
        }
        {
            TreeBuilder b; // 16^6 files from 7 trees: 8.5 GB and no end after 120 s
            const QByteArray t = bombTree(b);
            addRow("16.7 million files from 7 trees", b, t, "takes the checkout past 1000000 entries");
        }
        {
            TreeBuilder b; // a fresh reviewer's: 999,000 files, 250 MB of paths, 1.1 GB peak
            QList<TreeEntry> files;
            for (int i = 0; i < 999; ++i)
                files << file(b, "f" + QByteArray::number(100000 + i) + QByteArray(43, 'y'), "");
            const QByteArray leaf = b.tree(files);
            QList<TreeEntry> folders;
            for (int i = 0; i < 1000; ++i)
                folders << TreeEntry{"40000", "d" + QByteArray::number(100000 + i) + QByteArray(193, 'x'), leaf};
            addRow("999,000 files with long paths", b, b.tree(folders), "takes the paths past 64 MiB");
        }
        {
            TreeBuilder b; // cloned, then every sync said "local changes"
            const QByteArray sub = b.tree({file(b, "x")});
            addRow("entries out of order", b, b.tree({file(b, ".gitignore"), file(b, "f"), {"40000", "d", sub}}),
                   "'d' is out of git's order in its folder");
            addRow("a file after a folder of its name and a dot", b,
                   b.tree({{"40000", "a", sub}, file(b, "a.txt")}), "'a.txt' is out of git's order");
        }
    }
    void hostileTreeIsRefused()
    {
        QFETCH(QByteArray, pack);
        QFETCH(QByteArray, tip);
        QFETCH(QString, reason);
        PackServer server;
        QVERIFY(server.start(pack, tip));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("t", server.url(), path), oneShot(), 90'000);
        qInfo("%s: %lld ms: %s", QTest::currentDataTag(), qint64(t.elapsed()), qPrintable(r.error.text()));
        const QStringList written = QDir(outside()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        QVERIFY2(written.isEmpty(), qPrintable("written outside the clone: " + written.join(' ')));
        QCOMPARE(r.outcome, core::Outcome::Failed);
        QVERIFY2(r.error.message.contains("refused the server's tree"), qPrintable(r.error.text()));
        QVERIFY2(r.error.message.contains(reason), qPrintable(r.error.text()));
        QCOMPARE(r.error.category, core::ErrorCategory::Protocol);
        QVERIFY2(t.elapsed() < 30'000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!QFileInfo::exists(path));
    }

    // The checkouts libgit2 does itself, a checkpointed clone's and a
    // fast-forward's, are held to the same limits: with the 16^6 tree (which
    // git fsck accepts) both ran past 120 s at 2.8 GB with a 5 s attempt
    // timeout, and the checkpointed path is one dropped connection away
    // under the default policy.
    void bombThroughLibgit2sCheckouts_data()
    {
        QTest::addColumn<bool>("checkpointed");
        QTest::newRow("checkpointed clone") << true;
        QTest::newRow("fast-forward") << false;
    }
    void bombThroughLibgit2sCheckouts()
    {
        QFETCH(bool, checkpointed);
        const QString srv = m_tmp.filePath(QStringLiteral("srv-%1").arg(++m_counter));
        const QString bare = srv + "/bomb.git";
        int rc = 0;
        auto git = [&](const QStringList &args) {
            const QString out = GitRepoFactory::git(QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args,
                                                    bare, &rc);
            return out.trimmed();
        };
        QVERIFY(QDir().mkpath(bare));
        git({"init", "-q", "--bare", "."});
        TreeBuilder b;
        QByteArray tip;
        {
            QFile pack(bare + "/objects/pack/pack-bomb.pack");
            QVERIFY(pack.open(QIODevice::WriteOnly));
            const QByteArray bytes = b.pack(bombTree(b), &tip);
            QCOMPARE(pack.write(bytes), bytes.size());
        }
        git({"index-pack", "objects/pack/pack-bomb.pack"});
        QCOMPARE(rc, 0);
        const QString first = git({"commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "empty"});
        const QString bomb = git({"commit-tree", QString::fromLatin1(tip) + "^{tree}", "-p", first, "-m", "bomb"});
        QCOMPARE(rc, 0);
        git({"update-ref", "refs/heads/main", checkpointed ? bomb : first});
        QCOMPARE(rc, 0);
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        core::RetryPolicy policy = oneShot();
        policy.attemptTimeout = core::Millis(10'000);
        if (checkpointed) {
            policy.checkpoint = core::Checkpoint::Always;
        } else {
            const auto cloned = h.syncAndWait(h.spec("b", daemon.url("bomb.git"), path), policy, 60'000);
            QVERIFY2(cloned.outcome == core::Outcome::Cloned, qPrintable(cloned.error.text()));
            git({"update-ref", "refs/heads/main", bomb});
        }
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("b", daemon.url("bomb.git"), path), policy, 90'000);
        qInfo("%lld ms: %s", qint64(t.elapsed()), qPrintable(r.error.text()));
        QCOMPARE(r.outcome, core::Outcome::Failed);
        QVERIFY2(r.error.message.contains("takes the checkout past 1000000 entries"), qPrintable(r.error.text()));
        QCOMPARE(r.error.category, core::ErrorCategory::Protocol);
        QVERIFY2(t.elapsed() < 30'000, qPrintable(QString::number(t.elapsed())));
        QVERIFY2(!QFileInfo::exists(path + "/00"), "the tree was checked out");
    }

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
        QVERIFY2(serveTree(bare, b, largeTree(b, 14, QByteArray(64 << 20, '\0')), &error), qPrintable(error));
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        const auto spec = h.spec("h", daemon.url("huge.git"), path);
        core::RetryPolicy policy = fastPolicy(3);
        policy.attemptTimeout = core::Millis(20'000);
        policy.checkpoint = how == "checkpointed" ? core::Checkpoint::Always : core::Checkpoint::Never;
        if (how == "ff") {
            auto inBare = [&](const QStringList &args, const QByteArray &input = {}) {
                return QString::fromUtf8(GitRepoFactory::gitWithInput(
                                             QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args, bare, input))
                    .trimmed();
            };
            const QString huge = inBare({"rev-parse", "main"});
            const QString blob = inBare({"hash-object", "-w", "--stdin"}, "small\n");
            const QString tree = inBare({"mktree"}, ("100644 blob " + blob + "\tsmall.txt\n").toUtf8());
            const QString small = inBare({"commit-tree", tree, "-m", "small"});
            const QString next = inBare({"commit-tree", huge + "^{tree}", "-p", small, "-m", "huge"});
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
        QVERIFY2(serveTree(srv + "/resume.git", b, largeTree(b, 2), &error), qPrintable(error)); // 131,072 files
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
        QVERIFY(!QFileInfo::exists(partial + "/15/15/15/15/f01"));
        const int connections = proxy.totalConnections();

        const auto r = h.syncAndWait(spec, policy, 120'000);
        QVERIFY2(r.outcome == core::Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(proxy.totalConnections(), connections);
        QVERIFY2(r.detail.contains("fetched everything"), qPrintable(r.detail));
        QVERIFY(!QFileInfo::exists(partial));
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, path), QString());
        QCOMPARE(GitRepoFactory::git({"ls-files"}, path).count('\n'), 131'072);
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
        QVERIFY2(serveTree(bare, b, largeTree(b, 2), &error), qPrintable(error)); // 131,072 files
        auto inBare = [&](const QStringList &args) {
            return GitRepoFactory::git(QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args, bare).trimmed();
        };
        // The first commit has two files (f00, f01); the second replaces
        // them with the large tree.
        const QString large = inBare({"rev-parse", "main"});
        const QString first = inBare({"commit-tree", large + "^{tree}:00/00/00/00", "-m", "small"});
        const QString second = inBare({"commit-tree", large + "^{tree}", "-p", first, "-m", "large"});
        inBare({"update-ref", "refs/heads/main", first});
        GitDaemonServer daemon;
        QVERIFY(daemon.start(srv));
        SyncHarness h;
        const QString path = m_tmp.filePath(QStringLiteral("clone-%1").arg(++m_counter));
        const auto spec = h.spec("ff", daemon.url("ff.git"), path);
        QVERIFY(h.syncAndWait(spec, oneShot(), 60'000).outcome == core::Outcome::Cloned);
        inBare({"update-ref", "refs/heads/main", second});

        core::RetryPolicy quick = oneShot();
        quick.attemptTimeout = core::Millis(2'000);
        QElapsedTimer t;
        t.start();
        const auto stopped = h.syncAndWait(spec, quick, 90'000);
        qInfo("stopped after %lld ms: %s", qint64(t.elapsed()), qPrintable(stopped.error.text()));
        QCOMPARE(stopped.outcome, core::Outcome::Failed);
        QCOMPARE(stopped.error.category, core::ErrorCategory::Timeout);
        // libgit2 alone wrote every file first (about 8 s here).
        QVERIFY2(t.elapsed() < 8'000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(GitRepoFactory::git({"rev-parse", "HEAD"}, path).trimmed(), first);
        QVERIFY(QFileInfo::exists(path + "/.git/repodeck-fast-forward"));
        // No file is left half written: each is the new commit's.
        const QStringList changed = GitRepoFactory::git({"status", "--porcelain", "-uall"}, path).split('\n', Qt::SkipEmptyParts);
        qInfo("%lld paths differ from HEAD after the stop", qint64(changed.size()));
        QVERIFY(changed.size() < 131'072 + 2);
        for (int i = 0; i < changed.size(); i += 997) {
            const QString file = changed[i].mid(3);
            if (changed[i].startsWith("??"))
                QCOMPARE(QFileInfo(path + "/" + file).size(), qint64(2)); // "x\n"
        }

        // The user's change meanwhile: kept, named, the branch not moved.
        QFile mine(path + "/f01");
        QVERIFY(mine.open(QIODevice::WriteOnly) && mine.write("mine\n") == 5);
        mine.close();
        const auto kept = h.syncAndWait(spec, oneShot(), 90'000);
        QCOMPARE(kept.outcome, core::Outcome::FetchedOnly);
        QVERIFY2(kept.detail.contains("f01") && kept.detail.contains("stopped while updating"), qPrintable(kept.detail));
        QCOMPARE(GitRepoFactory::git({"rev-parse", "HEAD"}, path).trimmed(), first);
        QVERIFY(mine.open(QIODevice::ReadOnly));
        QCOMPARE(mine.readAll(), QByteArray("mine\n"));
        mine.close();

        QVERIFY(QFile::remove(path + "/f01"));
        const auto r = h.syncAndWait(spec, oneShot(), 120'000);
        QVERIFY2(r.outcome == core::Outcome::Updated, qPrintable(r.error.text() + r.detail));
        QVERIFY2(r.detail.contains("earlier sync had stopped"), qPrintable(r.detail));
        QCOMPARE(GitRepoFactory::git({"rev-parse", "HEAD"}, path).trimmed(), second);
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain", "-uall"}, path), QString());
        QCOMPARE(GitRepoFactory::git({"ls-files"}, path).count('\n'), 131'072);
        QVERIFY(!QFileInfo::exists(path + "/.git/repodeck-fast-forward"));
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
    }

    // What git checks out on Linux still clones: README and readme, a name
    // with a backslash, a link pointing out of the clone, a submodule.
    void ordinaryOddTreesStillClone()
    {
        TreeBuilder b;
        const QByteArray root = b.tree({file(b, "README", "upper\n"), file(b, "a\\b"),
                                        {"120000", "l", b.blob(outside().toUtf8() + "/via-link")},
                                        file(b, "readme", "lower\n"),
                                        {"160000", "sub", QByteArray(20, '\x33')}});
        QByteArray tip;
        PackServer server;
        QVERIFY(server.start(b.pack(root, &tip), tip));
        SyncHarness h;
        const QString path = m_tmp.filePath("ordinary");
        const auto r = h.syncAndWait(h.spec("o", server.url(), path), oneShot(), 60'000);
        QVERIFY2(r.outcome == core::Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(QFileInfo(path + "/l").symLinkTarget(), outside() + "/via-link");
        QVERIFY(QFileInfo(path + "/sub").isDir());
        QVERIFY(QDir(outside()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestHostileTree)
#include "tst_hostile_tree.moc"
