#pragma once

#include "sync/SyncTypes.h"
#include "workspace/Workspace.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <functional>

class QWidget;

namespace repodeck::core {
class SyncSession;
}

namespace repodeck::ui {

class AppSettings;
class RepoTableModel;
class WorkspaceController;

// What the main window's actions do: sync and cancel through the engine session,
// add, import, remove and re-assign through locked workspace edits, and the
// desktop helpers (open folder, copy URL). Dialogs open window-modal without
// a nested event loop. Disk work (deleting folders) runs on a worker thread.
class RepoCommands : public QObject
{
    Q_OBJECT

public:
    RepoCommands(core::SyncSession *session, WorkspaceController *workspace, RepoTableModel *model,
                 AppSettings *settings, QWidget *window);

    // The repositories the user selected, in table order.
    void setSelection(std::function<QStringList()> selection)
    {
        m_selection = std::move(selection);
    }

    // On a metered connection the first manual request of the session asks
    // once (window-modal, no nested loop) before anything is sent.
    void sync(const QStringList &names, core::Trigger trigger = core::Trigger::Scheduled);
    bool meteredConfirmed() const { return m_meteredConfirmed; }
    // A person asked: repositories waiting for a retry (or a paused host)
    // run their next attempt now (Trigger::Manual).
    void syncSelected();
    void syncAll();
    void cancelSelected();
    void cancelAll();
    void setPaused(bool paused);

    void add();
    void chooseImportFolder();
    void importFolder(const QString &folder);
    // Adds through one locked edit; each added repository is synced once the
    // workspace shows it.
    void addRepositories(const QList<core::RepoSpec> &specs);
    void removeSelected();
    void remove(const QStringList &names, bool deleteFiles);
    void editPolicies();
    void assignPolicy(const QString &policy, const QStringList &names);
    void openFolder();
    void copyUrls();

    // Call when the workspace changed: starts the syncs of new additions.
    void workspaceChanged(const core::Workspace &workspace);

signals:
    void message(const QString &text);
    void failed(const QString &title, const QString &text);

private:
    void confirmMetered(const QStringList &names);
    void deleteFolders(const QStringList &paths);
    void onFinished(const QString &name);

    core::SyncSession *m_session;
    WorkspaceController *m_workspace;
    RepoTableModel *m_model;
    AppSettings *m_settings;
    QWidget *m_window;
    std::function<QStringList()> m_selection;
    QSet<QString> m_syncWhenAdded;
    QHash<QString, QString> m_deleteAfterCancel; // name -> folder, waiting for the sync to stop
    bool m_meteredConfirmed = false;
    QStringList m_meteredAsked; // manual requests waiting for the answer
};

} // namespace repodeck::ui
