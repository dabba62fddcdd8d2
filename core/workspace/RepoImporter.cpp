#include "workspace/RepoImporter.h"

#include "git/GitHandles.h"
#include "git/GitLibrary.h"
#include "util/RemoteUrl.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace repodeck::core {

namespace {

bool looksLikeRepository(const QDir &dir)
{
    if (QFileInfo::exists(dir.filePath(QStringLiteral(".git"))))
        return true;
    return QFileInfo(dir.filePath(QStringLiteral("HEAD"))).isFile()
           && QFileInfo(dir.filePath(QStringLiteral("objects"))).isDir()
           && QFileInfo(dir.filePath(QStringLiteral("refs"))).isDir();
}

FoundRepository describe(const QString &root, const QString &path)
{
    FoundRepository found;
    RepoSpec &spec = found.spec;
    spec.path = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    QString name = QDir(root).relativeFilePath(path);
    if (name == QLatin1String(".") || name.isEmpty())
        name = QFileInfo(path).fileName();
    if (name.endsWith(QLatin1String(".git")))
        name.chop(4);
    spec.name = name;

    git::initialize();
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, QFile::encodeName(path).constData(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr)
        < 0) {
        found.problem = QStringLiteral("not a readable git repository");
        return found;
    }
    git::Repository repo(raw);
    // Its own configuration may send checkouts elsewhere (core.worktree):
    // importing it must not let it write outside its folder.
    if (git_config *rawConfig = nullptr;
        git_repository_config_snapshot(&rawConfig, repo.get()) == 0) {
        git::Config config(rawConfig);
        git_buf buf = GIT_BUF_INIT;
        const bool elsewhere = git_config_get_string_buf(&buf, config.get(), "core.worktree") == 0;
        git_buf_dispose(&buf);
        git_error_clear();
        if (elsewhere) {
            found.problem = QStringLiteral(
                "sets core.worktree (its files live elsewhere); remove that setting first");
            return found;
        }
    }
    git_remote *rawRemote = nullptr;
    if (git_remote_lookup(&rawRemote, repo.get(), "origin") < 0) {
        found.problem = QStringLiteral("has no remote named origin");
        return found;
    }
    git::Remote remote(rawRemote);
    const RemoteUrl url = RemoteUrl::parse(QString::fromUtf8(git_remote_url(remote.get())));
    spec.url = url.redacted();
    if (!url.isValid())
        found.problem = url.error();
    else if (url.hasPassword())
        found.problem = QStringLiteral("its origin URL contains a password; remove it first");

    git::StrArray specs;
    git_remote_get_fetch_refspecs(&specs.array, remote.get());
    const bool mirrorSpec = specs.array.count == 1
                            && QByteArray(specs.array.strings[0])
                                   == QByteArrayLiteral("+refs/*:refs/*");
    spec.mode = (git_repository_is_bare(repo.get()) && mirrorSpec) ? RepoMode::Mirror
                                                                   : RepoMode::WorkingCopy;
    return found;
}

void walk(const QString &root, const QString &dirPath, int depth, int maxDepth,
          QList<FoundRepository> *out)
{
    const QDir dir(dirPath);
    if (looksLikeRepository(dir)) {
        out->append(describe(root, dirPath));
        return;
    }
    if (depth >= maxDepth)
        return;
    const QStringList children = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::NoSymLinks,
                                               QDir::Name);
    for (const QString &child : children) {
        if (child == QLatin1String("node_modules")
            || child.endsWith(QLatin1String(".repodeck-partial")))
            continue;
        walk(root, dir.filePath(child), depth + 1, maxDepth, out);
    }
}

} // namespace

QList<FoundRepository> findRepositories(const QString &root, int maxDepth)
{
    QList<FoundRepository> out;
    const QString clean = QDir::cleanPath(QFileInfo(root).absoluteFilePath());
    if (QFileInfo(clean).isDir())
        walk(clean, clean, 0, maxDepth, &out);
    return out;
}

} // namespace repodeck::core
