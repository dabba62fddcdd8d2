#pragma once

#include "retry/RetryPolicy.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace repodeck::core {

enum class RepoMode { WorkingCopy, Mirror };

QString repoModeName(RepoMode mode);

// One repository as the user configured it. The URL never holds a secret.
struct RepoSpec
{
    QString name;
    QString url;
    QString path; // absolute local path
    RepoMode mode = RepoMode::WorkingCopy;
    QString branch; // branch to check out on clone; empty = remote default
    QString policy = QStringLiteral("default");
    // This repository's own after_sync, over its policy's: unset = the
    // policy's; an empty command = none for this repository. after_sync_on and
    // the timeout fall back to the policy's when unset.
    std::optional<QString> afterSync;
    std::optional<AfterSyncOn> afterSyncOn;
    std::optional<Millis> afterSyncTimeout;

    // What runs after this repository's sync: its own settings over the policy's.
    RetryPolicy withAfterSync(RetryPolicy policy) const;

    QJsonObject toJson() const;
    static RepoSpec fromJson(const QJsonObject &json, QString *error);
    bool operator==(const RepoSpec &o) const
    {
        return name == o.name && url == o.url && path == o.path && mode == o.mode
               && branch == o.branch && policy == o.policy && afterSync == o.afterSync
               && afterSyncOn == o.afterSyncOn && afterSyncTimeout == o.afterSyncTimeout;
    }
};

// Names are used in file names, logs and shell scripts: keep them tame.
QString validateRepoName(const QString &name);

// A repository's folder may not be inside another repository's git folder
// (a/.git/objects, or any folder of a bare repository): a clone there would
// write into that repository's object store. Empty when acceptable.
QString validateRepoPath(const QString &path);

// libgit2 on Windows refuses a repository whose git folder's path, plus the
// longest file name it puts there, exceeds MAX_PATH (260 characters), even
// with core.longpaths (which covers only work tree files); a clone is made
// in a sibling ".NAME.repodeck-partial" first. So on Windows a working copy's
// folder may have at most 168 characters, a mirror's 173. Empty when
// acceptable (checked on every platform; Workspace applies it on Windows).
QString repoPathLengthProblem(const QString &path, RepoMode mode);

} // namespace repodeck::core
