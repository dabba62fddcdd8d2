// Trees a hostile server sends, cloned through RepoDeck's parallel checkout
// (core/git/ParallelCheckout, CheckoutPlan): each is refused before anything
// is written, with the path and the reason, and nothing appears outside the
// clone's folder. Every row failed before the fix (docs/security.md,
// "Trees a server sends").
#include "SyncHarness.h"

#include "HostileTrees.h"
#include "HostileTreeServer.h"
#include "PackServer.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;

namespace {

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

// 'a' a link to `outside`, 3000 files 'a.NNNNN', then `last`: sorted as git
// sorts, so the two workers get one half each; the first writes the link at
// once, the second writes `last` (through 'a') after 1500 files.
QByteArray raceTree(TreeBuilder &b, const QByteArray &outside, const TreeEntry &last)
{
    QList<TreeEntry> entries{{"120000", "a", b.blob(outside)}};
    for (int i = 0; i < 3000; ++i)
        entries << file(b, "a." + QByteArray::number(i).rightJustified(5, '0'),
                        QByteArray::number(i));
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

    void addRow(const char *tag, TreeBuilder &b, const QByteArray &root, const QString &reason)
    {
        QByteArray tip;
        const QByteArray pack = b.pack(root, &tip);
        QTest::newRow(tag) << pack << tip << reason;
    }

private slots:
    void initTestCase()
    {
        QCOMPARE(core::initializeNetwork(), QString());
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
                   raceTree(b, out, file(b, "a/pwned", "through the link\n")),
                   "'a/pwned' has a '/' in its name");
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
                   b.tree({{"40000", QByteArray(".g\xe2\x80\x8cit"), dotgit}}),
                   "is .git as macOS reads it");
        }
        {
            TreeBuilder b; // cloned; git fsck refuses it (gitattributesSymlink)
            addRow(".gitattributes a link", b,
                   b.tree({{"120000", ".gitattributes", b.blob(out + "/attributes")}}),
                   "'.gitattributes' is a symbolic link named .gitmodules, .gitattributes");
        }
        {
            TreeBuilder b; // cloned as a/b; git fsck refuses it (fullPathname)
            addRow("a name with a slash", b, b.tree({file(b, "a/b")}),
                   "'a/b' has a '/' in its name");
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
            addRow("16.7 million files from 7 trees", b, t,
                   "takes the checkout past 1000000 entries");
        }
        {
            TreeBuilder b; // a fresh reviewer's: 999,000 files, 250 MB of paths, 1.1 GB peak
            QList<TreeEntry> files;
            for (int i = 0; i < 999; ++i)
                files << file(b, "f" + QByteArray::number(100000 + i) + QByteArray(43, 'y'), "");
            const QByteArray leaf = b.tree(files);
            QList<TreeEntry> folders;
            for (int i = 0; i < 1000; ++i)
                folders << TreeEntry{"40000",
                                     "d" + QByteArray::number(100000 + i) + QByteArray(193, 'x'),
                                     leaf};
            addRow("999,000 files with long paths", b, b.tree(folders),
                   "takes the paths past 64 MiB");
        }
        {
            TreeBuilder b; // cloned, then every sync said "local changes"
            const QByteArray sub = b.tree({file(b, "x")});
            addRow("entries out of order", b,
                   b.tree({file(b, ".gitignore"), file(b, "f"), {"40000", "d", sub}}),
                   "'d' is out of git's order in its folder");
            addRow("a file after a folder of its name and a dot", b,
                   b.tree({{"40000", "a", sub}, file(b, "a.txt")}),
                   "'a.txt' is out of git's order");
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
        qInfo("%s: %lld ms: %s", QTest::currentDataTag(), qint64(t.elapsed()),
              qPrintable(r.error.text()));
        const QStringList written = QDir(outside()).entryList(
            QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
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
            const QString out = GitRepoFactory::git(
                QStringList{"-c", "user.name=t", "-c", "user.email=t@t"} + args, bare, &rc);
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
        const QString first = git(
            {"commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "empty"});
        const QString bomb = git(
            {"commit-tree", QString::fromLatin1(tip) + "^{tree}", "-p", first, "-m", "bomb"});
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
            const auto cloned = h.syncAndWait(h.spec("b", daemon.url("bomb.git"), path), policy,
                                              60'000);
            QVERIFY2(cloned.outcome == core::Outcome::Cloned, qPrintable(cloned.error.text()));
            git({"update-ref", "refs/heads/main", bomb});
        }
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("b", daemon.url("bomb.git"), path), policy, 90'000);
        qInfo("%lld ms: %s", qint64(t.elapsed()), qPrintable(r.error.text()));
        QCOMPARE(r.outcome, core::Outcome::Failed);
        QVERIFY2(r.error.message.contains("takes the checkout past 1000000 entries"),
                 qPrintable(r.error.text()));
        QCOMPARE(r.error.category, core::ErrorCategory::Protocol);
        QVERIFY2(t.elapsed() < 30'000, qPrintable(QString::number(t.elapsed())));
        QVERIFY2(!QFileInfo::exists(path + "/00"), "the tree was checked out");
    }

    // What git checks out on Linux still clones: README and readme, a name
    // with a backslash, a link pointing out of the clone, a submodule.
    void ordinaryOddTreesStillClone()
    {
        TreeBuilder b;
        const QByteArray root = b.tree({file(b, "README", "upper\n"),
                                        file(b, "a\\b"),
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
