#include "io/WorkspaceController.h"

#include "io/Async.h"
#include "workspace/WorkspaceEditor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace repodeck::ui {

WorkspaceController::WorkspaceController(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(QFileInfo(path).absoluteFilePath())
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(250);
    connect(&m_debounce, &QTimer::timeout, this, &WorkspaceController::reload);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, &m_debounce,
            qOverload<>(&QTimer::start));
}

WorkspaceController::~WorkspaceController()
{
    stopWatching();
    // Edits hold the workspace lock and write the file: let them land.
    m_edit.waitForFinished();
    m_load.waitForFinished();
}

void WorkspaceController::stopWatching()
{
    m_debounce.stop();
    m_watcher.disconnect();
    if (!m_watcher.files().isEmpty())
        m_watcher.removePaths(m_watcher.files());
    if (!m_watcher.directories().isEmpty())
        m_watcher.removePaths(m_watcher.directories());
}

void WorkspaceController::reload()
{
    if (m_load.isRunning()) {
        m_reloadAgain = true;
        return;
    }
    const QString path = m_path;
    // Other files in the folder (the state file, lock files) change often:
    // only parse when the workspace's own bytes changed.
    const QByteArray previous = m_loaded ? m_raw : QByteArray();
    const bool loadedBefore = m_loaded;
    const int serial = ++m_loadSerial;
    auto load = [path, previous, loadedBefore] {
        Loaded loaded;
        QDir().mkpath(QFileInfo(path).absolutePath()); // so the folder can be watched
        QFile file(path);
        loaded.exists = file.exists();
        if (loaded.exists && file.open(QIODevice::ReadOnly))
            loaded.raw = file.readAll();
        if (loadedBefore && loaded.raw == previous) {
            loaded.unchanged = true;
            return loaded;
        }
        auto result = loaded.exists ? core::Workspace::fromJson(loaded.raw, path)
                                    : core::Workspace();
        if (result)
            loaded.workspace = result.value();
        else
            loaded.error = result.error().text();
        return loaded;
    };
    m_load = runAsync(this, std::move(load), [this, serial](const Loaded &loaded) {
        // A load started before this one's result arrived replaces it.
        if (serial == m_loadSerial)
            onLoaded(loaded);
    });
}

void WorkspaceController::onLoaded(const Loaded &loaded)
{
    watch(loaded.exists);
    if (m_reloadAgain) {
        m_reloadAgain = false;
        reload();
        return;
    }
    if (!loaded.error.isEmpty()) {
        // Keep showing the last good state; the user fixes the file by hand.
        emit loadFailed(loaded.error);
        return;
    }
    if (loaded.unchanged || (m_loaded && loaded.raw == m_raw))
        return;
    m_raw = loaded.raw;
    m_workspace = loaded.workspace;
    m_loaded = true;
    emit changed(m_workspace);
}

void WorkspaceController::watch(bool fileExists)
{
    // A rename replaces the file's inode and drops its watch: re-add each time.
    const QString dir = QFileInfo(m_path).absolutePath();
    if (!m_watcher.directories().contains(dir))
        m_watcher.addPath(dir);
    if (fileExists && !m_watcher.files().contains(m_path))
        m_watcher.addPath(m_path);
}

void WorkspaceController::edit(const QString &what, Edit edit)
{
    m_edits.enqueue({what, std::move(edit)});
    startNextEdit();
}

void WorkspaceController::startNextEdit()
{
    if (m_edit.isRunning() || !m_runningEdit.isEmpty() || m_edits.isEmpty())
        return;
    PendingEdit next = m_edits.dequeue();
    m_runningEdit = next.what.isEmpty() ? QStringLiteral("edit") : next.what;
    const QString path = m_path;
    m_edit = runAsync(
        this, [path, fn = std::move(next.edit)] { return core::editWorkspace(path, fn); },
        &WorkspaceController::onEdited);
}

void WorkspaceController::onEdited(const QString &error)
{
    const QString what = m_runningEdit;
    m_runningEdit.clear();
    if (!error.isEmpty())
        emit editFailed(what, error);
    emit editFinished(what, error);
    reload();
    startNextEdit();
}

} // namespace repodeck::ui
