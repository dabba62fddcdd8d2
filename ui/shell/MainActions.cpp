#include "shell/MainActions.h"

#include <QAction>
#include <QIcon>
#include <QKeySequence>

namespace repodeck::ui {

namespace {
QAction *make(QObject *parent, const char *objectName, const QString &text, const QString &icon,
              const QList<QKeySequence> &keys, const QString &tip)
{
    auto *a = new QAction(text, parent);
    a->setObjectName(QLatin1String(objectName));
    if (!icon.isEmpty())
        a->setIcon(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)));
    a->setShortcuts(keys);
    QString status = tip;
    if (!keys.isEmpty())
        status += QStringLiteral(" (%1)").arg(keys.first().toString(QKeySequence::NativeText));
    a->setToolTip(status);
    a->setStatusTip(tip);
    return a;
}
} // namespace

MainActions::MainActions(QObject *parent)
    : QObject(parent)
{
    add = make(this, "actionAdd", tr("&Add Repository…"), QStringLiteral("add"),
               {QKeySequence::New}, tr("Add a repository to keep in sync"));
    importFolder = make(this, "actionImport", tr("&Import Folder…"), QStringLiteral("import"),
                        {QKeySequence(Qt::CTRL | Qt::Key_I)},
                        tr("Add every repository found under a folder"));
    syncSelected = make(this, "actionSyncSelected", tr("&Sync Selected"), QStringLiteral("sync"),
                        {QKeySequence(Qt::Key_F5)}, tr("Sync the selected repositories now"));
    syncAll = make(this, "actionSyncAll", tr("Sync &All"), QStringLiteral("sync-all"),
                   {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5),
                    QKeySequence(Qt::SHIFT | Qt::Key_F5)},
                   tr("Sync every repository"));
    cancelSelected = make(this, "actionCancelSelected", tr("&Cancel Selected"),
                          QStringLiteral("cancel"), {QKeySequence(Qt::CTRL | Qt::Key_Period)},
                          tr("Stop the selected syncs"));
    cancelAll = make(this, "actionCancelAll", tr("Cancel A&ll"), QStringLiteral("cancel-all"),
                     {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Period)}, tr("Stop every sync"));
    pauseAll = make(this, "actionPause", tr("&Pause All"), QStringLiteral("pause"),
                    {QKeySequence(Qt::CTRL | Qt::Key_P)},
                    tr("Start nothing new; running attempts finish and retries wait"));
    pauseAll->setCheckable(true);
    openFolder = make(this, "actionOpenFolder", tr("&Open Folder"), QStringLiteral("folder"),
                      {QKeySequence(Qt::CTRL | Qt::Key_O)}, tr("Open the repository's folder"));
    copyUrl = make(this, "actionCopyUrl", tr("Copy &URL"), QStringLiteral("copy"),
                   {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C)},
                   tr("Copy the URL, without credentials"));
    remove = make(this, "actionRemove", tr("&Remove…"), QStringLiteral("remove"),
                  {QKeySequence::Delete}, tr("Remove from RepoDeck; files stay unless you ask"));
    policies = make(this, "actionPolicies", tr("Retry &Policies…"), QStringLiteral("policy"),
                    {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)},
                    tr("Edit retry policies and assign them to the selected repositories"));
    preferences = make(this, "actionPreferences", tr("Pre&ferences…"), QStringLiteral("settings"),
                       {QKeySequence(Qt::CTRL | Qt::Key_Comma)},
                       tr("Tray, notifications and automatic sync"));
    preferences->setMenuRole(QAction::PreferencesRole);
    findRepository = make(this, "actionFind", tr("&Find…"), QString(), {QKeySequence::Find},
                          tr("Filter the table by name, URL or folder"));
    about = make(this, "actionAbout", tr("&About RepoDeck"), QString(), {},
                 tr("Versions of RepoDeck and libgit2"));
    about->setMenuRole(QAction::AboutRole);
    quit = make(this, "actionQuit", tr("&Quit"), QString(), {QKeySequence::Quit},
                tr("Stop every sync and quit"));
    quit->setMenuRole(QAction::QuitRole);
    updateForSelection(0, 0, 0, false);
}

void MainActions::updateForSelection(int selected, int inFlight, int active, bool anyActive)
{
    syncSelected->setEnabled(selected > inFlight);
    cancelSelected->setEnabled(active > 0);
    cancelAll->setEnabled(anyActive);
    openFolder->setEnabled(selected == 1);
    copyUrl->setEnabled(selected > 0);
    remove->setEnabled(selected > 0);
}

void MainActions::setPaused(bool paused)
{
    pauseAll->setChecked(paused);
    pauseAll->setText(paused ? tr("&Resume All") : tr("&Pause All"));
    pauseAll->setIcon(
        QIcon(paused ? QStringLiteral(":/icons/resume.svg") : QStringLiteral(":/icons/pause.svg")));
}

} // namespace repodeck::ui
