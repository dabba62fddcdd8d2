#include "workspace/Workspace.h"
#include "workspace/WorkspaceEditor.h"

#include <QtTest>

using namespace repodeck::core;

class TestWorkspace : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // A repository's path as a loaded workspace holds it: the file stores
    // '/', memory has the platform's separators ('\\' on Windows).
    QString nativePath(const char *name) const
    {
        return QDir::toNativeSeparators(m_dir.filePath(name));
    }

    QString write(const QString &name, const QByteArray &data)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(data);
        return path;
    }

    static QByteArray read(const QString &path)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }

private slots:
    void missingFileIsEmptyWithDefaultPolicy()
    {
        auto ws = Workspace::load(m_dir.filePath("nope.json"));
        QVERIFY(ws.ok());
        QVERIFY(ws.value().repositories().isEmpty());
        QVERIFY(ws.value().hasPolicy("default"));
    }

    void roundTrip()
    {
        Workspace ws;
        RetryPolicy fast;
        fast.name = "fast";
        fast.maxAttempts = 3;
        fast.initialDelay = Millis(250);
        fast.jitter = Jitter::Decorrelated;
        fast.stallTimeout = Millis(5000);
        ws.setPolicy(fast);
        RepoSpec a{"alpha",
                   "https://example.test/a.git",
                   nativePath("a"),
                   RepoMode::WorkingCopy,
                   "dev",
                   "fast",
                   {},
                   {},
                   {}};
        RepoSpec b{"beta/mirror",
                   "git@example.test:b.git",
                   nativePath("b.git"),
                   RepoMode::Mirror,
                   {},
                   "default",
                   {},
                   {},
                   {}};
        QCOMPARE(ws.addRepository(a), QString());
        QCOMPARE(ws.addRepository(b), QString());
        const QString path = m_dir.filePath("ws.json");
        QCOMPARE(ws.save(path), QString());

        auto loaded = Workspace::load(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().text()));
        QCOMPARE(loaded.value().repositories().size(), 2);
        QVERIFY(loaded.value().repositories().at(0) == a);
        QVERIFY(loaded.value().repositories().at(1) == b);
        QVERIFY(loaded.value().policy("fast") == fast);
        QCOMPARE(loaded.value().toJson(), ws.toJson());
    }

    // Issue 15 item 3: files from before schema 2 held "max_delay" as the
    // old default in every policy; they get "not before" now. A schema 2
    // file keeps an explicit max_delay.
    // Issue 16 item 3: a repository's own after_sync (or its "none") over
    // its policy's; unset fields are not written, so old files are unchanged.
    void repositoryAfterSyncRoundTrips()
    {
        Workspace ws;
        RepoSpec own{"own",
                     "https://example.test/o.git",
                     nativePath("o"),
                     RepoMode::WorkingCopy,
                     {},
                     "default",
                     {},
                     {},
                     {}};
        own.afterSync = QStringLiteral("make -C docs");
        own.afterSyncOn = AfterSyncOn::Any;
        own.afterSyncTimeout = Millis(90'000);
        RepoSpec none{"none",
                      "https://example.test/n.git",
                      nativePath("n"),
                      RepoMode::WorkingCopy,
                      {},
                      "default",
                      {},
                      {},
                      {}};
        none.afterSync = QString();
        RepoSpec plain{"plain",
                       "https://example.test/p.git",
                       nativePath("p"),
                       RepoMode::WorkingCopy,
                       {},
                       "default",
                       {},
                       {},
                       {}};
        QCOMPARE(ws.addRepository(own), QString());
        QCOMPARE(ws.addRepository(none), QString());
        QCOMPARE(ws.addRepository(plain), QString());
        const QString path = m_dir.filePath("ws-after-sync.json");
        QCOMPARE(ws.save(path), QString());
        auto loaded = Workspace::load(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().text()));
        QVERIFY(*loaded.value().repository("own") == own);
        QVERIFY(*loaded.value().repository("none") == none);
        QVERIFY(*loaded.value().repository("plain") == plain);
        QCOMPARE(loaded.value().repository("none")->afterSync, std::optional<QString>(QString()));
        QVERIFY(!loaded.value().repository("plain")->afterSync.has_value());
        QCOMPARE(loaded.value().toJson(), ws.toJson());
        QVERIFY(!plain.toJson().contains("after_sync"));

        RetryPolicy p;
        p.afterSync = QStringLiteral("policy-cmd");
        QCOMPARE(own.withAfterSync(p).afterSync, QStringLiteral("make -C docs"));
        QCOMPARE(own.withAfterSync(p).afterSyncTimeout, Millis(90'000));
        QCOMPARE(none.withAfterSync(p).afterSync, QString());
        QCOMPARE(plain.withAfterSync(p).afterSync, QStringLiteral("policy-cmd"));

        // Wrong types are refused with a reason, not taken as "none".
        QString problem;
        QJsonObject bad = plain.toJson();
        bad.insert("after_sync", 3);
        RepoSpec::fromJson(bad, &problem);
        QVERIFY(problem.contains("after_sync"));
        bad = plain.toJson();
        bad.insert("after_sync_on", "sometimes");
        RepoSpec::fromJson(bad, &problem);
        QVERIFY(problem.contains("after_sync_on"));
        bad = plain.toJson();
        bad.insert("after_sync_timeout", "0s");
        RepoSpec::fromJson(bad, &problem);
        QVERIFY(problem.contains("after_sync_timeout"));
    }

    void oldRetryAfterDefaultIsMigrated()
    {
        const QByteArray v1
            = "{\"schema\": 1, \"policies\": {\"p\": {\"retry_after_limit\": \"max_delay\"}}}";
        const auto old = Workspace::fromJson(v1, "ws.json");
        QVERIFY(old.ok());
        QCOMPARE(old.value().policy("p").retryAfterLimit, RetryAfterLimit::Deadline);
        QVERIFY(old.value().toJson().contains("\"schema\": 2"));
        const QByteArray v2
            = "{\"schema\": 2, \"policies\": {\"p\": {\"retry_after_limit\": \"max_delay\"}}}";
        const auto chosen = Workspace::fromJson(v2, "ws.json");
        QVERIFY(chosen.ok());
        QCOMPARE(chosen.value().policy("p").retryAfterLimit, RetryAfterLimit::MaxDelay);
        const auto again = Workspace::fromJson(chosen.value().toJson(), "ws.json");
        QCOMPARE(again.value().policy("p").retryAfterLimit, RetryAfterLimit::MaxDelay);
    }

    void pathsInsideAGitFolderAreRefused_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("refused");
        QTest::newRow(".git") << "/tmp/a/.git/objects/x" << true;
        QTest::newRow("case") << "/tmp/a/.GIT/hooks" << true;
        QTest::newRow("trailing dot") << "/tmp/a/.git./hooks" << true;
        QTest::newRow("trailing space") << "/tmp/a/.git /hooks" << true;
        QTest::newRow("short name") << "/tmp/a/GIT~1/hooks" << true;
        QTest::newRow("zero-width") << QString("/tmp/a/.g") + QChar(0x200c) + "it/hooks" << true;
        QTest::newRow("gitignore-like") << "/tmp/a/.github/x" << false;
        QTest::newRow("plain") << "/tmp/a/b" << false;
    }
    void pathsInsideAGitFolderAreRefused()
    {
        QFETCH(QString, path);
        QFETCH(bool, refused);
        QCOMPARE(!validateRepoPath(path).isEmpty(), refused);
    }

    void duplicatesRejected()
    {
        Workspace ws;
        RepoSpec a{"alpha",
                   "https://example.test/a.git",
                   m_dir.filePath("a"),
                   RepoMode::WorkingCopy,
                   {},
                   "default",
                   {},
                   {},
                   {}};
        QCOMPARE(ws.addRepository(a), QString());
        QVERIFY(ws.addRepository(a).contains("already exists"));
        RepoSpec samePath = a;
        samePath.name = "other";
        QVERIFY(ws.addRepository(samePath).contains("already syncs into"));
        RepoSpec badPolicy = a;
        badPolicy.name = "third";
        badPolicy.path = m_dir.filePath("c");
        badPolicy.policy = "nope";
        QVERIFY(ws.addRepository(badPolicy).contains("no policy"));
    }

    // Windows' and macOS's file systems find "Repo" by the name "REPO", so
    // there two entries differing only in case would share one folder.
    void pathsDifferingInCaseAreOneFolderWhereTheFileSystemSaysSo()
    {
        Workspace ws;
        RepoSpec a{"alpha",
                   "https://example.test/a.git",
                   m_dir.filePath("Clones/Repo"),
                   RepoMode::WorkingCopy,
                   {},
                   "default",
                   {},
                   {},
                   {}};
        QCOMPARE(ws.addRepository(a), QString());
        RepoSpec upper = a;
        upper.name = "upper";
        upper.path = QDir::toNativeSeparators(m_dir.filePath("CLONES/REPO"));
        RepoSpec mirror{"mirror",
                        "https://example.test/m.git",
                        m_dir.filePath("Mirror"),
                        RepoMode::Mirror,
                        {},
                        "default",
                        {},
                        {},
                        {}};
        QCOMPARE(ws.addRepository(mirror), QString());
        RepoSpec insideMirror = a;
        insideMirror.name = "inside";
        insideMirror.path = m_dir.filePath("MIRROR/sub");
#if defined(Q_OS_WIN) || defined(Q_OS_MACOS)
        QVERIFY(ws.addRepository(upper).contains("already syncs into"));
        QVERIFY(ws.addRepository(insideMirror).contains("is inside the mirror"));
#else
        QCOMPARE(ws.addRepository(upper), QString());
        QCOMPARE(ws.addRepository(insideMirror), QString());
#endif
    }

    void foldersTooLongForLibgit2OnWindowsAreRefusedWhenAdded()
    {
        auto pathOf = [&](int length) {
            const QString base = m_dir.path() + QStringLiteral("/");
            return base + QString(length - base.size(), QLatin1Char('r'));
        };
        QCOMPARE(repoPathLengthProblem(pathOf(168), RepoMode::WorkingCopy), QString());
        QVERIFY(repoPathLengthProblem(pathOf(169), RepoMode::WorkingCopy).contains("at most 168"));
        QCOMPARE(repoPathLengthProblem(pathOf(173), RepoMode::Mirror), QString());
        QVERIFY(repoPathLengthProblem(pathOf(174), RepoMode::Mirror).contains("at most 173"));

        RepoSpec longOne{"long",      "https://example.test/l.git",
                         pathOf(200), RepoMode::WorkingCopy,
                         {},          "default",
                         {},          {},
                         {}};
        Workspace ws;
#ifdef Q_OS_WIN
        QVERIFY(ws.addRepository(longOne).contains("at most 168"));
#else
        QCOMPARE(ws.addRepository(longOne), QString());
#endif
        // Already in a file, it still loads: the other repositories sync.
        const QJsonObject entry{{"name", "long"},
                                {"url", "https://example.test/l.git"},
                                {"path", pathOf(200)}};
        const QJsonObject root{{"repositories", QJsonArray{entry}}};
        const auto loaded = Workspace::fromJson(QJsonDocument(root).toJson(),
                                                QStringLiteral("ws.json"));
        QVERIFY(loaded);
        QCOMPARE(loaded.value().repositories().size(), 1);
    }

    void corruptFilesReportPositionAndStayIntact_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("truncated")
            << QByteArray("{\n  \"schema\": 1,\n  \"repositories\": [\n") << 4 << "JSON";
        QTest::newRow("garbage on line 2") << QByteArray("{\n  \"schema\": 1 x\n}") << 2 << "JSON";
        QTest::newRow("not an object") << QByteArray("[1,2]") << 0 << "object";
        QTest::newRow("newer schema") << QByteArray("{\"schema\": 99}") << 0 << "newer";
        QTest::newRow("bad policy")
            << QByteArray("{\"policies\":{\"p\":{\"stall_timeout\":\"soon\"}}}") << 0
            << "stall_timeout";
        QTest::newRow("bad url") << QByteArray(
            "{\"repositories\":[{\"name\":\"a\",\"url\":\"ftp://x/y\",\"path\":\"/tmp/a\"}]}")
                                 << 0 << "scheme";
        QTest::newRow("password in url") << QByteArray(
            "{\"repositories\":[{\"name\":\"a\",\"url\":\"https://u:secret@x/y.git\",\"path\":\"/tmp/a\"}]}")
                                         << 0 << "password";
        QTest::newRow("relative path") << QByteArray(
            "{\"repositories\":[{\"name\":\"a\",\"url\":\"https://x/y.git\",\"path\":\"rel\"}]}")
                                       << 0 << "absolute";
    }
    void corruptFilesReportPositionAndStayIntact()
    {
        QFETCH(QByteArray, content);
        QFETCH(int, line);
        QFETCH(QString, mentions);
        const QString path = write(
            QStringLiteral("bad-%1.json").arg(QTest::currentDataTag()).replace(' ', '_'), content);
        auto loaded = Workspace::load(path);
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().line, line);
        QVERIFY2(loaded.error().text().contains(path), "the message names the file");
        QVERIFY2(loaded.error().text().contains(mentions, Qt::CaseInsensitive),
                 qPrintable(loaded.error().text()));

        // An edit through the editor must refuse and leave the bytes alone.
        const QString err = editWorkspace(path, [](Workspace &) { return QString(); });
        QVERIFY(!err.isEmpty());
        QCOMPARE(read(path), content);
    }

    void saveIsAtomicAndKeepsNoSecrets()
    {
        const QString path = m_dir.filePath("atomic.json");
        Workspace ws;
        QCOMPARE(ws.save(path), QString());
        const QByteArray before = read(path);
        QVERIFY(!before.isEmpty());
        // A save into a folder that cannot be written fails and leaves the file.
        QCOMPARE(QDir(m_dir.path()).entryList({"atomic.json*"}, QDir::Files | QDir::Hidden).size(),
                 1);
    }

    void editorSerialisesEdits()
    {
        const QString path = m_dir.filePath("edited.json");
        for (int i = 0; i < 5; ++i) {
            const QString err = editWorkspace(path, [&](Workspace &ws) {
                RepoSpec r{QStringLiteral("r%1").arg(i),
                           "https://example.test/r.git",
                           m_dir.filePath(QStringLiteral("r%1").arg(i)),
                           RepoMode::WorkingCopy,
                           {},
                           "default",
                           {},
                           {},
                           {}};
                return ws.addRepository(r);
            });
            QCOMPARE(err, QString());
        }
        QCOMPARE(Workspace::load(path).value().repositories().size(), 5);
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
