#pragma once

#include "retry/RetryPolicy.h"
#include "util/Result.h"
#include "workspace/RepoSpec.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

namespace repodeck::core {

struct WorkspaceError
{
    QString path;
    int line = 0; // 1-based; 0 when the error has no position
    int column = 0;
    QString message;

    // "FILE:LINE:COL: message" — the shape editors and terminals link.
    QString text() const;
};

// The user's repositories and retry policies: one JSON file, written
// atomically. A file that cannot be read is never overwritten.
class Workspace
{
public:
    // 2: retry_after_limit became an explicit opt-in (see fromJson).
    static constexpr int kSchemaVersion = 2;

    Workspace();

    // A missing file is an empty workspace; anything unreadable is an error.
    static Result<Workspace, WorkspaceError> load(const QString &path);
    static Result<Workspace, WorkspaceError> fromJson(const QByteArray &data, const QString &path);
    QByteArray toJson() const;
    // Atomic (write to a temporary file, then rename). Returns an error text or empty.
    QString save(const QString &path) const;

    // The platform's config directory, or $REPODECK_WORKSPACE when set.
    static QString defaultPath();

    const QList<RepoSpec> &repositories() const { return m_repos; }
    const RepoSpec *repository(const QString &name) const;
    // Returns an error text (duplicate name or path, unknown policy) or empty.
    QString addRepository(const RepoSpec &spec);
    bool removeRepository(const QString &name);
    void updateRepository(const RepoSpec &spec);

    const QMap<QString, RetryPolicy> &policies() const { return m_policies; }
    RetryPolicy policy(const QString &name) const; // falls back to "default"
    bool hasPolicy(const QString &name) const { return m_policies.contains(name); }
    void setPolicy(const RetryPolicy &policy);
    bool removePolicy(const QString &name); // "default" cannot be removed

private:
    // fromFile: an entry of a file being loaded, accepted even when it cannot
    // be cloned here (too long a path on Windows), so that the workspace's
    // other repositories still sync; that one's sync says why it fails.
    QString add(const RepoSpec &spec, bool fromFile);

    static QString pathKey(const QString &path);
    void reindex();

    QList<RepoSpec> m_repos;
    QMap<QString, RetryPolicy> m_policies;
    // Indexes into m_repos: by name, by folder (pathKey), mirrors by folder.
    QHash<QString, qsizetype> m_byName;
    QHash<QString, qsizetype> m_byPath;
    QHash<QString, qsizetype> m_mirrors;
};

} // namespace repodeck::core
