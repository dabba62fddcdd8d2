#pragma once

#include "workspace/Workspace.h"

#include <QFileSystemWatcher>
#include <QFuture>
#include <QObject>
#include <QQueue>
#include <QTimer>

#include <functional>

namespace repodeck::ui {

// The GUI's view of the workspace file it shares with repodeck-cli. Loads
// and edits run off the GUI thread; every edit is a locked read-modify-write
// (core::editWorkspace), so neither side loses the other's changes. External
// edits are picked up through a watcher on the file and its folder (saves are
// atomic renames, which a watch on the file alone would miss).
class WorkspaceController : public QObject
{
    Q_OBJECT

public:
    using Edit = std::function<QString(core::Workspace &)>;

    explicit WorkspaceController(const QString &path, QObject *parent = nullptr);
    ~WorkspaceController() override;

    QString path() const { return m_path; }
    const core::Workspace &workspace() const { return m_workspace; }
    bool isLoaded() const { return m_loaded; }

    // Reads the file in the background; emits changed() if it differs.
    void reload();
    // Queues an edit; it runs on a worker thread, so capture values only.
    // `what` names the edit in an error message ("Adding alpha").
    void edit(const QString &what, Edit edit);

    void stopWatching();

signals:
    void changed(const repodeck::core::Workspace &workspace);
    void loadFailed(const QString &message);
    void editFailed(const QString &what, const QString &message);
    // After every edit, successful or not (empty message = saved).
    void editFinished(const QString &what, const QString &message);

private:
    struct Loaded
    {
        QByteArray raw;
        bool exists = false;
        bool unchanged = false; // same bytes as last time: not parsed
        core::Workspace workspace;
        QString error;
    };
    struct PendingEdit
    {
        QString what;
        Edit edit;
    };

    void watch(bool fileExists);
    void onLoaded(const Loaded &loaded);
    void onEdited(const QString &error);
    void startNextEdit();

    QString m_path;
    core::Workspace m_workspace;
    QByteArray m_raw; // the bytes m_workspace came from: unchanged files are ignored
    bool m_loaded = false;
    bool m_reloadAgain = false;
    QFileSystemWatcher m_watcher;
    QTimer m_debounce; // 250 ms from a file event to the reload
    QFuture<Loaded> m_load;
    int m_loadSerial = 0; // only the newest load's result counts
    QQueue<PendingEdit> m_edits;
    QString m_runningEdit;
    QFuture<QString> m_edit;
};

} // namespace repodeck::ui
