#include "shell/AppSettings.h"

#include "sync/HostGate.h"

#include <algorithm>

#include <QDir>

namespace repodeck::ui {

bool AppSettings::closeToTray() const
{
    return m_settings.value(QStringLiteral("general/closeToTray"), false).toBool();
}

void AppSettings::setCloseToTray(bool on)
{
    m_settings.setValue(QStringLiteral("general/closeToTray"), on);
}

int AppSettings::maxConcurrent() const
{
    return std::clamp(m_settings.value(QStringLiteral("sync/maxConcurrent"), 4).toInt(), 1, 64);
}

void AppSettings::setMaxConcurrent(int jobs)
{
    m_settings.setValue(QStringLiteral("sync/maxConcurrent"), std::clamp(jobs, 1, 64));
}

int AppSettings::hostJobs() const
{
    const int jobs = m_settings
                         .value(QStringLiteral("sync/hostJobs"), core::HostConfig().maxConcurrent)
                         .toInt();
    return std::clamp(jobs, 1, 64);
}

void AppSettings::setHostJobs(int jobs)
{
    m_settings.setValue(QStringLiteral("sync/hostJobs"), std::clamp(jobs, 1, 64));
}

bool AppSettings::notifications() const
{
    return m_settings.value(QStringLiteral("general/notifications"), true).toBool();
}

void AppSettings::setNotifications(bool on)
{
    m_settings.setValue(QStringLiteral("general/notifications"), on);
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings.value(QStringLiteral("window/geometry")).toByteArray();
}

QByteArray AppSettings::windowState() const
{
    return m_settings.value(QStringLiteral("window/state")).toByteArray();
}

void AppSettings::setWindow(const QByteArray &geometry, const QByteArray &state)
{
    m_settings.setValue(QStringLiteral("window/geometry"), geometry);
    m_settings.setValue(QStringLiteral("window/state"), state);
}

QByteArray AppSettings::tableHeader() const
{
    return m_settings.value(QStringLiteral("window/tableHeader")).toByteArray();
}

void AppSettings::setTableHeader(const QByteArray &state)
{
    m_settings.setValue(QStringLiteral("window/tableHeader"), state);
}

int AppSettings::filter() const
{
    return m_settings.value(QStringLiteral("window/filter"), 0).toInt();
}

void AppSettings::setFilter(int filter)
{
    m_settings.setValue(QStringLiteral("window/filter"), filter);
}

QString AppSettings::lastImportFolder() const
{
    return m_settings.value(QStringLiteral("general/lastImportFolder"), QDir::homePath()).toString();
}

void AppSettings::setLastImportFolder(const QString &path)
{
    m_settings.setValue(QStringLiteral("general/lastImportFolder"), path);
}

} // namespace repodeck::ui
