#include "workspace/RepoSpec.h"

#include "util/RemoteUrl.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace repodeck::core {

QString repoModeName(RepoMode mode)
{
    return mode == RepoMode::Mirror ? QStringLiteral("mirror") : QStringLiteral("working_copy");
}

QString validateRepoName(const QString &name)
{
    static const QRegularExpression ok(QStringLiteral(R"(^[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}$)"));
    if (!ok.match(name).hasMatch())
        return QStringLiteral(
                   "The name \"%1\" is not usable; use letters, digits and . _ - / + "
                   "(starting with a letter or digit).")
            .arg(name);
    return {};
}

namespace {

bool isGitDirectory(const QDir &dir)
{
    return QFileInfo(dir.filePath(QStringLiteral("HEAD"))).isFile()
           && QFileInfo(dir.filePath(QStringLiteral("objects"))).isDir()
           && QFileInfo(dir.filePath(QStringLiteral("refs"))).isDir();
}

} // namespace

QString validateRepoPath(const QString &path)
{
    const QString clean = QDir::cleanPath(QDir::fromNativeSeparators(path));
    const QStringList parts = clean.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    // As the file systems see it: case-insensitively (".GIT" on Windows and
    // macOS), without trailing dots and spaces (".git." on Windows), without
    // the characters HFS+ ignores (".g\u200cit"), and the 8.3 short name.
    auto isGitFolderName = [](QString part) {
        static const QRegularExpression ignorable(
            QStringLiteral("[\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}"
                           "\\x{2060}-\\x{206F}\\x{FEFF}]"));
        part.remove(ignorable);
        while (part.endsWith(QLatin1Char('.')) || part.endsWith(QLatin1Char(' ')))
            part.chop(1);
        return part.compare(QLatin1String(".git"), Qt::CaseInsensitive) == 0
               || part.compare(QLatin1String("git~1"), Qt::CaseInsensitive) == 0;
    };
    if (std::any_of(parts.begin(), parts.end(), isGitFolderName))
        return QStringLiteral(
                   "%1 is inside a repository's .git folder; choose a folder outside it.")
            .arg(QDir::toNativeSeparators(clean));
    QDir dir(clean);
    while (dir.cdUp()) {
        if (isGitDirectory(dir))
            return QStringLiteral(
                       "%1 is inside the git folder %2 (a bare repository or a .git folder); choose a "
                       "folder outside it.")
                .arg(QDir::toNativeSeparators(clean), QDir::toNativeSeparators(dir.path()));
        if (dir.isRoot())
            break;
    }
    return {};
}

QString repoPathLengthProblem(const QString &path, RepoMode mode)
{
    constexpr int kMaxPath = 260;            // MAX_PATH, with libgit2's own count
    constexpr int kLongestGitFile = 28 + 40; // objects/pack/pack-<sha1>.pack.lock
    constexpr int kPartial = 18;             // "/.NAME" for "/NAME", ".repodeck-partial"
    const int gitFolder = mode == RepoMode::Mirror ? 1 : 6; // "/" or "/.git/"
    const int limit = kMaxPath - kLongestGitFile - kPartial - gitFolder;
    // libgit2 counts characters (UTF-8 sequences), as Windows counts UTF-16 units
    // for all but the rare characters outside the BMP.
    const QString clean = QDir::cleanPath(QDir::fromNativeSeparators(path));
    if (clean.size() <= limit)
        return {};
    return QStringLiteral(
               "%1 is %2 characters long; on Windows a %3 folder may have at most %4 (libgit2 keeps "
               "its files there below the 260-character MAX_PATH); choose a shorter path.")
        .arg(QDir::toNativeSeparators(clean))
        .arg(clean.size())
        .arg(mode == RepoMode::Mirror ? QStringLiteral("mirror") : QStringLiteral("repository"))
        .arg(limit);
}

QJsonObject RepoSpec::toJson() const
{
    QJsonObject o{
        {QStringLiteral("name"), name},
        {QStringLiteral("url"), url},
        {QStringLiteral("path"), QDir::fromNativeSeparators(path)},
        {QStringLiteral("mode"), repoModeName(mode)},
        {QStringLiteral("policy"), policy},
    };
    if (!branch.isEmpty())
        o.insert(QStringLiteral("branch"), branch);
    // Written only when set, so older files and older readers are unchanged.
    if (afterSync)
        o.insert(QStringLiteral("after_sync"), *afterSync);
    if (afterSyncOn)
        o.insert(QStringLiteral("after_sync_on"), *afterSyncOn == AfterSyncOn::Any
                                                      ? QStringLiteral("any")
                                                      : QStringLiteral("success"));
    if (afterSyncTimeout)
        o.insert(QStringLiteral("after_sync_timeout"), formatDuration(*afterSyncTimeout));
    return o;
}

RetryPolicy RepoSpec::withAfterSync(RetryPolicy policy) const
{
    if (afterSync)
        policy.afterSync = *afterSync;
    if (afterSyncOn)
        policy.afterSyncOn = *afterSyncOn;
    if (afterSyncTimeout)
        policy.afterSyncTimeout = *afterSyncTimeout;
    return policy;
}

RepoSpec RepoSpec::fromJson(const QJsonObject &json, QString *error)
{
    RepoSpec r;
    QStringList problems;
    r.name = json.value(QLatin1String("name")).toString();
    r.url = json.value(QLatin1String("url")).toString();
    r.path = QDir::toNativeSeparators(json.value(QLatin1String("path")).toString());
    r.branch = json.value(QLatin1String("branch")).toString();
    r.policy = json.value(QLatin1String("policy")).toString(QStringLiteral("default"));
    const QString mode = json.value(QLatin1String("mode")).toString(QStringLiteral("working_copy"));
    if (json.contains(QLatin1String("after_sync"))) {
        const QJsonValue v = json.value(QLatin1String("after_sync"));
        if (!v.isString())
            problems << QStringLiteral("after_sync must be a command (a string; \"\" for none)");
        else
            r.afterSync = v.toString();
    }
    if (json.contains(QLatin1String("after_sync_on"))) {
        const QString v = json.value(QLatin1String("after_sync_on")).toString();
        if (v == QLatin1String("success"))
            r.afterSyncOn = AfterSyncOn::Success;
        else if (v == QLatin1String("any"))
            r.afterSyncOn = AfterSyncOn::Any;
        else
            problems << QStringLiteral("after_sync_on must be success or any");
    }
    if (json.contains(QLatin1String("after_sync_timeout"))) {
        const QJsonValue v = json.value(QLatin1String("after_sync_timeout"));
        const auto parsed = v.isString() ? parseDuration(v.toString()) : std::nullopt;
        if (!parsed || parsed->count() <= 0)
            problems << QStringLiteral("after_sync_timeout is not a positive duration like \"5m\"");
        else
            r.afterSyncTimeout = *parsed;
    }
    if (mode == QLatin1String("mirror"))
        r.mode = RepoMode::Mirror;
    else if (mode != QLatin1String("working_copy"))
        problems << QStringLiteral("mode must be \"working_copy\" or \"mirror\"");
    if (const QString e = validateRepoName(r.name); !e.isEmpty())
        problems << e;
    // RepoDeck 0.x stored "%20" decoded as a space (Azure DevOps project
    // names): such a workspace still loads, and is saved encoded.
    if (r.url.contains(QLatin1String("://")) && r.url.contains(QLatin1Char(' ')))
        r.url.replace(QLatin1Char(' '), QLatin1String("%20"));
    const RemoteUrl url = RemoteUrl::parse(r.url);
    if (!url.isValid())
        problems << url.error();
    else if (url.hasPassword())
        problems << QStringLiteral(
            "the URL contains a password; remove it from the workspace file (`repodeck-cli add` "
            "with the URL moves a password into the system keychain)");
    if (r.path.isEmpty() || !QDir::isAbsolutePath(r.path))
        problems << QStringLiteral("path must be an absolute path");
    if (error)
        *error = problems.join(QStringLiteral("; "));
    return r;
}

} // namespace repodeck::core
