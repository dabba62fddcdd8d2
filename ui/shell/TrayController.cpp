#include "shell/TrayController.h"

#include "model/StatusText.h"
#include "shell/MainActions.h"

#include <QAction>
#include <QIcon>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QWidget>

namespace repodeck::ui {

namespace {
QString iconFor(TrayController::Overall o)
{
    switch (o) {
    case TrayController::Overall::Syncing: return QStringLiteral(":/icons/tray-syncing.svg");
    case TrayController::Overall::Failed: return QStringLiteral(":/icons/tray-failed.svg");
    case TrayController::Overall::Idle: break;
    }
    return QStringLiteral(":/icons/tray-idle.svg");
}
} // namespace

TrayController::TrayController(QWidget *window, MainActions *actions, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_toolTip(tr("RepoDeck"))
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_menu = new QMenu;
    QAction *show = m_menu->addAction(tr("&Show RepoDeck"));
    connect(show, &QAction::triggered, this, &TrayController::toggleWindowRequested);
    m_menu->addSeparator();
    m_menu->addAction(actions->syncAll);
    m_menu->addAction(actions->pauseAll);
    m_menu->addAction(actions->cancelAll);
    m_menu->addSeparator();
    m_menu->addAction(actions->quit);

    m_tray = new QSystemTrayIcon(QIcon(iconFor(m_overall)), this);
    m_tray->setToolTip(m_toolTip);
    m_tray->setContextMenu(m_menu);
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            emit toggleWindowRequested();
    });
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
        m_window->showNormal();
        m_window->raise();
        m_window->activateWindow();
    });
    m_tray->show();
}

TrayController::~TrayController()
{
    delete m_menu; // QSystemTrayIcon does not own its menu
}

TrayController::Overall TrayController::overallFor(const SyncTotals &t)
{
    if (t.active() > 0)
        return Overall::Syncing;
    return t.failed > 0 ? Overall::Failed : Overall::Idle;
}

void TrayController::setTotals(const SyncTotals &t)
{
    const Overall o = overallFor(t);
    const bool changed = o != m_overall;
    m_overall = o;
    QStringList lines{tr("RepoDeck")};
    if (t.active() > 0)
        lines << tr("%1 running, %2 waiting, %3 queued · %4")
                     .arg(t.running)
                     .arg(t.waiting)
                     .arg(t.queued)
                     .arg(text::rate(t.bytesPerSecond));
    if (t.failed > 0)
        lines << tr("%1 failed").arg(t.failed);
    if (t.attention > 0)
        lines << tr("%1 kept local changes").arg(t.attention);
    if (lines.size() == 1)
        lines << tr("Everything is in sync");
    m_toolTip = lines.join(QLatin1Char('\n'));
    if (!m_tray)
        return;
    if (changed)
        m_tray->setIcon(QIcon(iconFor(o)));
    m_tray->setToolTip(m_toolTip);
}

void TrayController::notifyFailure(const QString &name, const QString &message)
{
    if (m_tray && m_notify)
        m_tray->showMessage(tr("%1 failed").arg(name), message, QSystemTrayIcon::Warning, 10'000);
}

void TrayController::notifyRecovery(const QString &name, int failedRuns)
{
    if (m_tray && m_notify)
        m_tray->showMessage(tr("%1 is back in sync").arg(name),
                            tr("It synced again after %1.")
                                .arg(text::count(failedRuns, tr("failed run"), tr("failed runs"))),
                            QSystemTrayIcon::Information, 6'000);
}

} // namespace repodeck::ui
