#include "dialogs/PreferencesDialog.h"

#include "shell/AppSettings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QVBoxLayout>

namespace repodeck::ui {

PreferencesDialog::PreferencesDialog(AppSettings &settings, bool trayAvailable, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setWindowTitle(tr("Preferences"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    layout->addLayout(form);

    m_closeToTray = new QCheckBox(tr("&Keep running in the system tray when the window is closed"),
                                  this);
    m_closeToTray->setChecked(settings.closeToTray() && trayAvailable);
    m_closeToTray->setEnabled(trayAvailable);
    if (!trayAvailable)
        m_closeToTray->setToolTip(tr("This desktop has no system tray."));
    form->addRow(m_closeToTray);

    m_notifications = new QCheckBox(tr("&Notify when a repository fails or recovers"), this);
    m_notifications->setChecked(settings.notifications());
    m_notifications->setEnabled(trayAvailable);
    form->addRow(m_notifications);

    m_jobs = new QSpinBox(this);
    m_jobs->setRange(1, 64);
    m_jobs->setValue(settings.maxConcurrent());
    m_jobs->setAccessibleName(tr("Syncs at once"));
    m_jobs->setToolTip(
        tr("More parallel syncs finish sooner but can trip servers' connection limits."));
    form->addRow(tr("&Syncs at once:"), m_jobs);

    m_hostJobs = new QSpinBox(this);
    m_hostJobs->setRange(1, 64);
    m_hostJobs->setValue(settings.hostJobs());
    m_hostJobs->setAccessibleName(tr("Syncs at once per host"));
    m_hostJobs->setToolTip(tr("Servers limit connections per client; stay below their limit."));
    form->addRow(tr("Syncs at once per &host:"), m_hostJobs);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &PreferencesDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

void PreferencesDialog::accept()
{
    m_settings.setCloseToTray(m_closeToTray->isChecked());
    m_settings.setNotifications(m_notifications->isChecked());
    m_settings.setMaxConcurrent(m_jobs->value());
    m_settings.setHostJobs(m_hostJobs->value());
    QDialog::accept();
}

} // namespace repodeck::ui
