#include "GitRepoFactory.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QtDebug>

#include <cstring>

namespace repodeck::test {

namespace {

constexpr int kGitTimeoutMs = 60'000;

// fast-import's "data <n>" block: an exact byte count, so binary content and
// messages need no escaping.
void appendData(QByteArray &stream, const QByteArray &payload)
{
    stream += "data " + QByteArray::number(payload.size()) + '\n';
    stream += payload;
    stream += '\n';
}

QByteArray randomBytes(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    auto *rng = QRandomGenerator::global();
    qint64 offset = 0;
    while (offset < size) {
        const quint32 word = rng->generate();
        const qint64 n = qMin<qint64>(sizeof(word), size - offset);
        std::memcpy(bytes.data() + offset, &word, size_t(n));
        offset += n;
    }
    return bytes;
}

// Commits are written with `git fast-import` straight into the bare repository
// rather than through a work tree and push: one process per call instead of
// four per commit keeps repositories with hundreds of commits cheap, and the
// result is an ordinary repository indistinguishable from a pushed one.
bool importCommits(const QString &bareRepo, const QString &branch,
                   const QList<QPair<QString, QByteArray>> &files, const QString &messagePrefix,
                   int firstNumber)
{
    const QString ref = QStringLiteral("refs/heads/") + branch;
    const QString parent = GitRepoFactory::revParse(bareRepo, ref);
    const qint64 now = QDateTime::currentSecsSinceEpoch();

    QByteArray stream;
    for (int i = 0; i < files.size(); ++i) {
        stream += "commit " + ref.toUtf8() + '\n';
        // Dates end at "now" so the newest commit never lies in the future.
        const qint64 when = now - (files.size() - 1 - i);
        stream += "committer t <t@example.invalid> " + QByteArray::number(when) + " +0000\n";
        appendData(stream,
                   QStringLiteral("%1 %2\n").arg(messagePrefix).arg(firstNumber + i).toUtf8());
        // Only the first commit needs an explicit parent: fast-import chains
        // later commits on the same branch by itself.
        if (i == 0 && !parent.isEmpty())
            stream += "from " + parent.toUtf8() + '\n';
        stream += "M 100644 inline " + files.at(i).first.toUtf8() + '\n';
        appendData(stream, files.at(i).second);
        stream += '\n';
    }
    stream += "done\n";

    int exitCode = -1;
    QByteArray errors;
    GitRepoFactory::gitWithInput({QStringLiteral("fast-import"), QStringLiteral("--quiet"),
                                  QStringLiteral("--done")},
                                 bareRepo, stream, &exitCode, &errors);
    if (exitCode != 0) {
        qWarning().noquote() << "git fast-import failed in" << bareRepo << ":" << errors;
        return false;
    }
    return true;
}

int commitCount(const QString &repo, const QString &branch)
{
    int exitCode = -1;
    const QString out = GitRepoFactory::git({QStringLiteral("rev-list"), QStringLiteral("--count"),
                                             QStringLiteral("refs/heads/") + branch},
                                            repo, &exitCode);
    return exitCode == 0 ? out.trimmed().toInt() : 0;
}

bool gitOk(const QStringList &args, const QString &workDir)
{
    int exitCode = -1;
    QByteArray errors;
    GitRepoFactory::gitWithInput(args, workDir, QByteArray(), &exitCode, &errors);
    if (exitCode != 0)
        qWarning().noquote() << "git" << args.join(QLatin1Char(' ')) << "failed in" << workDir
                             << ":" << errors;
    return exitCode == 0;
}

} // namespace

QString GitRepoFactory::createBareRepo(const QString &root, const QString &name, int commits,
                                       const QString &branch)
{
    QDir rootDir(root);
    if (!rootDir.mkpath(QStringLiteral(".")))
        return QString();
    const QString path = QDir::cleanPath(rootDir.absoluteFilePath(name));
    if (!gitOk({QStringLiteral("init"), QStringLiteral("--quiet"), QStringLiteral("--bare"),
                QStringLiteral("--initial-branch=") + branch, path},
               rootDir.absolutePath()))
        return QString();
    if (commits > 0 && !addCommits(path, commits, branch))
        return QString();
    return path;
}

bool GitRepoFactory::addCommits(const QString &bareRepo, int n, const QString &branch)
{
    if (n <= 0)
        return true;
    const int existing = commitCount(bareRepo, branch);
    QList<QPair<QString, QByteArray>> files;
    files.reserve(n);
    for (int i = 1; i <= n; ++i) {
        const int number = existing + i;
        // A new file per commit (named after the branch too) so every commit
        // has a distinct tree even across branches.
        files.append({QStringLiteral("commits/%1-%2.txt")
                          .arg(QString(branch).replace(QLatin1Char('/'), QLatin1Char('_')))
                          .arg(number),
                      QStringLiteral("commit %1 on %2\n").arg(number).arg(branch).toUtf8()});
    }
    return importCommits(bareRepo, branch, files, QStringLiteral("Commit"), existing + 1);
}

bool GitRepoFactory::addBranch(const QString &bareRepo, const QString &name,
                               const QString &startPoint)
{
    return gitOk({QStringLiteral("branch"), QStringLiteral("--quiet"), name, startPoint}, bareRepo);
}

bool GitRepoFactory::deleteBranch(const QString &bareRepo, const QString &name)
{
    return gitOk({QStringLiteral("branch"), QStringLiteral("--quiet"), QStringLiteral("-D"), name},
                 bareRepo);
}

bool GitRepoFactory::addTag(const QString &bareRepo, const QString &tag, const QString &rev,
                            const QString &message)
{
    if (message.isEmpty())
        return gitOk({QStringLiteral("tag"), tag, rev}, bareRepo);
    return gitOk({QStringLiteral("tag"), QStringLiteral("-a"), QStringLiteral("-m"), message, tag,
                  rev},
                 bareRepo);
}

bool GitRepoFactory::addLargeFile(const QString &bareRepo, qint64 sizeBytes, const QString &branch,
                                  const QString &fileName)
{
    const int existing = commitCount(bareRepo, branch);
    return importCommits(bareRepo, branch, {{fileName, randomBytes(sizeBytes)}},
                         QStringLiteral("Large file, commit"), existing + 1);
}

QString GitRepoFactory::git(const QStringList &args, const QString &workDir, int *exitCode)
{
    int code = -1;
    QByteArray errors;
    const QByteArray out = gitWithInput(args, workDir, QByteArray(), &code, &errors);
    if (exitCode)
        *exitCode = code;
    else if (code != 0)
        qWarning().noquote() << "git" << args.join(QLatin1Char(' ')) << "failed (" << code << ") in"
                             << workDir << ":" << errors;
    return QString::fromUtf8(out);
}

QByteArray GitRepoFactory::gitWithInput(const QStringList &args, const QString &workDir,
                                        const QByteArray &input, int *exitCode,
                                        QByteArray *standardError)
{
    QProcess process;
    process.setProgram(QStringLiteral("git"));
    process.setArguments(configArgs() + args);
    process.setWorkingDirectory(workDir);
    process.setProcessEnvironment(environment());
    process.start();

    auto fail = [&](const QByteArray &why) {
        if (exitCode)
            *exitCode = -1;
        if (standardError)
            *standardError = why + process.readAllStandardError();
        return QByteArray();
    };
    if (!process.waitForStarted(kGitTimeoutMs))
        return fail("could not start git: " + process.errorString().toUtf8() + '\n');
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(kGitTimeoutMs)) {
        process.kill();
        process.waitForFinished(5'000);
        return fail("git timed out after 60 s\n");
    }
    if (process.exitStatus() != QProcess::NormalExit)
        return fail("git crashed\n");
    if (exitCode)
        *exitCode = process.exitCode();
    if (standardError)
        *standardError = process.readAllStandardError();
    return process.readAllStandardOutput();
}

QString GitRepoFactory::revParse(const QString &repo, const QString &rev)
{
    int exitCode = -1;
    const QString out = git({QStringLiteral("rev-parse"), QStringLiteral("--verify"),
                             QStringLiteral("--quiet"), rev},
                            repo, &exitCode);
    return exitCode == 0 ? out.trimmed() : QString();
}

QStringList GitRepoFactory::refs(const QString &repo)
{
    const QString out = git({QStringLiteral("for-each-ref"),
                             QStringLiteral("--format=%(refname) %(objectname)")},
                            repo);
    QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    lines.sort();
    return lines;
}

QStringList GitRepoFactory::configArgs()
{
    return {QStringLiteral("-c"), QStringLiteral("user.name=t"), QStringLiteral("-c"),
            QStringLiteral("user.email=t@example.invalid"), QStringLiteral("-c"),
            QStringLiteral("init.defaultBranch=main"), QStringLiteral("-c"),
            QStringLiteral("protocol.file.allow=always"), QStringLiteral("-c"),
            QStringLiteral("core.autocrlf=false"),
            // A detached background gc could rewrite a repository while a
            // test inspects it or QTemporaryDir removes it.
            QStringLiteral("-c"), QStringLiteral("gc.auto=0"), QStringLiteral("-c"),
            QStringLiteral("maintenance.auto=false")};
}

QString GitRepoFactory::execPath()
{
    static const QString path = [] {
        int exitCode = -1;
        const QString out = git({QStringLiteral("--exec-path")}, QDir::tempPath(), &exitCode)
                                .trimmed();
        return exitCode == 0 ? out : QString();
    }();
    return path;
}

QProcessEnvironment GitRepoFactory::environment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    env.insert(QStringLiteral("GIT_CONFIG_GLOBAL"), QStringLiteral("/dev/null"));
    // Failing is the right answer for a test that forgot credentials; a
    // prompt would hang it until the ctest timeout.
    env.insert(QStringLiteral("GIT_TERMINAL_PROMPT"), QStringLiteral("0"));
    env.remove(QStringLiteral("GIT_ASKPASS"));
    env.remove(QStringLiteral("SSH_ASKPASS"));
    // Tests assert on git's messages, so they must not be translated.
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    env.remove(QStringLiteral("LANGUAGE"));
    // Traffic to 127.0.0.1 must never be routed through a developer's or CI's
    // proxy: the fault proxy would be bypassed, or the test would leave the host.
    for (const char *name :
         {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"})
        env.remove(QString::fromLatin1(name));
    env.insert(QStringLiteral("no_proxy"), QStringLiteral("127.0.0.1,localhost"));
    env.insert(QStringLiteral("NO_PROXY"), QStringLiteral("127.0.0.1,localhost"));
    return env;
}

} // namespace repodeck::test
