// Eol conversion through the real repodeck-cli. A large text file (docs/
// security.md §11): libgit2's buffered crlf filter held the blob twice more
// (one 1900 MiB blob cost 11.7 GB and ran 51 s past a 15 s deadline). The
// clone must write what git writes, with the peak RSS (wait4, repodeck-maxrss)
// near one copy of the blob, and end at its attempt timeout however large
// the file.
#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "MeasuredCli.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace repodeck::test;

namespace {

constexpr qint64 kBlobMiB = 160;

QByteArray sha256Of(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}

} // namespace

class TestLargeFiles : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    GitDaemonServer m_daemon;

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        REPODECK_REQUIRE_MEASURED_CLI();
        // A work tree with the attribute and one large text file of lone
        // LFs, pushed to a bare repository that git daemon serves.
        const QString work = m_tmp.filePath("src");
        QVERIFY(QDir().mkpath(work));
        int rc = -1;
        GitRepoFactory::git({"init", "-q", "-b", "main"}, work, &rc);
        QCOMPARE(rc, 0);
        QFile attributes(work + "/.gitattributes");
        QVERIFY(attributes.open(QIODevice::WriteOnly));
        attributes.write("*.txt text eol=crlf\n");
        attributes.close();
        QFile big(work + "/big.txt");
        QVERIFY(big.open(QIODevice::WriteOnly));
        QByteArray block;
        for (int i = 0; block.size() < (1 << 20); ++i)
            block += "line " + QByteArray::number(i)
                     + " of a large text file with lone line feeds\n";
        block.truncate(1 << 20);
        block[block.size() - 1] = '\n';
        for (qint64 i = 0; i < kBlobMiB; ++i)
            QCOMPARE(big.write(block), block.size());
        big.close();
        GitRepoFactory::git({"add", "."}, work, &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"commit", "-q", "-m", "large"}, work, &rc);
        QCOMPARE(rc, 0);
        QDir().mkpath(m_tmp.filePath("srv"));
        GitRepoFactory::git({"clone", "-q", "--bare", work, m_tmp.filePath("srv/big.git")},
                            m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        QVERIFY(m_daemon.start(m_tmp.filePath("srv")));
    }

    // Written as git writes it, with memory near one copy of the blob.
    void largeCrlfFileIsWrittenAsGitWritesIt()
    {
        int rc = -1;
        const QString byGit = m_tmp.filePath("by-git");
        GitRepoFactory::git({"clone", "-q", m_daemon.url("big.git"), byGit}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        const QString root = m_tmp.filePath("cli");
        const CliSync r = syncThroughCli(root, m_daemon.url("big.git"), root + "/clone", 120'000,
                                         {},
                                         {"--attempt-timeout", "100s", "--checkpoint", "never"});
        const QJsonObject done = firstRepoDone(r.out);
        qInfo("%lld MiB text file, eol=crlf: %s after %lld ms, peak RSS %lld MiB", kBlobMiB,
              qPrintable(done.value("outcome").toString()), r.elapsedMs, r.peakRssKiB >> 10);
        QCOMPARE(done.value("outcome").toString(), QString("cloned"));
        const QByteArray expected = sha256Of(byGit + "/big.txt");
        QVERIFY(!expected.isEmpty());
        QCOMPARE(QFileInfo(root + "/clone/big.txt").size(), QFileInfo(byGit + "/big.txt").size());
        QCOMPARE(sha256Of(root + "/clone/big.txt"), expected);
        // What git status says of it: nothing changed.
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, root + "/clone", &rc), QString());
        QCOMPARE(rc, 0);
        QVERIFY2((r.peakRssKiB >> 10) < kBlobMiB + 200,
                 qPrintable(QString::number(r.peakRssKiB >> 10)));
    }

    // A .gitattributes is itself subject to the rules it holds (git applies
    // them when it checks it out): found in review, RepoDeck's clone wrote
    // it with LF where git wrote CRLF, and it showed as modified once
    // touched. Every file of the clone must be git's, byte for byte, and
    // stay unmodified after a touch.
    void attributesFilesFollowTheirOwnRules()
    {
        const QString work = m_tmp.filePath("attr-src");
        QVERIFY(QDir().mkpath(work + "/sub"));
        int rc = -1;
        GitRepoFactory::git({"init", "-q", "-b", "main"}, work, &rc);
        QCOMPARE(rc, 0);
        const QList<QPair<QString, QByteArray>> files = {
            {".gitattributes", "* text eol=crlf\n*.bin -text\n"},
            {"sub/.gitattributes", "# sub rules\n*.md text eol=crlf\n"},
            {"a.txt", "one\ntwo\n"},
            {"sub/b.md", "three\nfour\n"},
            {"c.bin", "five\nsix\n"},
        };
        for (const auto &f : files) {
            QFile out(work + "/" + f.first);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(f.second);
        }
        GitRepoFactory::git({"add", "."}, work, &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"commit", "-q", "-m", "attributes"}, work, &rc);
        QCOMPARE(rc, 0);
        GitRepoFactory::git({"clone", "-q", "--bare", work, m_tmp.filePath("srv/attr.git")},
                            m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        const QString byGit = m_tmp.filePath("attr-by-git");
        GitRepoFactory::git({"clone", "-q", m_daemon.url("attr.git"), byGit}, m_tmp.path(), &rc);
        QCOMPARE(rc, 0);
        const QString root = m_tmp.filePath("attr-cli");
        const CliSync r = syncThroughCli(root, m_daemon.url("attr.git"), root + "/clone", 60'000,
                                         {}, {"--attempt-timeout", "60s", "--checkpoint", "never"});
        QCOMPARE(firstRepoDone(r.out).value("outcome").toString(), QString("cloned"));
        for (const auto &f : files) {
            QVERIFY2(sha256Of(root + "/clone/" + f.first) == sha256Of(byGit + "/" + f.first),
                     qPrintable(f.first));
            QFile touched(root + "/clone/" + f.first);
            QVERIFY(touched.open(QIODevice::ReadWrite));
            QVERIFY(touched.setFileTime(QDateTime::currentDateTimeUtc().addSecs(5),
                                        QFileDevice::FileModificationTime));
        }
        QCOMPARE(GitRepoFactory::git({"status", "--porcelain"}, root + "/clone", &rc), QString());
        QCOMPARE(rc, 0);
    }
};

QTEST_GUILESS_MAIN(TestLargeFiles)
#include "tst_large_files.moc"
