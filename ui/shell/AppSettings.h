#pragma once

#include <QByteArray>
#include <QSettings>

namespace repodeck::ui {

// The GUI's own preferences (QSettings), as opposed to the workspace file it
// shares with the CLI. One accessor per key keeps key spellings in one place.
class AppSettings
{
public:
    bool closeToTray() const;
    void setCloseToTray(bool on);
    int maxConcurrent() const;
    void setMaxConcurrent(int jobs);
    // Operations at once against one host (the CLI's --host-jobs).
    int hostJobs() const;
    void setHostJobs(int jobs);
    bool notifications() const;
    void setNotifications(bool on);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray &geometry, const QByteArray &state);
    QByteArray tableHeader() const;
    void setTableHeader(const QByteArray &state);
    int filter() const;
    void setFilter(int filter);
    QString lastImportFolder() const;
    void setLastImportFolder(const QString &path);

private:
    QSettings m_settings;
};

} // namespace repodeck::ui
