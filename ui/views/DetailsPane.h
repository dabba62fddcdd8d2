#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QFrame;
class QPushButton;
class QTableView;

namespace repodeck::ui {

class RepoTableModel;
class SyncTracker;
class TimelineModel;

// Everything about the selected repository: where it syncs from and to, the
// reason and the fix when it needs a person, and the attempt timeline of its
// last run, live while it runs. Copy and Export give the timeline as text or
// JSON.
class DetailsPane : public QWidget
{
    Q_OBJECT

public:
    DetailsPane(RepoTableModel *model, SyncTracker *tracker, QWidget *parent = nullptr);

    void setRepository(const QString &name);
    QString repository() const { return m_name; }
    TimelineModel *timelineModel() const { return m_timeline; }

    QString timelineText() const;
    QByteArray timelineJson() const;

signals:
    void exported(const QString &path, const QString &error);

private:
    void refresh();
    void refreshTimeline();
    void refreshLive();
    void exportTimeline();

    RepoTableModel *m_model;
    SyncTracker *m_tracker;
    QString m_name;
    TimelineModel *m_timeline;
    QTimer m_liveTimer;

    QLabel *m_title;
    QLabel *m_state;
    QLabel *m_url;
    QLabel *m_path;
    QLabel *m_config;
    QLabel *m_times;
    QFrame *m_problemBox;
    QLabel *m_problem;
    QLabel *m_fix;
    QTableView *m_table;
    QPushButton *m_copy;
    QPushButton *m_export;
    QLabel *m_placeholder;
    QWidget *m_content;
};

} // namespace repodeck::ui
