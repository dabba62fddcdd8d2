#pragma once

#include <QObject>

class QAction;

namespace repodeck::ui {

// Every command of the main window as a QAction, with its icon, shortcut and
// object name (tests and the e2e suite trigger them by name). Menus, the
// toolbar, the context menu and the tray share these instances.
class MainActions : public QObject
{
    Q_OBJECT

public:
    explicit MainActions(QObject *parent);

    QAction *add;
    QAction *importFolder;
    QAction *syncSelected;
    QAction *syncAll;
    QAction *cancelSelected;
    QAction *cancelAll;
    QAction *pauseAll; // checkable: checked = paused
    QAction *openFolder;
    QAction *copyUrl;
    QAction *remove;
    QAction *policies;
    QAction *preferences;
    QAction *findRepository;
    QAction *about;
    QAction *quit;

    // Enables what makes sense for `selected` rows; `active` of them are syncing.
    // `inFlight`: selected repositories queued or running (Sync does nothing
    // more for them); `active`: those plus the ones waiting (for a retry, a
    // lock, a paused host), which Sync starts at once.
    void updateForSelection(int selected, int inFlight, int active, bool anyActive);
    void setPaused(bool paused);
};

} // namespace repodeck::ui
