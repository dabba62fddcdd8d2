#include "io/DestinationCheck.h"

#include "util/RemoteUrl.h"
#include "workspace/RepoImporter.h"

#include <QDir>
#include <QFileInfo>

namespace repodeck::ui {

namespace {

// Spellings of one remote that git treats alike.
QString comparable(const QString &url)
{
    QString u = core::RemoteUrl::parse(url).redacted();
    while (u.endsWith(QLatin1Char('/')))
        u.chop(1);
    if (u.endsWith(QLatin1String(".git")))
        u.chop(4);
    return u;
}

} // namespace

DestinationVerdict DestinationVerdict::inspect(const QString &path, const QString &url,
                                               core::RepoMode mode)
{
    using K = Kind;
    if (path.trimmed().isEmpty() || !QDir::isAbsolutePath(path))
        return {K::Invalid, QStringLiteral("Give an absolute folder path.")};
    const QFileInfo info(path);
    if (!info.exists())
        return {K::Missing, QStringLiteral("The folder will be created.")};
    if (!info.isDir())
        return {K::NotAFolder, QStringLiteral("%1 is a file; choose a folder.").arg(path)};
    if (QDir(path).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot))
        return {K::Empty,
                QStringLiteral("The folder is empty; the repository will be cloned into it.")};

    // maxDepth 0: only the folder itself, never its subfolders.
    const QList<core::FoundRepository> found = core::findRepositories(path, 0);
    if (found.isEmpty())
        return {K::NotEmpty, QStringLiteral("The folder is not empty and is not a git repository; "
                                            "choose an empty or new folder.")};
    const core::FoundRepository &repo = found.first();
    if (repo.spec.url.isEmpty())
        return {K::OtherRepository,
                QStringLiteral("The folder is a git repository without an origin remote; "
                               "choose another folder or add the remote first.")};
    if (comparable(repo.spec.url) != comparable(url))
        return {K::OtherRepository,
                QStringLiteral(
                    "The folder is a clone of %1, not of this URL; choose another folder.")
                    .arg(core::RemoteUrl::parse(repo.spec.url).redacted())};
    if (repo.spec.mode != mode)
        return {
            K::OtherRepository,
            mode == core::RepoMode::Mirror
                ? QStringLiteral(
                    "The folder is a working copy of this URL, not a mirror; choose \"working copy\".")
                : QStringLiteral(
                    "The folder is a mirror of this URL, not a working copy; choose \"mirror\".")};
    return {K::SameRepository,
            QStringLiteral("Already a clone of this URL; RepoDeck will fetch into it.")};
}

} // namespace repodeck::ui
