#include "views/PolicyEditor.h"

#include "model/RetrySchedule.h"
#include "model/StatusText.h"
#include "views/ScheduleChart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

namespace repodeck::ui {

namespace {

// validate() names the field at the start of each sentence.
const QList<QPair<QString, QString>> &problemPrefixes()
{
    static const QList<QPair<QString, QString>> prefixes{
        {QStringLiteral("max attempts"), QStringLiteral("max_attempts")},
        {QStringLiteral("initial delay"), QStringLiteral("initial_delay")},
        {QStringLiteral("multiplier"), QStringLiteral("multiplier")},
        {QStringLiteral("max delay"), QStringLiteral("max_delay")},
        {QStringLiteral("connect timeout"), QStringLiteral("connect_timeout")},
        {QStringLiteral("stall timeout"), QStringLiteral("stall_timeout")},
        {QStringLiteral("attempt timeout"), QStringLiteral("attempt_timeout")},
        {QStringLiteral("deadline"), QStringLiteral("deadline")},
        {QStringLiteral("stale after"), QStringLiteral("stale_after")},
        {QStringLiteral("interval"), QStringLiteral("interval")},
        {QStringLiteral("after sync timeout"), QStringLiteral("after_sync_timeout")},
    };
    return prefixes;
}

QList<QPair<QString, int>> checkpointChoices()
{
    QList<QPair<QString, int>> choices;
    for (core::Checkpoint c :
         {core::Checkpoint::Auto, core::Checkpoint::Always, core::Checkpoint::Never})
        choices.append({core::checkpointName(c), static_cast<int>(c)});
    return choices;
}

} // namespace

PolicyEditor::PolicyEditor(QWidget *parent)
    : QWidget(parent)
{
    // A red frame marks what to fix; the message below says why.
    setStyleSheet(
        QStringLiteral("QLineEdit[invalid=\"true\"], QSpinBox[invalid=\"true\"], "
                       "QDoubleSpinBox[invalid=\"true\"] { border: 1px solid #c0392b; "
                       "background: #fdecea; color: #000000; }"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *nameForm = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setAccessibleName(tr("Policy name"));
    nameForm->addRow(tr("&Name:"), m_name);
    m_fields.insert(QStringLiteral("name"), m_name);
    layout->addLayout(nameForm);

    auto *groups = new QHBoxLayout;
    layout->addLayout(groups);
    auto *retries = new QGroupBox(tr("Retries"), this);
    auto *retryForm = new QFormLayout(retries);
    groups->addWidget(retries);
    auto *limits = new QGroupBox(tr("Limits and schedule"), this);
    auto *limitForm = new QFormLayout(limits);
    groups->addWidget(limits);

    m_maxAttempts = new QSpinBox(this);
    m_maxAttempts->setRange(0, 1000);
    m_maxAttempts->setAccessibleName(tr("Maximum attempts"));
    m_maxAttempts->setToolTip(tr("Attempts in one run, the first included (1 to 100)."));
    retryForm->addRow(tr("Max &attempts:"), m_maxAttempts);
    m_fields.insert(QStringLiteral("max_attempts"), m_maxAttempts);
    addDuration(retryForm, QStringLiteral("initial_delay"), tr("&Initial delay:"),
                tr("Wait before the second attempt, e.g. 2s."));
    m_multiplier = new QDoubleSpinBox(this);
    m_multiplier->setRange(0.0, 100.0);
    m_multiplier->setDecimals(2);
    m_multiplier->setSingleStep(0.25);
    m_multiplier->setAccessibleName(tr("Multiplier"));
    m_multiplier->setToolTip(tr("Each wait is the previous one times this (1 to 10)."));
    retryForm->addRow(tr("M&ultiplier:"), m_multiplier);
    m_fields.insert(QStringLiteral("multiplier"), m_multiplier);
    addDuration(retryForm, QStringLiteral("max_delay"), tr("Ma&x delay:"),
                tr("No wait is longer than this."));
    QList<QPair<QString, int>> jitters;
    for (core::Jitter j :
         {core::Jitter::None, core::Jitter::Full, core::Jitter::Equal, core::Jitter::Decorrelated})
        jitters.append({core::jitterName(j), static_cast<int>(j)});
    m_jitter = addChoice(retryForm, QStringLiteral("jitter"), tr("&Jitter:"),
                         tr("How each wait is randomised so many clients do not retry in step."),
                         jitters);
    m_retryAfter = addChoice(
        retryForm, QStringLiteral("retry_after_limit"), tr("&Server's Retry-After:"),
        tr("When a server says when to come back (Retry-After), RepoDeck waits at least "
           "that long; if that is past the deadline it gives up at once and says when. "
           "\"Capped at max delay\" retries sooner, which some servers punish."),
        {{tr("respected (not before)"), static_cast<int>(core::RetryAfterLimit::Deadline)},
         {tr("capped at max delay"), static_cast<int>(core::RetryAfterLimit::MaxDelay)}});

    addDuration(limitForm, QStringLiteral("connect_timeout"), tr("&Connect timeout:"),
                tr("Name lookup and TCP connect."));
    addDuration(limitForm, QStringLiteral("stall_timeout"), tr("&Stall timeout:"),
                tr("Give up when no byte arrives for this long."));
    addDuration(limitForm, QStringLiteral("attempt_timeout"), tr("A&ttempt timeout:"),
                tr("The longest one attempt may take."));
    addDuration(limitForm, QStringLiteral("deadline"), tr("&Deadline:"),
                tr("From the first attempt's start to giving up."));
    m_checkpoint = addChoice(
        limitForm, QStringLiteral("checkpoint"), tr("Chec&kpoints:"),
        tr("Fetch large histories in steps that survive dropped links: after an attempt "
           "failed partway (auto), from the first attempt (always), or never."),
        checkpointChoices());
    addDuration(limitForm, QStringLiteral("interval"), tr("Sync e&very:"),
                tr("Scheduled sync interval (give or take 10 %); empty = only on request."), true);
    m_syncOnStart = new QCheckBox(tr("Sync when RepoDeck starts"), this);
    m_syncOnStart->setAccessibleName(tr("Sync on start"));
    limitForm->addRow(QString(), m_syncOnStart);
    m_fields.insert(QStringLiteral("sync_on_start"), m_syncOnStart);
    addDuration(
        limitForm, QStringLiteral("stale_after"), tr("Stale a&fter:"),
        tr("Freshness target: flag the repository when its last success is older; empty = none."),
        true);

    // What happens around a sync: metered links, the user's command, LFS.
    auto *around = new QGroupBox(tr("Around each sync"), this);
    auto *aroundForm = new QFormLayout(around);
    layout->addWidget(around);
    m_onMetered = addChoice(
        aroundForm, QStringLiteral("on_metered"), tr("On a &metered connection:"),
        tr("When the system marks the connection as metered (mobile data, a hotspot), "
           "scheduled syncs wait; syncs you start run anyway."),
        {{tr("scheduled syncs wait"), static_cast<int>(core::OnMetered::Wait)},
         {tr("sync as usual"), static_cast<int>(core::OnMetered::Run)}});
    m_afterSync = new QLineEdit(this);
    m_afterSync->setAccessibleName(tr("Command after each sync"));
    m_afterSync->setPlaceholderText(tr("none"));
    m_afterSync->setToolTip(
        tr("A command run through the system shell in the repository's folder when a sync "
           "ends; REPODECK_REPO, REPODECK_OUTCOME, REPODECK_OLD_HEAD, REPODECK_NEW_HEAD and "
           "more are in its environment. Its output goes to the attempt log."));
    aroundForm->addRow(tr("Command &after sync:"), m_afterSync);
    m_fields.insert(QStringLiteral("after_sync"), m_afterSync);
    connect(m_afterSync, &QLineEdit::textChanged, this, &PolicyEditor::revalidate);
    m_afterSyncOn = addChoice(
        aroundForm, QStringLiteral("after_sync_on"), tr("Run the command &when:"),
        tr("Only after syncs that did not fail, or after every sync (not after a cancel)."),
        {{tr("the sync succeeded"), static_cast<int>(core::AfterSyncOn::Success)},
         {tr("any sync ended"), static_cast<int>(core::AfterSyncOn::Any)}});
    addDuration(aroundForm, QStringLiteral("after_sync_timeout"), tr("Command time &limit:"),
                tr("The command is stopped after this long."));
    m_lfsFetchAll = new QCheckBox(tr("Mirrors fetch every Git LFS object (git lfs fetch --all)"),
                                  this);
    m_lfsFetchAll->setAccessibleName(tr("Fetch all LFS objects for mirrors"));
    m_lfsFetchAll->setToolTip(
        tr("So that a mirror can serve LFS files; working copies always get the LFS files "
           "of what is checked out."));
    aroundForm->addRow(QString(), m_lfsFetchAll);
    m_fields.insert(QStringLiteral("lfs_fetch_all"), m_lfsFetchAll);
    connect(m_lfsFetchAll, &QCheckBox::toggled, this, &PolicyEditor::revalidate);

    m_problemLabel = new QLabel(this);
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_problemLabel->setAccessibleName(tr("Policy problems"));
    layout->addWidget(m_problemLabel);

    auto *preview = new QLabel(
        tr("Retry schedule (wait before each retry; shaded: jitter band, line: without jitter):"),
        this);
    preview->setWordWrap(true);
    layout->addWidget(preview);
    m_chart = new ScheduleChart(this);
    layout->addWidget(m_chart, 1);
    m_scheduleLabel = new QLabel(this);
    m_scheduleLabel->setWordWrap(true);
    m_scheduleLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_scheduleLabel->setAccessibleName(tr("Retry schedule"));
    layout->addWidget(m_scheduleLabel);

    connect(m_name, &QLineEdit::textEdited, this, &PolicyEditor::revalidate);
    connect(m_maxAttempts, &QSpinBox::valueChanged, this, &PolicyEditor::revalidate);
    connect(m_multiplier, &QDoubleSpinBox::valueChanged, this, &PolicyEditor::revalidate);
    connect(m_syncOnStart, &QCheckBox::toggled, this, &PolicyEditor::revalidate);
    setPolicy(core::RetryPolicy::defaults());
}

QLineEdit *PolicyEditor::addDuration(QFormLayout *form, const QString &key, const QString &label,
                                     const QString &tip, bool zeroIsOff)
{
    auto *edit = new QLineEdit(this);
    edit->setToolTip(tip + QLatin1Char(' ')
                     + tr("Write durations like 250ms, 5s, 2m, 1h or 1m30s."));
    edit->setAccessibleName(QString(label).remove(QLatin1Char('&')).remove(QLatin1Char(':')));
    edit->setPlaceholderText(zeroIsOff ? tr("off") : QStringLiteral("e.g. 5s"));
    form->addRow(label, edit);
    m_fields.insert(key, edit);
    m_durations.insert(key, edit);
    if (zeroIsOff)
        m_zeroIsOff.insert(key);
    connect(edit, &QLineEdit::textChanged, this, &PolicyEditor::revalidate);
    return edit;
}

QComboBox *PolicyEditor::addChoice(QFormLayout *form, const QString &key, const QString &label,
                                   const QString &tip, const QList<QPair<QString, int>> &items)
{
    auto *combo = new QComboBox(this);
    for (const auto &[text, value] : items)
        combo->addItem(text, value);
    combo->setToolTip(tip);
    combo->setAccessibleName(QString(label).remove(QLatin1Char('&')).remove(QLatin1Char(':')));
    form->addRow(label, combo);
    m_fields.insert(key, combo);
    connect(combo, &QComboBox::currentIndexChanged, this, &PolicyEditor::revalidate);
    return combo;
}

void PolicyEditor::setNameEditable(bool editable)
{
    m_name->setReadOnly(!editable);
    m_name->setToolTip(editable ? QString() : tr("The default policy keeps its name."));
}

void PolicyEditor::setPolicy(const core::RetryPolicy &policy)
{
    m_loading = true;
    m_policy = policy;
    m_name->setText(policy.name);
    m_maxAttempts->setValue(policy.maxAttempts);
    m_multiplier->setValue(policy.multiplier);
    m_jitter->setCurrentIndex(m_jitter->findData(static_cast<int>(policy.jitter)));
    m_retryAfter->setCurrentIndex(m_retryAfter->findData(static_cast<int>(policy.retryAfterLimit)));
    m_checkpoint->setCurrentIndex(m_checkpoint->findData(static_cast<int>(policy.checkpoint)));
    m_syncOnStart->setChecked(policy.syncOnStart);
    m_onMetered->setCurrentIndex(m_onMetered->findData(static_cast<int>(policy.onMetered)));
    m_afterSync->setText(policy.afterSync);
    m_afterSyncOn->setCurrentIndex(m_afterSyncOn->findData(static_cast<int>(policy.afterSyncOn)));
    m_durations.value(QStringLiteral("after_sync_timeout"))
        ->setText(core::formatDuration(policy.afterSyncTimeout));
    m_lfsFetchAll->setChecked(policy.lfsFetchAll);
    m_durations.value(QStringLiteral("initial_delay"))
        ->setText(core::formatDuration(policy.initialDelay));
    m_durations.value(QStringLiteral("max_delay"))->setText(core::formatDuration(policy.maxDelay));
    m_durations.value(QStringLiteral("connect_timeout"))
        ->setText(core::formatDuration(policy.connectTimeout));
    m_durations.value(QStringLiteral("stall_timeout"))
        ->setText(core::formatDuration(policy.stallTimeout));
    m_durations.value(QStringLiteral("attempt_timeout"))
        ->setText(core::formatDuration(policy.attemptTimeout));
    m_durations.value(QStringLiteral("deadline"))->setText(core::formatDuration(policy.deadline));
    const auto offOr = [](core::Millis d) {
        return d.count() == 0 ? QString() : core::formatDuration(d);
    };
    m_durations.value(QStringLiteral("interval"))->setText(offOr(policy.interval));
    m_durations.value(QStringLiteral("stale_after"))->setText(offOr(policy.staleAfter));
    m_loading = false;
    revalidate();
}

core::RetryPolicy PolicyEditor::policy() const
{
    return m_policy;
}

void PolicyEditor::markInvalid(const QString &key, bool invalid, const QString &why)
{
    QWidget *w = m_fields.value(key);
    if (!w || w->property("invalid").toBool() == invalid)
        return;
    w->setProperty("invalid", invalid);
    w->setAccessibleDescription(why);
    // Re-apply the style sheet for the changed property.
    w->style()->unpolish(w);
    w->style()->polish(w);
}

void PolicyEditor::revalidate()
{
    if (m_loading)
        return;
    QStringList problems;
    QHash<QString, QString> bad;
    core::RetryPolicy p = m_policy;
    p.name = m_name->text().trimmed();
    if (p.name.isEmpty()) {
        bad.insert(QStringLiteral("name"), tr("the policy needs a name"));
    } else if (m_nameCheck) {
        if (const QString e = m_nameCheck(p.name); !e.isEmpty())
            bad.insert(QStringLiteral("name"), e);
    }
    p.maxAttempts = m_maxAttempts->value();
    p.multiplier = m_multiplier->value();
    p.jitter = static_cast<core::Jitter>(m_jitter->currentData().toInt());
    p.retryAfterLimit = static_cast<core::RetryAfterLimit>(m_retryAfter->currentData().toInt());
    p.checkpoint = static_cast<core::Checkpoint>(m_checkpoint->currentData().toInt());
    p.syncOnStart = m_syncOnStart->isChecked();
    p.onMetered = static_cast<core::OnMetered>(m_onMetered->currentData().toInt());
    p.afterSync = m_afterSync->text().trimmed();
    p.afterSyncOn = static_cast<core::AfterSyncOn>(m_afterSyncOn->currentData().toInt());
    p.lfsFetchAll = m_lfsFetchAll->isChecked();
    const QList<std::pair<QString, core::Millis *>> durations{
        {QStringLiteral("after_sync_timeout"), &p.afterSyncTimeout},
        {QStringLiteral("initial_delay"), &p.initialDelay},
        {QStringLiteral("max_delay"), &p.maxDelay},
        {QStringLiteral("connect_timeout"), &p.connectTimeout},
        {QStringLiteral("stall_timeout"), &p.stallTimeout},
        {QStringLiteral("attempt_timeout"), &p.attemptTimeout},
        {QStringLiteral("deadline"), &p.deadline},
        {QStringLiteral("interval"), &p.interval},
        {QStringLiteral("stale_after"), &p.staleAfter},
    };
    for (const auto &[key, target] : durations) {
        const QString text = m_durations.value(key)->text().trimmed();
        const auto parsed = m_zeroIsOff.contains(key)
                                    && (text.isEmpty() || text == QLatin1String("0"))
                                ? std::optional<core::Millis>(core::Millis(0))
                                : core::parseDuration(text);
        if (parsed)
            *target = *parsed;
        else
            bad.insert(key, tr("%1 is not a duration like 250ms, 5s or 1m30s")
                                .arg(QString(key).replace(QLatin1Char('_'), QLatin1Char(' '))));
    }
    // The engine's own checks, for the fields that parsed.
    for (const QString &problem : p.validate()) {
        for (const auto &[prefix, key] : problemPrefixes()) {
            if (problem.startsWith(prefix) && !bad.contains(key)) {
                bad.insert(key, problem);
                break;
            }
        }
    }
    const QStringList order{QStringLiteral("name"),
                            QStringLiteral("max_attempts"),
                            QStringLiteral("initial_delay"),
                            QStringLiteral("multiplier"),
                            QStringLiteral("max_delay"),
                            QStringLiteral("jitter"),
                            QStringLiteral("connect_timeout"),
                            QStringLiteral("stall_timeout"),
                            QStringLiteral("attempt_timeout"),
                            QStringLiteral("deadline"),
                            QStringLiteral("interval"),
                            QStringLiteral("stale_after"),
                            QStringLiteral("after_sync_timeout")};
    for (const QString &key : order) {
        markInvalid(key, bad.contains(key), bad.value(key));
        if (bad.contains(key))
            problems << bad.value(key);
    }
    m_problems = problems;
    m_policy = p;
    if (problems.isEmpty()) {
        m_problemLabel->clear();
        m_problemLabel->hide();
        m_chart->setSchedule(RetrySchedule::compute(p));
        m_chart->setEnabled(true);
    } else {
        QStringList sentences;
        for (const QString &problem : std::as_const(problems))
            sentences << problem.left(1).toUpper() + problem.mid(1) + QLatin1Char('.');
        m_problemLabel->setText(sentences.join(QLatin1Char('\n')));
        m_problemLabel->show();
        m_chart->setSchedule({});
        m_chart->setEnabled(false);
    }
    m_scheduleLabel->setText(scheduleText());
    emit changed();
}

QString PolicyEditor::scheduleText() const
{
    if (!m_problems.isEmpty())
        return tr("Fix the problems above to see the retry schedule.");
    const RetrySchedule schedule = RetrySchedule::compute(m_policy);
    QStringList waits;
    for (const RetryStep &s : schedule.steps) {
        if (waits.size() == 8) {
            waits << tr("…");
            break;
        }
        waits << (s.low == s.high ? text::duration(s.high)
                                  : tr("%1–%2").arg(text::duration(s.low), text::duration(s.high)));
    }
    QString text = waits.isEmpty()
                       ? tr("One attempt, no retries.")
                       : tr("Waits before retries: %1.").arg(waits.join(QStringLiteral(", ")));
    text += QLatin1Char(' ')
            + tr("Worst case before giving up: %1%2.")
                  .arg(text::duration(schedule.worstCase),
                       schedule.deadlineLimits ? tr(" (the deadline)") : QString());
    return text;
}

} // namespace repodeck::ui
