#pragma once

#include "retry/RetryPolicy.h"

#include <QHash>
#include <QSet>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace repodeck::ui {

class ScheduleChart;

// Edits every knob of one retry policy and validates as the user types:
// invalid fields are marked (property "invalid"), a message names each
// problem, and a chart previews the retry schedule with its jitter bands and
// the worst-case time before giving up.
class PolicyEditor : public QWidget
{
    Q_OBJECT

public:
    explicit PolicyEditor(QWidget *parent = nullptr);

    void setPolicy(const core::RetryPolicy &policy);
    // The policy as typed; meaningful when problems() is empty.
    core::RetryPolicy policy() const;
    QStringList problems() const { return m_problems; }
    bool isValid() const { return m_problems.isEmpty(); }

    // "default" keeps its name; other names must be unique (the check returns
    // an error text or empty).
    void setNameEditable(bool editable);
    void setNameCheck(std::function<QString(const QString &)> check)
    {
        m_nameCheck = std::move(check);
    }

    // Widgets by the field's name in the workspace file ("name",
    // "max_attempts", "initial_delay", "multiplier", "max_delay", "jitter",
    // "retry_after_limit", "connect_timeout", "stall_timeout",
    // "attempt_timeout", "deadline", "checkpoint", "interval",
    // "sync_on_start", "stale_after"), for tests and focus.
    QWidget *field(const QString &key) const { return m_fields.value(key); }
    QString scheduleText() const;
    ScheduleChart *chart() const { return m_chart; }

signals:
    void changed();

private:
    QLineEdit *addDuration(QFormLayout *form, const QString &key, const QString &label,
                           const QString &tip, bool zeroIsOff = false);
    QComboBox *addChoice(QFormLayout *form, const QString &key, const QString &label,
                         const QString &tip, const QList<QPair<QString, int>> &items);
    void revalidate();
    void markInvalid(const QString &key, bool invalid, const QString &why = {});

    QHash<QString, QWidget *> m_fields;
    QHash<QString, QLineEdit *> m_durations;
    QSet<QString> m_zeroIsOff; // durations where empty means 0 = off
    QLineEdit *m_name = nullptr;
    QSpinBox *m_maxAttempts = nullptr;
    QDoubleSpinBox *m_multiplier = nullptr;
    QComboBox *m_jitter = nullptr;
    QComboBox *m_retryAfter = nullptr;
    QComboBox *m_checkpoint = nullptr;
    QCheckBox *m_syncOnStart = nullptr;
    QComboBox *m_onMetered = nullptr;
    QLineEdit *m_afterSync = nullptr;
    QComboBox *m_afterSyncOn = nullptr;
    QCheckBox *m_lfsFetchAll = nullptr;
    QLabel *m_problemLabel = nullptr;
    QLabel *m_scheduleLabel = nullptr;
    ScheduleChart *m_chart = nullptr;
    QStringList m_problems;
    core::RetryPolicy m_policy;
    bool m_loading = false;
    std::function<QString(const QString &)> m_nameCheck;
};

} // namespace repodeck::ui
