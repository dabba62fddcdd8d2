// Checkpointed clone: a large history with many tags, through a link that
// cuts every connection after a few megabytes. Plain `git clone` can never
// finish; RepoDeck must, with a result identical to a plain clone.
#include "SyncHarness.h"

#include "CheckpointHistories.h"
#include "FaultProxy.h"
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"
#include "sync/CheckpointedClone.h"
#include "sync/CheckpointedFetch.h"
#include "sync/CrashRecovery.h"

#include <QRandomGenerator>
#include <functional>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::test;
using core::Outcome;

using namespace repodeck::test::checkpoint;

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
        const QString out = GitRepoFactory::git(
            {"for-each-ref", "--format=%(refname) %(objectname) %(symref)"}, repo, &rc);
        return out.split('\n', Qt::SkipEmptyParts);
    }

    // Clones `bare` through a link that cuts every connection after `cut`
    // bytes, checks the result against a plain clone over the clean link and
    // returns the bytes the link carried (-1 on failure, with a QTest failure).
    // With `schedule` instead, the first cuts are as it says.
    // With `firstCut`, the link cuts sooner until two connections were cut
    // (the plain attempt and the first step), then after `cut`. Each cut
    // delivers all its bytes, however slowly the client reads (a reset
    // throws away what it had not taken yet: under load the first attempts
    // got less than 1 MiB of 1.5 MB and the bounds below did not hold), so
    // the schedule is the same on every run.
    qint64 cloneThrough(const QString &bare, qint64 cut, const QString &tag, qint64 firstCut = 0,
                        const QList<FaultProxy::ScheduledCut> &schedule = {})
    {
        FaultProxy proxy;
        if (!proxy.start(m_daemon.port()))
            return -1;
        const QString name = QFileInfo(bare).fileName();
        const QString path = m_tmp.filePath("work/" + tag);
        SyncHarness h;
        auto p = policy(core::Checkpoint::Auto);
        proxy.setCutAfterBytes(cut);
        proxy.setCutDeliversAll(true);
        if (firstCut > 0)
            proxy.setCutSchedule({{firstCut, 0}, {firstCut, 0}});
        else if (!schedule.isEmpty())
            proxy.setCutSchedule(schedule);
        p.maxAttempts = 20;
        const auto r = h.syncAndWait(h.spec(tag, proxy.url("git", name), path), p, 180'000);
        [&] { QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text())); }();
        if (r.outcome != Outcome::Cloned)
            return -1;
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        [&] { QCOMPARE(rc, 0); }();
        const QString reference = m_tmp.filePath("reference-" + tag);
        GitRepoFactory::git({"clone", "-q", m_daemon.url(name), reference}, m_tmp.path(), &rc);
        // Complete: every tag and branch arrived (none left out as too big).
        [&] { QCOMPARE(refsOf(path), refsOf(reference)); }();
        const qint64 carried = proxy.bytesToClient();
        qInfo(
            "%s: %lld bytes through the link for a %lld-byte pack (%.2fx), %d attempts, %d connections",
            qPrintable(tag), carried, packBytes(bare), double(carried) / double(packBytes(bare)),
            r.attempts, proxy.totalConnections());
        return QTest::currentTestFailed() ? -1 : carried;
    }

    // The partial folder of `target` as RepoDeck's own earlier attempt left
    // it (its marker and token), to be resumed by the next sync of `url`.
    QString makePartial(const QString &target, const QString &url)
    {
        const QString partial = core::partialClonePath(QDir::cleanPath(target));
        int rc = -1;
        GitRepoFactory::git({"init", "-q", partial}, m_tmp.path(), &rc);
        if (rc == 0)
            GitRepoFactory::git({"remote", "add", "origin", url}, partial, &rc);
        if (rc != 0 || core::markCheckpoint(partial, url) != 0
            || !core::isCheckpointInProgress(partial, url))
            return {};
        return partial;
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
        QCOMPARE(core::initializeNetwork(), QString());
        m_root = m_tmp.filePath("srv");
        QDir().mkpath(m_root);
        m_bare = GitRepoFactory::createBareRepo(m_root, "history.git", 1);
        for (int i = 1; i <= kTags; ++i) {
            QVERIFY(GitRepoFactory::addLargeFile(m_bare, kBytesPerTag, "main",
                                                 QString("blob%1.bin").arg(i)));
            // Mixed annotated and lightweight tags, as real projects have.
            QVERIFY(GitRepoFactory::addTag(m_bare, QString("v1.%1").arg(i), "main",
                                           i % 2 ? QString("release 1.%1").arg(i) : QString()));
        }
        QVERIFY(GitRepoFactory::addCommits(m_bare, 2, "main")); // untagged tip
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
        GitRepoFactory::git({"clone", "-q", m_proxy.url("git", "history.git"),
                             m_tmp.filePath("gitclone")},
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
        GitRepoFactory::git({"clone", "-q", m_daemon.url("history.git"), reference}, m_tmp.path(),
                            &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(refsOf(path), refsOf(reference));
        QVERIFY(!refsOf(path).join('\n').contains("repodeck-steps"));
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, path), QString());
        QCOMPARE(GitRepoFactory::git({"rev-parse", "--abbrev-ref", "@{upstream}"}, path).trimmed(),
                 QString("origin/main"));
        QVERIFY(!GitRepoFactory::git({"config", "--list"}, path).contains("repodeck."));
        QVERIFY(!QFileInfo::exists(core::partialClonePath(path)));
    }

    void mirrorThroughTheCuttingLink()
    {
        SyncHarness h;
        const QString path = m_tmp.filePath("work/history-mirror.git");
        const auto r = h.syncAndWait(h.spec("mirror", m_proxy.url("git", "history.git"), path,
                                            core::RepoMode::Mirror),
                                     policy(core::Checkpoint::Always), 120'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::refs(path), GitRepoFactory::refs(m_bare));
        int rc = -1;
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
    }

    // More steps than libgit2 1.5.1 names in its first batch of haves (20):
    // before CheckpointHaves the server only learnt the 20 oldest step tips
    // and resent everything after them, growing with every step.
    void manyStepsDoNotResendEarlierSteps()
    {
        const QString bare = buildHistory(
            m_root, "many.git",
            straightHistory(48, 150'000, [](int i) { return QString("v2.%1").arg(i); }), 7);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(bare, 1'500'000, "many");
        QVERIFY(bytes > 0);
        // Resending grows with every step (48 of them); what a reset loses
        // in flight depends on timing: 1.67x alone, 2.01x once under the
        // load of a build beside the suite.
        QVERIFY2(bytes <= 5 * packBytes(bare) / 2,
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // Tag names that sort against history (the newest commit has the
    // smallest version): name order would ask for all of history first.
    // The pack is six links' worth, about libgit2's ratio (85 MB, 15 MB).
    void tagNamesAgainstHistory()
    {
        const QString bare = buildHistory(
            m_root, "reversed.git",
            straightHistory(60, 150'000, [](int i) { return QString("release-%1").arg(99 - i); }),
            11);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(bare, 1'500'000, "reversed");
        QVERIFY(bytes > 0);
        QVERIFY2(bytes <= 2 * packBytes(bare),
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // The same, after a first cut came early (a reset loses what the
    // client had not read yet): the newest tag, release-41, was asked for
    // alone and cut before the order was known. The tags behind it, each
    // needing a little less, must turn the order round; taking them for
    // followers of a tag too big parked every tag and cut the same big
    // step on every attempt until the attempts ran out (seen in CI).
    void tagNamesAgainstHistoryAfterAnEarlyCut()
    {
        const QString bare = buildHistory(
            m_root, "reversed-early.git",
            straightHistory(60, 150'000, [](int i) { return QString("release-%1").arg(99 - i); }),
            11);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(bare, 1'500'000, "reversed-early", 900'000);
        QVERIFY(bytes > 0);
        // The plain attempt and the early cuts cost about half a pack more.
        QVERIFY2(bytes <= 5 * packBytes(bare) / 2,
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // Committer dates in no order (rebased, imported, wrong clocks), and a
    // maintenance branch whose commits are dated after main's tip while its
    // tip is dated before: libgit2 walks tips by date, so the refs the
    // negotiation names must be chosen with the dates as they are.
    void commitDatesOutOfOrder()
    {
        QList<Planned> h = straightHistory(36, 150'000,
                                           [](int i) { return QString("v3.%1").arg(i); });
        QRandomGenerator random(5);
        const qint64 base = QDateTime::currentSecsSinceEpoch() - 10 * 86400;
        for (Planned &c : h)
            c.time = base + random.bounded(9 * 86400);
        for (int i = 0; i < 10; ++i) {
            Planned c;
            c.branch = "maint";
            c.from = i == 0 ? 12 : -1;
            c.time = i == 9 ? base - 86400 : base + 20 * 86400 + i; // future ancestors, old tip
            c.bytes = 150'000;
            c.tag = QString("v3.12.%1").arg(i + 1);
            h << c;
        }
        const QString bare = buildHistory(m_root, "dates.git", h, 13);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(bare, 1'500'000, "dates");
        QVERIFY(bytes > 0);
        QVERIFY2(bytes <= 2 * packBytes(bare),
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // Many lines of history, as real projects have (maintenance and topic
    // branches): more step tips than one batch of haves, the newest line's
    // ancestors walked before the other tips.
    void manyBranchesDoNotResendEarlierSteps()
    {
        const QString bare = buildHistory(m_root, "branches.git", manyBranches("v4"), 19);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(bare, 1'500'000, "branches");
        QVERIFY(bytes > 0);
        QVERIFY2(bytes <= 2 * packBytes(bare),
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // A link that drops before 1 MiB on every connection (or a client slow
    // to read, whose unread bytes each reset throws away: seen in CI, 3 of
    // 1.5 MB cuts got less than 1 MiB through). No attempt alone was large
    // enough to switch to checkpointed steps, so plain attempts started
    // over until they ran out: what they lost must add up.
    void earlyCutsStillSwitchToSteps()
    {
        const QString bare = buildHistory(
            m_root, "early.git",
            straightHistory(16, 150'000, [](int i) { return QString("v8.%1").arg(i); }), 53);
        QVERIFY(!bare.isEmpty());
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(900'000);
        proxy.setCutDeliversAll(true);
        SyncHarness h;
        auto p = policy(core::Checkpoint::Auto);
        p.maxAttempts = 8;
        const QString path = m_tmp.filePath("work/early");
        const auto r = h.syncAndWait(h.spec("early", proxy.url("git", "early.git"), path), p,
                                     120'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::revParse(path, "v8.15^{commit}"),
                 GitRepoFactory::revParse(bare, "v8.15^{commit}"));
        // Two plain attempts (0.9 MB each) before the steps.
        QVERIFY2(proxy.bytesToClient() <= 2 * 900'000 + 2 * packBytes(bare),
                 qPrintable(QString("%1 bytes for a %2-byte pack")
                                .arg(proxy.bytesToClient())
                                .arg(packBytes(bare))));
    }

    // The CI schedule of manyBranchesDoNotResendEarlierSteps' flake (18.46
    // MB for a 9.02 MB pack): three cuts in a row whose last 600 kB never
    // reached the client (a client slow to read under load).
    void manyBranchesAfterEarlyCuts()
    {
        const QString bare = buildHistory(m_root, "branches-early.git", manyBranches("v9"), 59);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(
            bare, 1'500'000, "branches-early", 0,
            {{1'500'000, 600'000}, {1'500'000, 600'000}, {1'500'000, 600'000}});
        QVERIFY(bytes > 0);
        QVERIFY2(bytes <= 2 * packBytes(bare),
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // A tag too big for the link alone, with the history it needs on an
    // untagged maintenance branch (merged before the tag), and many tags
    // after it: the shape of qBittorrent's release-4.0.0. Asking for each
    // later tag in turn finds every one of them too big as well; the branch
    // is the step that makes the tag small.
    void maintenanceBranchBeforeABigTag()
    {
        QList<Planned> h = straightHistory(10, 150'000,
                                           [](int i) { return QString("v1.%1").arg(i); });
        const qint64 start = h.last().time;
        for (int i = 0; i < 8; ++i) { // maint: 1.2 MB, no tags
            Planned c;
            c.branch = "maint";
            c.from = i == 0 ? 9 : -1;
            c.time = start + 60 * (i + 1);
            c.bytes = 150'000;
            h << c;
        }
        const int maintTip = int(h.size()) - 1;
        Planned merge; // v2.0 alone: the branch and 400 KB of its own
        merge.from = 9;
        merge.merge = maintTip;
        merge.time = start + 3600;
        merge.bytes = 400'000;
        merge.tag = "v2.0";
        h << merge;
        for (int i = 1; i <= 100; ++i) { // 15 MB: the pack is twelve links, as qBittorrent's is 24
            Planned c;
            c.time = start + 3600 + 60 * i;
            c.bytes = 150'000;
            c.tag = QString("v2.%1").arg(i);
            h << c;
        }
        const QString bare = buildHistory(m_root, "maint.git", h, 23);
        QVERIFY(!bare.isEmpty());
        const qint64 bytes = cloneThrough(bare, 1'500'000, "maint");
        QVERIFY(bytes > 0);
        QVERIFY2(bytes <= 2 * packBytes(bare),
                 qPrintable(
                     QString("%1 bytes for a %2-byte pack").arg(bytes).arg(packBytes(bare))));
    }

    // A stretch of history larger than the link with no tag or branch in
    // it, and many tags after it: every later tag needs that stretch in one
    // piece. The sync must keep what comes before, and end saying which ref
    // holds the stretch, without cutting a connection for each later tag.
    void uncrossableStretchSaysSo()
    {
        QList<Planned> h = straightHistory(8, 150'000,
                                           [](int i) { return QString("v1.%1").arg(i); });
        const qint64 start = h.last().time;
        Planned big; // 2 MB, untagged
        big.time = start + 60;
        big.bytes = 2'000'000;
        h << big;
        for (int i = 0; i < 30; ++i) {
            Planned c;
            c.time = start + 120 + 60 * i;
            c.bytes = 150'000;
            c.tag = QString("v2.%1").arg(i);
            h << c;
        }
        const QString bare = buildHistory(m_root, "stretch.git", h, 29);
        QVERIFY(!bare.isEmpty());
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(1'500'000);
        SyncHarness h2;
        auto p = policy(core::Checkpoint::Auto);
        p.maxAttempts = 20;
        const QString path = m_tmp.filePath("work/stretch");
        const auto r = h2.syncAndWait(h2.spec("stretch", proxy.url("git", "stretch.git"), path), p,
                                      120'000);
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(!r.error.transient, qPrintable(r.error.text()));
        QVERIFY2(r.error.text().contains("refs/heads/main")
                     && r.error.text().contains("refs/tags/v2.0")
                     && r.error.text().contains("one piece"),
                 qPrintable(r.error.text()));
        // Cutting a connection for each later tag would be 30 more cuts and
        // attempts; timing moves them little (6-7 cuts, 7-8 attempts seen).
        QVERIFY2(r.attempts <= 12, qPrintable(QString::number(r.attempts)));
        QVERIFY2(proxy.resetConnections() <= 10,
                 qPrintable(QString::number(proxy.resetConnections())));
        // What precedes the stretch is kept (1.2 MB); beyond it, the cut
        // connections and requests that stop at the pack header. How much
        // such a request lets through is the socket buffers' size when the
        // client closes, which grows on a loaded machine (13.5 to 22.4 MB in
        // all were seen); a cut per later tag would be over 46 MB.
        QVERIFY2(proxy.bytesToClient()
                     <= 1'200'000 + 10 * (1'500'000 + 64 * 1024) + 40 * 512 * 1024,
                 qPrintable(QString::number(proxy.bytesToClient())));
        qInfo("stretch: %lld bytes through the link, %d attempts, %d connections, %d cut",
              proxy.bytesToClient(), r.attempts, proxy.totalConnections(),
              proxy.resetConnections());
    }

    // Found in the third review (high): `git init`, origin and the marker
    // were enough for a folder to be resumed as RepoDeck's checkpoint; its
    // files, hooks and forged tags ended up in the finished clone (and the
    // checkout wrote through a planted link). Only a folder with the token
    // this user's RepoDeck made for it, and no hooks, is resumed.
    void plantedPartialIsNotResumed()
    {
        const QString bare = buildHistory(
            m_root, "planted.git",
            straightHistory(3, 1000, [](int i) { return QString("v%1").arg(i); }), 31);
        QVERIFY(!bare.isEmpty());
        const QString target = m_tmp.filePath("work/planted");
        const QString url = m_daemon.url("planted.git");
        const QString planted = core::partialClonePath(target);
        int rc = -1;
        GitRepoFactory::git({"init", "-q", planted}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"remote", "add", "origin", url}, planted);
        GitRepoFactory::git({"config", "repodeck.checkpointClone", "true"}, planted);
        QFile f(planted + "/planted.txt");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("planted");
        f.close();
        GitRepoFactory::git({"-c", "user.email=e@x", "-c", "user.name=e", "commit", "-q",
                             "--allow-empty", "-m", "evil"},
                            planted, &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"tag", "-f", "v1"},
                            planted); // forged: upstream's v1 is another commit
        GitRepoFactory::git({"tag", "evil"}, planted);
        QFile hook(planted + "/.git/hooks/pre-commit");
        QVERIFY(hook.open(QIODevice::WriteOnly));
        hook.write("#!/bin/sh\necho pwned\n");
        hook.close();

        SyncHarness h;
        auto p = policy(core::Checkpoint::Always);
        const auto r = h.syncAndWait(h.spec("planted", url, target), p, 60'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QVERIFY(!QFileInfo::exists(target + "/planted.txt"));
        QVERIFY(!QFileInfo::exists(target + "/.git/hooks/pre-commit"));
        QCOMPARE(GitRepoFactory::git({"tag", "--list", "evil"}, target, &rc).trimmed(), QString());
        QCOMPARE(GitRepoFactory::revParse(target, "v1^{commit}"),
                 GitRepoFactory::revParse(bare, "v1^{commit}"));
    }

    // Found in the third review: a server whose HEAD names a tag failed
    // every sync ("refs/tags/v2" was cut as if it were "refs/heads/"). git
    // clone checks out the tag's commit with a detached HEAD; so must we.
    void serverHeadAtATag()
    {
        const QString bare = buildHistory(
            m_root, "headtag.git",
            straightHistory(3, 1000, [](int i) { return QString("v%1").arg(i); }), 37);
        QVERIFY(!bare.isEmpty());
        int rc = -1;
        GitRepoFactory::git({"symbolic-ref", "HEAD", "refs/tags/v1"}, bare, &rc);
        QCOMPARE(rc, 0);
        SyncHarness h;
        const QString target = m_tmp.filePath("work/headtag");
        const auto r = h.syncAndWait(h.spec("headtag", m_daemon.url("headtag.git"), target),
                                     policy(core::Checkpoint::Always), 60'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QCOMPARE(GitRepoFactory::revParse(target, "HEAD"),
                 GitRepoFactory::revParse(bare, "v1^{commit}"));
        GitRepoFactory::git({"fsck", "--strict"}, target, &rc);
        QCOMPARE(rc, 0);
    }

    // One branch, no tags, larger than the link carries: there is no step
    // to stop at. The sync must end saying so (which ref, that it needs to
    // come in one piece) instead of sending the same request until the
    // attempts run out.
    void noUsableStepSaysSo()
    {
        QList<Planned> h = straightHistory(8, 400'000, [](int) { return QString(); });
        const QString bare = buildHistory(m_root, "untagged.git", h, 17);
        QVERIFY(!bare.isEmpty());
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(1'500'000);
        SyncHarness h2;
        auto p = policy(core::Checkpoint::Auto);
        p.maxAttempts = 12;
        const QString path = m_tmp.filePath("work/untagged");
        const auto r = h2.syncAndWait(h2.spec("untagged", proxy.url("git", "untagged.git"), path),
                                      p, 60'000);
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(!r.error.transient, qPrintable(r.error.text()));
        QVERIFY2(r.error.text().contains("refs/heads/main") && r.error.text().contains("one piece"),
                 qPrintable(r.error.text()));
        QVERIFY2(r.attempts <= 4, qPrintable(QString::number(r.attempts)));
        // At most four cut connections; each may carry the proxy's last read
        // chunk past the cut (seen: 6,000,324 bytes, 324 over 4 x 1.5 MB).
        QVERIFY2(proxy.bytesToClient() <= 4 * (1'500'000 + 64 * 1024),
                 qPrintable(QString::number(proxy.bytesToClient())));
    }

    // Found in the third review: a repodeck.* key present twice in the
    // partial folder's config (a hand edit, a merged file) made libgit2
    // refuse every later set of it, silently. Here the link size learnt
    // from a cut was never kept: each attempt planned as if no cut had been
    // seen, and nothing said so.
    void duplicatedStateKeysStillSave()
    {
        const QString bare = buildHistory(
            m_root, "dupkeys.git",
            straightHistory(16, 150'000, [](int i) { return QString("v5.%1").arg(i); }), 41);
        QVERIFY(!bare.isEmpty());
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(1'000'000);
        // The cut must teach the link's size: under load a reset threw away
        // all but a few kB the client had not read yet, less than a cut
        // needs to tell anything (kCutEvidenceBytes), and nothing was saved.
        proxy.setCutDeliversAll(true);
        const QString url = proxy.url("git", "dupkeys.git");
        const QString target = m_tmp.filePath("work/dupkeys");
        const QString partial = makePartial(target, url);
        QVERIFY(!partial.isEmpty());
        int rc = -1;
        for (int i = 0; i < 2; ++i) {
            GitRepoFactory::git({"config", "--add", "repodeck.checkpointLinkBytes", "0"}, partial,
                                &rc);
            QCOMPARE(rc, 0);
        }
        QVERIFY(core::isCheckpointInProgress(partial, url));

        SyncHarness h;
        auto p = policy(core::Checkpoint::Auto); // resumes the partial folder
        p.maxAttempts = 1;
        auto r = h.syncAndWait(h.spec("dupkeys", url, target), p, 60'000);
        QCOMPARE(r.outcome, Outcome::Failed); // cut: the first step asked for everything
        const QStringList saved = GitRepoFactory::git({"config", "--get-all",
                                                       "repodeck.checkpointLinkBytes"},
                                                      partial)
                                      .split('\n', Qt::SkipEmptyParts);
        QCOMPARE(saved.size(), 1);
        QVERIFY2(saved.first().toLongLong() > 0, qPrintable(saved.first()));

        p.maxAttempts = 12;
        r = h.syncAndWait(h.spec("dupkeys", url, target), p, 120'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, target, &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(GitRepoFactory::revParse(target, "v5.15^{commit}"),
                 GitRepoFactory::revParse(bare, "v5.15^{commit}"));
        QVERIFY(!GitRepoFactory::git({"config", "--list"}, target).contains("repodeck."));
    }

    // A state that cannot be written (here a config.lock left by a killed
    // git, which git itself refuses too) must end the attempt at once with a
    // message naming the folder. It went on silently through every cut,
    // learning nothing, and failed only at the very end ("Cannot finish the
    // clone ... locked").
    void stateThatCannotBeSavedSaysSo()
    {
        const QString bare = buildHistory(
            m_root, "locked.git",
            straightHistory(16, 150'000, [](int i) { return QString("v7.%1").arg(i); }), 43);
        QVERIFY(!bare.isEmpty());
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(1'000'000);
        const QString url = proxy.url("git", "locked.git");
        const QString target = m_tmp.filePath("work/locked");
        const QString partial = makePartial(target, url);
        QVERIFY(!partial.isEmpty());
        QFile lock(partial + "/.git/config.lock");
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.close();

        SyncHarness h;
        auto p = policy(core::Checkpoint::Auto);
        p.maxAttempts = 4;
        const auto r = h.syncAndWait(h.spec("locked", url, target), p, 60'000);
        QCOMPARE(r.outcome, Outcome::Failed);
        QVERIFY2(r.error.text().contains("not saved") && r.error.text().contains(partial + "/.git"),
                 qPrintable(r.error.text()));
        QVERIFY2(!r.error.transient, qPrintable(r.error.text()));
        QCOMPARE(r.attempts, 1);
        QVERIFY(QFileInfo::exists(partial)); // what arrived is kept
    }

    // Found in the third review: the server's own refs under
    // refs/repodeck-steps/ (one named exactly as a step ref would be) were
    // overwritten and then deleted as if they were the steps' refs: the
    // mirror was not the server's.
    void mirrorKeepsTheServersStepRefs()
    {
        const QString bare = buildHistory(
            m_root, "serversteps.git",
            straightHistory(16, 150'000, [](int i) { return QString("v6.%1").arg(i); }), 47);
        QVERIFY(!bare.isEmpty());
        const QString stepLike = GitRepoFactory::revParse(bare, "v6.9^{commit}");
        int rc = -1;
        GitRepoFactory::git({"update-ref", "refs/repodeck-steps/" + stepLike,
                             GitRepoFactory::revParse(bare, "v6.2^{commit}")},
                            bare, &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"update-ref", "refs/repodeck-steps/keep",
                             GitRepoFactory::revParse(bare, "v6.4^{commit}")},
                            bare, &rc);
        QCOMPARE(rc, 0);
        FaultProxy proxy;
        QVERIFY(proxy.start(m_daemon.port()));
        proxy.setCutAfterBytes(1'000'000);
        SyncHarness h;
        auto p = policy(core::Checkpoint::Always);
        p.maxAttempts = 20;
        const QString path = m_tmp.filePath("work/serversteps.git");
        const auto r = h.syncAndWait(h.spec("serversteps", proxy.url("git", "serversteps.git"),
                                            path, core::RepoMode::Mirror),
                                     p, 120'000);
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        QVERIFY(h.maxSteps.value("serversteps") > 2);
        QCOMPARE(GitRepoFactory::refs(path), GitRepoFactory::refs(bare));
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
    }

    // Found in the third review: 20,000 tags took 447 s (git clone: a few
    // seconds). Every step asked for each of its refs with a refspec of its
    // own (libgit2 matches every advertised ref against each, then again in
    // update_tips), steps only doubled, and each step's connection is sent
    // the whole ref list again. Few steps, few refspecs each: counted as the
    // server sees them (connections), not timed. REPODECK_MANY_TAGS changes
    // the count (the benchmark in docs/benchmarks.md).
    void manyTagsComeInFewSteps()
    {
        const int tags = qEnvironmentVariableIsSet("REPODECK_MANY_TAGS")
                             ? qEnvironmentVariableIntValue("REPODECK_MANY_TAGS")
                             : 20000;
        const QString bare = buildManyTags(m_root, "manytags.git", tags);
        QVERIFY(!bare.isEmpty());
        FaultProxy proxy; // a clean link: it counts the connections
        QVERIFY(proxy.start(m_daemon.port()));
        SyncHarness h;
        const QString path = m_tmp.filePath("work/manytags");
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("manytags", proxy.url("git", "manytags.git"), path),
                                     policy(core::Checkpoint::Always), 200'000);
        const qint64 ours = t.elapsed();
        QVERIFY2(r.outcome == Outcome::Cloned, qPrintable(r.error.text()));
        t.restart();
        int rc = -1;
        const QString reference = m_tmp.filePath("reference-manytags");
        GitRepoFactory::git({"clone", "-q", m_daemon.url("manytags.git"), reference}, m_tmp.path(),
                            &rc);
        const qint64 git = t.elapsed();
        QCOMPARE(rc, 0);
        QCOMPARE(refsOf(path), refsOf(reference));
        GitRepoFactory::git({"fsck", "--strict", "--no-dangling"}, path, &rc);
        QCOMPARE(rc, 0);
        qInfo("manytags: %d tags, RepoDeck %.1f s (%d steps, %d connections), git clone %.1f s",
              tags, ours / 1000.0, h.maxSteps.value("manytags"), proxy.totalConnections(),
              git / 1000.0);
        // Listing, at most 8 steps, the final fetch (doubling from one tag
        // was 16 steps for 20,000).
        QVERIFY2(proxy.totalConnections() <= 10,
                 qPrintable(QString::number(proxy.totalConnections())));
    }

    void neverMeansNever()
    {
        SyncHarness h;
        auto p = policy(core::Checkpoint::Never);
        p.maxAttempts = 3;
        const QString path = m_tmp.filePath("work/never");
        const auto r = h.syncAndWait(h.spec("never", m_proxy.url("git", "history.git"), path), p,
                                     60'000);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(r.attempts, 3);
        QCOMPARE(h.maxSteps.value("never"), 0);
        QVERIFY(!QFileInfo::exists(core::partialClonePath(path)));
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
