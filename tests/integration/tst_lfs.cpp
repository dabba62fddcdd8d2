// Git LFS: a working copy gets the content of its LFS files, not pointer
// files, through the user's own git-lfs, as part of the attempt (limits,
// cancel, classification, retries). Real git-lfs against a file:// store
// (its standalone transfer agent) and a batch-API server with faults.
#include "SyncHarness.h"

#include "GitDaemonServer.h"
#include "LfsServer.h"
#include "TestEnvironment.h"
#include "net/NetworkSetup.h"
#include "sync/LfsStep.h"

#include <QtTest>

#include <QRandomGenerator>

using namespace repodeck;
using namespace repodeck::test;
using core::ErrorCategory;
using core::Outcome;

class TestLfs : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_root;
    GitDaemonServer m_daemon;
    int m_counter = 0;

    struct Upstream
    {
        QString name;
        QString bare;
        QString src;  // a working copy with git-lfs, where the test makes commits
        QString url;  // git:// for RepoDeck
        QString work; // RepoDeck's working copy
    };

    // Runs a program with the test's environment (isolated git config with
    // the git-lfs filters, as `git lfs install` writes them).
    static QString run(const QString &program, const QStringList &args, const QString &dir,
                       int *rc = nullptr)
    {
        QProcess p;
        p.setWorkingDirectory(dir);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(program, args);
        p.waitForFinished(60'000);
        const int code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        const QString out = QString::fromUtf8(p.readAll());
        if (rc)
            *rc = code;
        else if (code != 0)
            qWarning() << program << args << "failed:" << out;
        return out;
    }
    static QString git(const QString &dir, const QStringList &args, int *rc = nullptr)
    {
        return run(QStringLiteral("git"), args, dir, rc).trimmed();
    }

    static QByteArray random(int size)
    {
        QByteArray b(size, Qt::Uninitialized);
        for (char &c : b)
            c = static_cast<char>(QRandomGenerator::global()->bounded(256));
        return b;
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
    static bool isPointer(const QString &path)
    {
        return readFile(path).startsWith("version https://git-lfs.github.com/spec/v1");
    }

    // A bare repository served by git daemon whose LFS files live at
    // `lfsUrl` (empty: a file:// store in the bare repository itself), named
    // by a committed .lfsconfig, as a team would set it up.
    Upstream upstream(const QString &lfsUrl = QString())
    {
        Upstream u;
        u.name = QStringLiteral("lfs%1").arg(++m_counter);
        u.bare = m_root + QLatin1Char('/') + u.name + QStringLiteral(".git");
        u.src = m_tmp.filePath(QStringLiteral("src/") + u.name);
        u.url = m_daemon.url(u.name + QStringLiteral(".git"));
        u.work = m_tmp.filePath(QStringLiteral("work/") + u.name);
        QDir().mkpath(u.src);
        git(m_root, {"init", "-q", "--bare", "-b", "main", u.bare});
        git(u.src, {"init", "-q", "-b", "main"});
        git(u.src, {"lfs", "track", "*.bin"});
        const QString url = lfsUrl.isEmpty() ? QUrl::fromLocalFile(u.bare).toString() : lfsUrl;
        writeFile(u.src + "/.lfsconfig", "[lfs]\n\turl = " + url.toUtf8() + "\n");
        writeFile(u.src + "/a.bin", random(300'000));
        writeFile(u.src + "/b.bin", random(120'000));
        writeFile(u.src + "/readme.txt", "plain file\n");
        git(u.src, {"add", "."});
        git(u.src, {"commit", "-q", "-m", "with LFS files"});
        git(u.src, {"remote", "add", "origin", u.bare});
        push(u, lfsUrl.isEmpty());
        return u;
    }
    // Pushes the commits; with a file:// store also the LFS objects (a
    // batch-API test server takes the objects from the source instead).
    void push(const Upstream &u, bool withLfs)
    {
        if (withLfs) {
            git(u.src, {"push", "-q", "origin", "main"});
            git(u.src, {"lfs", "push", "--all", "origin"});
        } else {
            git(u.src, {"push", "-q", "--no-verify", "origin", "main"});
        }
    }

    core::RepoSpec spec(SyncHarness &h, const Upstream &u) { return h.spec(u.name, u.url, u.work); }

    // Tests that count attempts exactly: a stall limit no busy machine hits.
    static core::RetryPolicy policy()
    {
        auto p = fastPolicy();
        p.stallTimeout = core::Millis(10'000);
        return p;
    }

    void expectContent(const Upstream &u, const QStringList &files)
    {
        for (const QString &f : files) {
            QVERIFY2(!isPointer(u.work + '/' + f), qPrintable(f + " is still a pointer file"));
            QVERIFY2(readFile(u.work + '/' + f) == readFile(u.src + '/' + f), qPrintable(f));
        }
        QCOMPARE(git(u.work, {"status", "--porcelain"}), QString());
    }

    // Phases seen in the progress of `name`.
    struct PhaseSpy
    {
        QList<core::TransferProgress> lfs;
    };
    static void watch(SyncHarness &h, PhaseSpy *spy)
    {
        QObject::connect(&h.scheduler, &core::Scheduler::progress, &h,
                         [spy](const QString &, const core::TransferProgress &p) {
            if (p.phase == core::Phase::Lfs)
                spy->lfs << p;
        });
    }

private slots:
    void initTestCase()
    {
        REPODECK_REQUIRE_TOOL("git-lfs", "apt install git-lfs; dev.sh installs it");
        QCOMPARE(core::initializeNetwork(), QString());
        // The user's git configuration as `git lfs install` leaves it, and
        // nothing of the developer's own.
        const QString config = m_tmp.filePath(QStringLiteral("gitconfig"));
        writeFile(
            config,
            "[filter \"lfs\"]\n\tclean = git-lfs clean -- %f\n\tsmudge = git-lfs smudge -- %f\n"
            "\tprocess = git-lfs filter-process\n\trequired = true\n"
            "[user]\n\tname = LFS Test\n\temail = lfs@example.invalid\n"
            "[protocol \"file\"]\n\tallow = always\n[gc]\n\tauto = 0\n");
        QVERIFY(isolateProcessEnvironment(m_tmp.filePath(QStringLiteral("home"))));
        qputenv("GIT_CONFIG_GLOBAL", QFile::encodeName(config));
        m_root = m_tmp.filePath(QStringLiteral("srv"));
        QDir().mkpath(m_root);
        QVERIFY(m_daemon.start(m_root));
    }

    // The file:// store through git-lfs's standalone transfer agent.
    void cloneGetsContentNotPointers()
    {
        const Upstream u = upstream();
        QVERIFY(QFileInfo(u.bare + "/lfs/objects").isDir());
        SyncHarness h;
        PhaseSpy phases;
        watch(h, &phases);
        const auto r = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Cloned);
        expectContent(u, {"a.bin", "b.bin"});
        QCOMPARE(readFile(u.work + "/readme.txt"), QByteArray("plain file\n"));
        QVERIFY(!phases.lfs.isEmpty());
        QVERIFY(!QFileInfo::exists(u.work + "/.git/repodeck-lfs-pending"));
        QVERIFY(!QFileInfo::exists(u.work + "/.git/repodeck-lfs-progress"));
    }

    void updateBringsChangedLfsFiles()
    {
        const Upstream u = upstream();
        SyncHarness h;
        QCOMPARE(h.syncAndWait(spec(h, u), fastPolicy()).outcome, Outcome::Cloned);
        writeFile(u.src + "/a.bin", random(200'000));
        writeFile(u.src + "/c.bin", random(50'000));
        git(u.src, {"add", "."});
        git(u.src, {"commit", "-q", "-m", "change LFS files"});
        push(u, true);
        const auto r = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Updated);
        QCOMPARE(git(u.work, {"rev-parse", "HEAD"}), git(u.src, {"rev-parse", "HEAD"}));
        expectContent(u, {"a.bin", "b.bin", "c.bin"});
        // A sync with nothing new does not run git-lfs again (nothing owed).
        const auto again = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(again.outcome, Outcome::UpToDate);
    }

    // git-lfs runs git in the repository, which honours its own config: an
    // imported repository's core.fsmonitor would run a program on every LFS
    // step. Such a repository is fetched, git-lfs is not run.
    void repositoryConfigThatRunsProgramsBlocksTheLfsStep()
    {
        const Upstream u = upstream();
        SyncHarness h;
        QCOMPARE(h.syncAndWait(spec(h, u), fastPolicy()).outcome, Outcome::Cloned);
        const QString ran = m_tmp.filePath(
            QStringLiteral("fsmonitor-ran-%1").arg(QFileInfo(u.work).fileName()));
        git(u.work, {"config", "core.fsmonitor", "touch '" + ran + "'; false"});
        writeFile(u.src + "/a.bin", random(100'000));
        git(u.src, {"add", "."});
        git(u.src, {"commit", "-q", "-m", "change an LFS file"});
        push(u, true);
        const auto r = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(r.outcome, Outcome::FetchedOnly);
        QCOMPARE(r.reason, QString("lfs_unsafe_config"));
        QVERIFY2(r.detail.contains("core.fsmonitor"), qPrintable(r.detail));
        QVERIFY(!QFileInfo::exists(ran));
    }

    // No git-lfs: fetched_only/lfs_unavailable naming the package, never a
    // silent "cloned" with pointers. Once it is installed, the next sync
    // brings the files and leaves a file the user changed meanwhile alone.
    void withoutGitLfsThenWithIt()
    {
        const Upstream u = upstream();
        const QString bin = m_tmp.filePath(QStringLiteral("nolfs-bin"));
        QDir().mkpath(bin);
        QVERIFY(QFile::link(QStandardPaths::findExecutable(QStringLiteral("git")), bin + "/git"));
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", QFile::encodeName(bin));
        SyncHarness h;
        const auto r = h.syncAndWait(spec(h, u), fastPolicy());
        qputenv("PATH", path);
        QCOMPARE(r.outcome, Outcome::FetchedOnly);
        QCOMPARE(r.reason, QStringLiteral("lfs_unavailable"));
        QVERIFY2(r.detail.contains(QStringLiteral("git-lfs package")), qPrintable(r.detail));
        QVERIFY(isPointer(u.work + "/a.bin"));
        QCOMPARE(h.attempts.value(u.name).size(), 1);

        // The user edits a file that is still a pointer; git-lfs is back.
        writeFile(u.work + "/a.bin", "my own work\n");
        const auto again = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(again.outcome, Outcome::Cloned);
        QCOMPARE(readFile(u.work + "/a.bin"), QByteArray("my own work\n"));
        QVERIFY(!isPointer(u.work + "/b.bin"));
        QCOMPARE(readFile(u.work + "/b.bin"), readFile(u.src + "/b.bin"));
        QCOMPARE(git(u.work, {"status", "--porcelain"}), QStringLiteral("M a.bin"));
    }

    // git-lfs installed but `git lfs install` never run: no clean filter in
    // the user's config. The repository gets git-lfs's filters (as `git lfs
    // install --local` writes them) so that `git status` is clean.
    void withoutGlobalFiltersStatusIsStillClean()
    {
        const Upstream u = upstream();
        const QByteArray global = qgetenv("GIT_CONFIG_GLOBAL");
        const QString bare = m_tmp.filePath(QStringLiteral("gitconfig-nofilter"));
        writeFile(bare, "[user]\n\tname = LFS Test\n\temail = lfs@example.invalid\n");
        qputenv("GIT_CONFIG_GLOBAL", QFile::encodeName(bare));
        SyncHarness h;
        const auto r = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(r.outcome, Outcome::Cloned);
        expectContent(u, {"a.bin", "b.bin"});
        QVERIFY(!git(u.work, {"config", "--local", "filter.lfs.clean"}).isEmpty());
        qputenv("GIT_CONFIG_GLOBAL", global);
    }

    // A modified LFS file in a clone that has its content: an update that
    // does not touch it, and the user's version stays.
    void locallyModifiedLfsFileIsLeftAlone()
    {
        const Upstream u = upstream();
        SyncHarness h;
        QCOMPARE(h.syncAndWait(spec(h, u), fastPolicy()).outcome, Outcome::Cloned);
        writeFile(u.work + "/b.bin", "edited by the user\n");
        writeFile(u.src + "/a.bin", random(10'000));
        git(u.src, {"commit", "-q", "-am", "upstream change"});
        push(u, true);
        const auto r = h.syncAndWait(spec(h, u), fastPolicy());
        QCOMPARE(r.outcome, Outcome::FetchedOnly);
        QCOMPARE(r.reason, QStringLiteral("dirty"));
        QCOMPARE(readFile(u.work + "/b.bin"), QByteArray("edited by the user\n"));
    }

    void http503IsRetried()
    {
        LfsServer server;
        QVERIFY(server.start());
        const Upstream u = upstream(server.url());
        QCOMPARE(server.addObjectsFrom(u.src + "/.git/lfs/objects"), 2);
        server.failBatch(503, 1);
        SyncHarness h;
        PhaseSpy phases;
        watch(h, &phases);
        const auto r = h.syncAndWait(spec(h, u), policy());
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 2);
        const auto first = h.attempts.value(u.name).first().error;
        QCOMPARE(first.category, ErrorCategory::Server);
        QVERIFY2(first.text().contains(QStringLiteral("503")), qPrintable(first.text()));
        QCOMPARE(server.batchRequests(), 2);
        QCOMPARE(server.objectsServed(), 2);
        expectContent(u, {"a.bin", "b.bin"});
        // Files and bytes, as git-lfs reported them.
        QVERIFY(!phases.lfs.isEmpty());
        const core::TransferProgress last = phases.lfs.last();
        QCOMPARE(last.totalObjects, quint64(2));
        QCOMPARE(last.receivedObjects, quint64(2));
        QCOMPARE(last.receivedBytes, quint64(420'000));
        QCOMPARE(last.totalBytes, quint64(420'000));
    }

    void http401IsPermanentAndNamesNoSecret()
    {
        LfsServer server;
        QVERIFY(server.start());
        QString url = server.url();
        url.replace(QStringLiteral("http://"), QStringLiteral("http://alice:s3cr3t-token@"));
        const Upstream u = upstream(url);
        server.addObjectsFrom(u.src + "/.git/lfs/objects");
        server.failBatch(401, 1000);
        SyncHarness h;
        const auto r = h.syncAndWait(spec(h, u), policy());
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::Auth);
        QVERIFY(!r.error.transient);
        QCOMPARE(r.attempts, 1);
        QCOMPARE(server.objectRequests(), 0);
        QVERIFY2(!r.error.text().contains(QStringLiteral("s3cr3t")), qPrintable(r.error.text()));
        QVERIFY2(r.error.text().contains(QStringLiteral("Git LFS")), qPrintable(r.error.text()));
        QVERIFY2(r.error.text().contains(QStringLiteral("credential")), qPrintable(r.error.text()));
        QVERIFY(isPointer(u.work + "/a.bin"));
        // Still owed: a later sync brings the files once access works.
        QVERIFY(QFileInfo::exists(u.work + "/.git/repodeck-lfs-pending"));
        server.failBatch(0, 0);
        QCOMPARE(h.syncAndWait(spec(h, u), policy()).outcome, Outcome::Cloned);
        expectContent(u, {"a.bin", "b.bin"});
    }

    // An object the server does not have: permanent, and named.
    void missingObjectIsPermanent()
    {
        LfsServer server;
        QVERIFY(server.start());
        const Upstream u = upstream(server.url()); // no objects loaded
        SyncHarness h;
        const auto r = h.syncAndWait(spec(h, u), policy());
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.error.category, ErrorCategory::NotFound);
        QVERIFY(!r.error.transient);
        QCOMPARE(r.attempts, 1);
        QCOMPARE(server.batchRequests(), 1);
        QVERIFY2(r.error.text().contains(QStringLiteral("git lfs push")),
                 qPrintable(r.error.text()));
    }

    // A download that stops halfway: the stall limit kills git-lfs, the
    // retry fetches only the object that did not finish.
    void stallIsATimeoutAndRetryFetchesOnlyWhatIsMissing()
    {
        LfsServer server;
        QVERIFY(server.start());
        const Upstream u = upstream(server.url());
        server.addObjectsFrom(u.src + "/.git/lfs/objects");
        server.setObjectFault(LfsServer::ObjectFault::StallHalfway, 1);
        auto policy = fastPolicy();
        policy.stallTimeout = core::Millis(3000);
        SyncHarness h;
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(spec(h, u), policy);
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, 2);
        QCOMPARE(h.attempts.value(u.name).first().error.category, ErrorCategory::Timeout);
        QVERIFY2(t.elapsed() < 20'000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(server.objectsServed(), 2);  // each object once in full
        QCOMPARE(server.objectRequests(), 3); // 2, then only the missing one
        expectContent(u, {"a.bin", "b.bin"});
    }

    // git-lfs itself tries an object twice at most (lfs.transfer.maxretries
    // is set to its minimum, 1): one cut is absorbed inside the attempt; an
    // object cut on both tries fails it as a transient network error that the
    // policy retries.
    void cutMidObjectIsRetried_data()
    {
        QTest::addColumn<int>("cuts");
        QTest::addColumn<int>("attempts");
        QTest::newRow("one cut") << 1 << 1;
        // Both objects (downloaded in parallel) cut on both of their tries.
        QTest::newRow("four cuts") << 4 << 2;
    }
    void cutMidObjectIsRetried()
    {
        QFETCH(int, cuts);
        QFETCH(int, attempts);
        LfsServer server;
        QVERIFY(server.start());
        const Upstream u = upstream(server.url());
        server.addObjectsFrom(u.src + "/.git/lfs/objects");
        server.setObjectFault(LfsServer::ObjectFault::CutHalfway, cuts);
        SyncHarness h;
        const auto r = h.syncAndWait(spec(h, u), policy());
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(r.attempts, attempts);
        if (attempts > 1) {
            const auto first = h.attempts.value(u.name).first().error;
            QVERIFY2(first.transient, qPrintable(first.text()));
            QCOMPARE(first.category, ErrorCategory::Network);
        }
        QCOMPARE(server.objectsServed(), 2);
        QCOMPARE(server.objectRequests(), 2 + cuts);
        expectContent(u, {"a.bin", "b.bin"});
    }

    void cancelDuringLfsKillsTheChild()
    {
#ifndef Q_OS_LINUX
        QSKIP("reads /proc to find the child");
#endif
        LfsServer server;
        QVERIFY(server.start());
        const Upstream u = upstream(server.url());
        server.addObjectsFrom(u.src + "/.git/lfs/objects");
        server.setObjectFault(LfsServer::ObjectFault::StallHalfway);
        auto policy = fastPolicy();
        policy.stallTimeout = core::Millis(60'000);
        SyncHarness h;
        h.scheduler.sync(spec(h, u), policy);
        QTRY_VERIFY_WITH_TIMEOUT(server.objectRequests() >= 1, 20'000);
        auto childrenIn = [](const QString &dir) {
            int n = 0;
            const QString canonical = QFileInfo(dir).canonicalFilePath();
            for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
                if (pid.toInt() <= 0)
                    continue;
                const QFileInfo exe(QStringLiteral("/proc/%1/exe").arg(pid));
                if (exe.symLinkTarget().endsWith(QLatin1String("git-lfs"))
                    && QFileInfo(QStringLiteral("/proc/%1/cwd").arg(pid)).canonicalFilePath()
                           == canonical)
                    ++n;
            }
            return n;
        };
        QCOMPARE(childrenIn(u.work), 1);
        QElapsedTimer t;
        t.start();
        h.scheduler.cancel(u.name);
        const auto r = h.waitFor(u.name, 10'000);
        QCOMPARE(r.outcome, Outcome::Cancelled);
        QVERIFY2(t.elapsed() < 2'000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(childrenIn(u.work), 0);
        QVERIFY(isPointer(u.work + "/a.bin") || isPointer(u.work + "/b.bin"));
    }

    // Mirrors keep every LFS object of every ref when the policy says so.
    void mirrorFetchesAllLfsObjects()
    {
        const Upstream u = upstream();
        const QString oldOid = git(u.src, {"lfs", "ls-files", "--long"})
                                   .split('\n')
                                   .filter("a.bin")
                                   .first()
                                   .section(' ', 0, 0);
        writeFile(u.src + "/a.bin", random(20'000));
        git(u.src, {"commit", "-q", "-am", "newer a.bin"});
        push(u, true);
        SyncHarness h;
        auto policy = fastPolicy();
        policy.lfsFetchAll = true;
        const QString mirror = m_tmp.filePath("work/" + u.name + "-mirror.git");
        const auto r = h.syncAndWait(h.spec(u.name, u.url, mirror, core::RepoMode::Mirror), policy);
        QCOMPARE(r.outcome, Outcome::Cloned);
        QCOMPARE(oldOid.size(), 64);
        const QString stored = QStringLiteral("%1/lfs/objects/%2/%3/%4")
                                   .arg(mirror, oldOid.left(2), oldOid.mid(2, 2), oldOid);
        QVERIFY2(QFileInfo::exists(stored), qPrintable(stored));
        // Without the option a mirror stays as git makes it.
        const QString plain = m_tmp.filePath("work/" + u.name + "-plain.git");
        QCOMPARE(h.syncAndWait(h.spec(u.name + "p", u.url, plain, core::RepoMode::Mirror),
                               fastPolicy())
                     .outcome,
                 Outcome::Cloned);
        QVERIFY(!QFileInfo::exists(plain + "/lfs/objects"));
    }

    void policyJsonKeepsOldFilesWorking()
    {
        QString error;
        const auto old = core::RetryPolicy::fromJson("p", QJsonObject{{"max_attempts", 3}}, &error);
        QCOMPARE(error, QString());
        QVERIFY(!old.lfsFetchAll);
        QVERIFY(!old.toJson().contains("lfs_fetch_all"));
        auto p = old;
        p.lfsFetchAll = true;
        const auto back = core::RetryPolicy::fromJson("p", p.toJson(), &error);
        QCOMPARE(error, QString());
        QVERIFY(back.lfsFetchAll);
        QVERIFY(back == p);
        core::RetryPolicy::fromJson("p", QJsonObject{{"lfs_fetch_all", "yes"}}, &error);
        QVERIFY(error.contains("lfs_fetch_all"));
    }

    void redactsCredentialsInGitLfsOutput()
    {
        QCOMPARE(core::redactLfsOutput("batch: https://bob:tok3n@lfs.example/x failed"),
                 QStringLiteral("batch: https://lfs.example/x failed"));
    }
};

QTEST_MAIN(TestLfs)
#include "tst_lfs.moc"
