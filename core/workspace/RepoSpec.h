#pragma once

#include <QJsonObject>
#include <QString>

namespace repodeck::core {

enum class RepoMode { WorkingCopy, Mirror };

QString repoModeName(RepoMode mode);

// One repository as the user configured it. The URL never holds a secret.
struct RepoSpec
{
    QString name;
    QString url;
    QString path;    // absolute local path
    RepoMode mode = RepoMode::WorkingCopy;
    QString branch;  // branch to check out on clone; empty = remote default
    QString policy = QStringLiteral("default");

    QJsonObject toJson() const;
    static RepoSpec fromJson(const QJsonObject &json, QString *error);
    bool operator==(const RepoSpec &o) const
    {
        return name == o.name && url == o.url && path == o.path && mode == o.mode
               && branch == o.branch && policy == o.policy;
    }
};

// Names are used in file names, logs and shell scripts: keep them tame.
QString validateRepoName(const QString &name);

// A repository's folder may not be inside another repository's git folder
// (a/.git/objects, or any folder of a bare repository): a clone there would
// write into that repository's object store. Empty when acceptable.
QString validateRepoPath(const QString &path);

} // namespace repodeck::core
