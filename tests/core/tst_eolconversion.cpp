// EolConversion: the streamed eol conversion of large blobs must write what
// libgit2's own crlf filter writes, and convert exactly when it would. The
// decision is checked against libgit2 itself: for each buffer and each
// attribute line, the filter's answer on the whole buffer and on
// sampleLike()'s few bytes must agree.
#include "git/EolConversion.h"

#include <QTemporaryDir>
#include <QtTest>

#include <git2.h>

using namespace repodeck::core::git;

namespace {

std::string streamed(const std::string &in, size_t piece)
{
    std::string out;
    const bool ok = lfToCrlf(
        in.data(), in.size(),
        [&out](const char *p, size_t n) {
        out.append(p, n);
        return true;
        },
        piece);
    return ok ? out : std::string("<failed>");
}

} // namespace

class TestEolConversion : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { git_libgit2_init(); }
    void cleanupTestCase() { git_libgit2_shutdown(); }

    void conversion_data()
    {
        QTest::addColumn<QByteArray>("in");
        QTest::addColumn<QByteArray>("out");
        QTest::newRow("lone LFs") << QByteArray("a\nb\n") << QByteArray("a\r\nb\r\n");
        QTest::newRow("CRLF stays") << QByteArray("a\r\nb\n") << QByteArray("a\r\nb\r\n");
        QTest::newRow("empty lines") << QByteArray("\n\n") << QByteArray("\r\n\r\n");
        QTest::newRow("no final LF") << QByteArray("a\nbc") << QByteArray("a\r\nbc");
        QTest::newRow("trailing CR kept") << QByteArray("a\nb\r") << QByteArray("a\r\nb\r");
        QTest::newRow("lone CR kept") << QByteArray("a\rb\n") << QByteArray("a\rb\r\n");
        QTest::newRow("CR CR LF") << QByteArray("a\r\r\n") << QByteArray("a\r\r\n");
        QTest::newRow("no LF") << QByteArray("abc") << QByteArray("abc");
    }

    // In pieces of every small size: nothing depends on where a piece ends.
    void conversion()
    {
        QFETCH(QByteArray, in);
        QFETCH(QByteArray, out);
        for (size_t piece = 1; piece <= 8; ++piece)
            QCOMPARE(QByteArray::fromStdString(streamed(in.toStdString(), piece)), out);
    }

    // A sink that fails stops the conversion.
    void failingSinkStops()
    {
        int calls = 0;
        const std::string in(1000, '\n');
        QVERIFY(!lfToCrlf(
            in.data(), in.size(), [&calls](const char *, size_t) { return ++calls < 3; }, 16));
        QCOMPARE(calls, 3);
    }

    void decisionIsLibgit2s_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("text") << QByteArray("one\ntwo\n");
        QTest::newRow("crlf only") << QByteArray("one\r\ntwo\r\n");
        QTest::newRow("mixed") << QByteArray("one\r\ntwo\n");
        QTest::newRow("lone CR") << QByteArray("one\rtwo\n");
        QTest::newRow("NUL") << QByteArray("one\n\0two\n", 9);
        QTest::newRow("nonprintable") << QByteArray("a\n\x01\x02\x03\x04");
        QTest::newRow("mostly printable") << QByteArray(300, 'x') + "\n\x01";
        QTest::newRow("tabs and ESC") << QByteArray("\ta\x1b[0m\n");
        QTest::newRow("EOF character") << QByteArray("a\n\x1a");
        QTest::newRow("no LF") << QByteArray("abc");
        QTest::newRow("UTF-8 BOM") << QByteArray(
            "\xef\xbb\xbf"
            "a\n");
    }

    void decisionIsLibgit2s()
    {
        QFETCH(QByteArray, content);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        git_repository *repo = nullptr;
        QCOMPARE(git_repository_init(&repo, QFile::encodeName(dir.path()).constData(), 0), 0);
        const char *attributes[] = {"* text=auto eol=crlf\n", "* text eol=crlf\n", "* eol=crlf\n",
                                    "* text=auto\n",          "* -text\n",         "* crlf\n"};
        for (const char *line : attributes) {
            QFile f(dir.filePath(".gitattributes"));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(line);
            f.close();
            git_repository_free(repo);
            QCOMPARE(git_repository_open(&repo, QFile::encodeName(dir.path()).constData()), 0);
            git_config *config = nullptr;
            QCOMPARE(git_repository_config(&config, repo), 0);
            git_config_set_string(config, "core.autocrlf", "true");
            git_config_free(config);
            git_filter_list *filters = nullptr;
            QCOMPARE(git_filter_list_load(&filters, repo, nullptr, "f.txt", GIT_FILTER_TO_WORKTREE,
                                          GIT_FILTER_DEFAULT),
                     0);
            if (!filters)
                continue;
            const auto converts = [filters](const std::string &in, std::string *result) {
                git_buf out = GIT_BUF_INIT;
                const int rc = git_filter_list_apply_to_buffer(&out, filters, in.data(), in.size());
                const std::string got = rc == 0 ? std::string(out.ptr, out.size)
                                                : std::string("<error>");
                git_buf_dispose(&out);
                if (result)
                    *result = got;
                return got != in;
            };
            const std::string whole = content.toStdString();
            std::string libgit2;
            const bool full = converts(whole, &libgit2);
            TextStats stats;
            gatherTextStats(whole.data(), whole.size(), &stats);
            const std::string sample = sampleLike(stats);
            const bool sampled = !sample.empty() && converts(sample, nullptr);
            QVERIFY2(full == sampled, line);
            if (full)
                QCOMPARE(streamed(whole, 3), libgit2);
            git_filter_list_free(filters);
        }
        git_repository_free(repo);
    }
};

QTEST_APPLESS_MAIN(TestEolConversion)
#include "tst_eolconversion.moc"
