#pragma once

#include <QDialog>

class QCheckBox;
class QSpinBox;

namespace repodeck::ui {

class AppSettings;

// The GUI's preferences: close to tray, notifications and how many syncs
// run at once (in all, and against one host). Scheduled syncs are a property
// of each retry policy (its interval), shared with repodeck-cli.
class PreferencesDialog : public QDialog
{
    Q_OBJECT

public:
    PreferencesDialog(AppSettings &settings, bool trayAvailable, QWidget *parent = nullptr);

    void accept() override;

private:
    AppSettings &m_settings;
    QCheckBox *m_closeToTray;
    QCheckBox *m_notifications;
    QSpinBox *m_jobs;
    QSpinBox *m_hostJobs;
};

} // namespace repodeck::ui
