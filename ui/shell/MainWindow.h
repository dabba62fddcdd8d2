#pragma once

#include "model/RepoStatus.h"
#include "shell/AppSettings.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QTreeView;

namespace repodeck::core {
class Scheduler;
class SyncSession;
class Workspace;
} // namespace repodeck::core

namespace repodeck::ui {

class DetailsPane;
class MainActions;
class RepoCommands;
class RepoFilterProxy;
class RepoTableModel;
class SyncTracker;
class TrayController;
class TrustCenter;
class AttentionBar;
class WorkspaceController;

// The main window: the repository table, the details dock, toolbar, menus,
// status bar totals and the tray. It wires the parts together; the parts do
// the work (the engine session for syncing, plans and results, RepoCommands
// for actions, SyncTracker for what the table shows, WorkspaceController for
// the file).
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const QString &workspacePath, QWidget *parent = nullptr);
    ~MainWindow() override;

    core::SyncSession *session() const { return m_session.get(); }
    core::Scheduler *scheduler() const;
    RepoTableModel *model() const { return m_model; }
    RepoFilterProxy *proxy() const { return m_proxy; }
    SyncTracker *tracker() const { return m_tracker; }
    WorkspaceController *workspace() const { return m_workspace; }
    DetailsPane *details() const { return m_details; }
    QTreeView *table() const { return m_table; }
    MainActions *actions() const { return m_actions; }
    RepoCommands *commands() const { return m_commands; }
    TrayController *tray() const { return m_tray; }
    TrustCenter *trust() const { return m_trust; }
    AttentionBar *attentionBar() const { return m_attention; }

    // The URL as it may be shown and logged (credentials removed).
    QString redactedUrl(const QString &name) const;
    QStringList selectedNames() const;
    void selectRepository(const QString &name);
    // Quits for real, even with "close to tray" on.
    void quit();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildTable();
    void buildToolBar();
    void buildMenus();
    void buildStatusBar();
    void connectParts();
    void applySettings();
    void saveSettings();
    void onWorkspaceChanged(const core::Workspace &workspace);
    void onSelectionChanged();
    void showTotals(const SyncTotals &totals);
    void showMetered(bool metered, int waiting);
    void showContextMenu(const QPoint &pos);
    void fillPolicyMenu(QMenu *menu);
    void showHostState(const QString &host, int state, qint64 reopenInMs, int failures);
    void toggleVisible();
    void offerPastTrustRequests();

    AppSettings m_settings;
    std::unique_ptr<core::SyncSession> m_session;
    RepoTableModel *m_model = nullptr;
    RepoFilterProxy *m_proxy = nullptr;
    SyncTracker *m_tracker = nullptr;
    WorkspaceController *m_workspace = nullptr;
    MainActions *m_actions = nullptr;
    RepoCommands *m_commands = nullptr;
    TrayController *m_tray = nullptr;
    TrustCenter *m_trust = nullptr;
    AttentionBar *m_attention = nullptr;

    QTreeView *m_table = nullptr;
    QDockWidget *m_detailsDock = nullptr;
    DetailsPane *m_details = nullptr;
    QComboBox *m_filter = nullptr;
    QLineEdit *m_search = nullptr;
    QMenu *m_assignMenu = nullptr;
    QLabel *m_running = nullptr;
    QLabel *m_waiting = nullptr;
    QLabel *m_failed = nullptr;
    QLabel *m_rate = nullptr;
    QLabel *m_paused = nullptr;
    QLabel *m_offline = nullptr;
    QLabel *m_metered = nullptr;
    bool m_quitting = false;
    bool m_pastTrustOffered = false;
    bool m_selectionUpdatePending = false;
};

} // namespace repodeck::ui
