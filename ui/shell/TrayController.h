#pragma once

#include "model/RepoStatus.h"

#include <QObject>

class QMenu;
class QSystemTrayIcon;
class QWidget;

namespace repodeck::ui {

class MainActions;

// The system tray icon, when the desktop has a tray: its icon follows the
// overall state (idle, syncing, failed) and it notifies when a repository
// fails for good or recovers, never on a mere retry.
class TrayController : public QObject
{
    Q_OBJECT

public:
    enum class Overall { Idle, Syncing, Failed };

    TrayController(QWidget *window, MainActions *actions, QObject *parent = nullptr);
    ~TrayController() override;

    bool isAvailable() const { return m_tray != nullptr; }
    Overall overall() const { return m_overall; }
    // What the icon's tooltip says (kept without a tray too).
    QString toolTip() const { return m_toolTip; }
    static Overall overallFor(const SyncTotals &totals);

    void setTotals(const SyncTotals &totals);
    void setNotificationsEnabled(bool on) { m_notify = on; }
    void notifyFailure(const QString &name, const QString &message);
    void notifyRecovery(const QString &name, int failedRuns);

signals:
    void toggleWindowRequested();

private:
    QWidget *m_window;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    Overall m_overall = Overall::Idle;
    QString m_toolTip;
    bool m_notify = true;
};

} // namespace repodeck::ui
