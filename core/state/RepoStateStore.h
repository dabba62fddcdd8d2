#pragma once

#include "state/RepoState.h"
#include "util/Result.h"

#include <QHash>
#include <QString>
#include <QStringList>

namespace repodeck::core {

// Per-repository status, saved next to the workspace file as
// "<workspace>.state.json". Kept apart from the workspace because it changes
// on every sync while the workspace is something people edit by hand and
// share with repodeck-cli. Plain value: load and save it off the GUI thread.
class RepoStateStore
{
public:
    static constexpr int kSchemaVersion = 1;

    static QString pathFor(const QString &workspacePath);

    // A missing file is an empty store; an unreadable one is an error text.
    static Result<RepoStateStore, QString> load(const QString &path);
    static Result<RepoStateStore, QString> fromJson(const QByteArray &data);
    QByteArray toJson() const;
    // Atomic (temporary file, then rename). Returns an error text or empty.
    QString save(const QString &path) const;

    bool contains(const QString &name) const { return m_states.contains(name); }
    RepoState state(const QString &name) const { return m_states.value(name); }
    void setState(const QString &name, const RepoState &state) { m_states.insert(name, state); }
    void remove(const QString &name) { m_states.remove(name); }
    // Forgets repositories that are no longer in the workspace.
    void retainOnly(const QStringList &names);
    QStringList names() const { return m_states.keys(); }
    bool isEmpty() const { return m_states.isEmpty(); }
    int size() const { return static_cast<int>(m_states.size()); }

    bool operator==(const RepoStateStore &other) const { return m_states == other.m_states; }

private:
    QHash<QString, RepoState> m_states;
};

} // namespace repodeck::core
