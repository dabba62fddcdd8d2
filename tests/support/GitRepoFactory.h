#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace repodeck::test {

// Builds real repositories with the `git` CLI for integration tests.
// All helpers block (bounded) and are safe to call from any thread.
// Mutating helpers return false and log a warning with git's stderr on
// failure, so tests can QVERIFY them and still get a readable cause.
class GitRepoFactory
{
public:
    // Creates <root>/<name> as a bare repository whose HEAD points at `branch`
    // and which holds `commits` commits on it. Returns the absolute path, or an
    // empty string on failure.
    static QString createBareRepo(const QString &root, const QString &name, int commits = 3,
                                  const QString &branch = QStringLiteral("main"));

    // Appends `n` commits (one new small file each) to `branch`, creating the
    // branch from nothing if it does not exist yet.
    static bool addCommits(const QString &bareRepo, int n,
                           const QString &branch = QStringLiteral("main"));

    static bool addBranch(const QString &bareRepo, const QString &name,
                          const QString &startPoint = QStringLiteral("HEAD"));
    static bool deleteBranch(const QString &bareRepo, const QString &name);
    // Lightweight tag; an annotated one when `message` is non-empty.
    static bool addTag(const QString &bareRepo, const QString &tag,
                       const QString &rev = QStringLiteral("HEAD"),
                       const QString &message = QString());

    // Adds one commit on `branch` containing an incompressible (random) file of
    // exactly `sizeBytes`, so transfers of it cannot be shrunk by zlib.
    static bool addLargeFile(const QString &bareRepo, qint64 sizeBytes,
                             const QString &branch = QStringLiteral("main"),
                             const QString &fileName = QStringLiteral("large.bin"));

    // Runs `git <args>` in `workDir` with an isolated configuration, waiting at
    // most 60 s. Returns stdout. `exitCode` receives git's exit code, or -1 if
    // it could not start, crashed or timed out. Without `exitCode` a failure is
    // logged as a warning (with stderr) because nobody else would notice it.
    static QString git(const QStringList &args, const QString &workDir, int *exitCode = nullptr);
    // Same with bytes for stdin and an optional stderr capture.
    static QByteArray gitWithInput(const QStringList &args, const QString &workDir,
                                   const QByteArray &input, int *exitCode = nullptr,
                                   QByteArray *standardError = nullptr);

    // Full object id of `rev`, or an empty string if it does not resolve.
    static QString revParse(const QString &repo, const QString &rev);
    // "refs/heads/main <sha>" lines, sorted. Used to compare a mirror with its origin.
    static QStringList refs(const QString &repo);

    // The configuration every helper passes with -c: a fixed identity and
    // default branch, and file:// transport allowed for local clones.
    static QStringList configArgs();
    // `git --exec-path`: where helpers such as git-daemon and git-http-backend
    // live (they are not on PATH). Computed once.
    static QString execPath();
    // Environment that keeps the developer's ~/.gitconfig, /etc/gitconfig,
    // credential prompts and HTTP proxies out of a test. Use it for git
    // processes a test starts itself (and for the CLI under test).
    static QProcessEnvironment environment();
};

} // namespace repodeck::test
