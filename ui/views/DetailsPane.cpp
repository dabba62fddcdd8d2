#include "views/DetailsPane.h"

#include "model/RepoTableModel.h"
#include "model/StatusText.h"
#include "model/SyncTracker.h"
#include "model/TimelineExport.h"
#include "model/TimelineModel.h"
#include "io/Async.h"

#include <QAction>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QFrame>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSaveFile>
#include <QTableView>
#include <QVBoxLayout>

namespace repodeck::ui {

DetailsPane::DetailsPane(RepoTableModel *model, SyncTracker *tracker, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_tracker(tracker)
    , m_timeline(new TimelineModel(this))
{
    setAccessibleName(tr("Repository details"));
    auto *outer = new QVBoxLayout(this);
    m_placeholder = new QLabel(tr("Select a repository to see its attempts."), this);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setEnabled(false);
    outer->addWidget(m_placeholder);

    m_content = new QWidget(this);
    outer->addWidget(m_content);
    auto *layout = new QVBoxLayout(m_content);
    layout->setContentsMargins(0, 0, 0, 0);

    m_title = new QLabel(m_content);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);

    // Two columns of facts, so the timeline keeps the height.
    auto *facts = new QHBoxLayout;
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *form2 = new QFormLayout;
    form2->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    facts->addLayout(form, 1);
    facts->addLayout(form2, 1);
    auto makeValue = [this] {
        auto *label = new QLabel(m_content);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        label->setWordWrap(true);
        return label;
    };
    m_state = makeValue();
    m_url = makeValue();
    m_path = makeValue();
    m_config = makeValue();
    m_times = makeValue();
    m_state->setAccessibleName(tr("State"));
    m_url->setAccessibleName(tr("URL"));
    m_path->setAccessibleName(tr("Folder"));
    form->addRow(tr("State:"), m_state);
    form->addRow(tr("URL:"), m_url);
    form->addRow(tr("Folder:"), m_path);
    form2->addRow(tr("Sync:"), m_config);
    form2->addRow(tr("History:"), m_times);
    layout->addLayout(facts);

    m_problemBox = new QFrame(m_content);
    m_problemBox->setFrameShape(QFrame::StyledPanel);
    m_problemBox->setObjectName(QStringLiteral("problemBox"));
    m_problemBox->setStyleSheet(
        QStringLiteral("#problemBox { background: #fff4e0; border: 1px solid #e09b20; "
                       "border-radius: 4px; } #problemBox QLabel { color: #202020; }"));
    auto *problemLayout = new QVBoxLayout(m_problemBox);
    m_problem = new QLabel(m_problemBox);
    m_fix = new QLabel(m_problemBox);
    for (QLabel *l : {m_problem, m_fix}) {
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        problemLayout->addWidget(l);
    }
    m_problem->setAccessibleName(tr("What happened"));
    m_fix->setAccessibleName(tr("What to do"));
    layout->addWidget(m_problemBox);

    m_table = new QTableView(m_content);
    m_table->setObjectName(QStringLiteral("timelineTable"));
    m_table->setAccessibleName(tr("Attempt timeline"));
    m_table->setModel(m_timeline);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // One line per attempt: compact rows show a whole run at once.
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->setMinimumHeight(m_table->horizontalHeader()->sizeHint().height()
                              + 5 * m_table->verticalHeader()->defaultSectionSize() + 4);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(TimelineModel::Message, QHeaderView::Stretch);
    layout->addWidget(m_table, 1);

    auto *buttons = new QHBoxLayout;
    m_copy = new QPushButton(QIcon(QStringLiteral(":/icons/copy.svg")), tr("&Copy"), m_content);
    auto *copyMenu = new QMenu(m_copy);
    copyMenu->addAction(tr("Copy as &text"), this,
                        [this] { QGuiApplication::clipboard()->setText(timelineText()); });
    copyMenu->addAction(tr("Copy as &JSON"), this, [this] {
        QGuiApplication::clipboard()->setText(QString::fromUtf8(timelineJson()));
    });
    m_copy->setMenu(copyMenu);
    m_copy->setAccessibleName(tr("Copy the attempt timeline"));
    m_export = new QPushButton(tr("&Export…"), m_content);
    m_export->setAccessibleName(tr("Export the attempt timeline"));
    connect(m_export, &QPushButton::clicked, this, &DetailsPane::exportTimeline);
    buttons->addStretch(1);
    buttons->addWidget(m_copy);
    buttons->addWidget(m_export);
    layout->addLayout(buttons);

    // Follow the coalesced table updates rather than every scheduler signal.
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &tl, const QModelIndex &br) {
        const int row = m_model->rowOf(m_name);
        if (row >= tl.row() && row <= br.row())
            refresh();
    });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (!m_name.isEmpty() && m_model->rowOf(m_name) < 0)
            setRepository({});
    });
    connect(m_tracker, &SyncTracker::timelineChanged, this, [this](const QString &name) {
        if (name == m_name)
            refreshTimeline();
    });
    m_liveTimer.setInterval(1000);
    connect(&m_liveTimer, &QTimer::timeout, this, &DetailsPane::refreshLive);
    setRepository({});
}

void DetailsPane::setRepository(const QString &name)
{
    m_name = m_model->rowOf(name) >= 0 ? name : QString();
    m_placeholder->setVisible(m_name.isEmpty());
    m_content->setVisible(!m_name.isEmpty());
    if (m_name.isEmpty()) {
        m_liveTimer.stop();
        m_timeline->clear();
        return;
    }
    refreshTimeline();
    refresh();
}

void DetailsPane::refresh()
{
    const RepoStatus *st = m_model->status(m_name);
    const core::RepoSpec *spec = m_model->spec(m_name);
    if (!st || !spec)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_title->setText(m_name);
    const bool running = st->activity == core::Activity::Running;
    m_state->setText(text::state(*st, now)
                     + (running ? QStringLiteral(" · ") + text::progress(*st) : QString()));
    m_url->setText(
        m_model->data(m_model->index(m_model->rowOf(m_name), RepoTableModel::Url)).toString());
    m_path->setText(spec->path);
    m_config->setText(
        tr("%1, policy \"%2\"%3")
            .arg(text::mode(spec->mode), spec->policy,
                 spec->branch.isEmpty() ? QString() : tr(", branch %1").arg(spec->branch)));
    const auto when = [&](const QDateTime &t) {
        return t.isValid() ? text::timestamp(t, now) : tr("never");
    };
    m_times->setText(tr("last success %1 · last attempt %2")
                         .arg(when(st->last.lastSuccess), when(st->last.lastAttempt)));

    const QString problem = st->isActive() ? QString() : text::problem(st->last);
    m_problemBox->setVisible(!problem.isEmpty());
    m_problem->setText(tr("<b>What happened:</b> %1").arg(problem.toHtmlEscaped()));
    const QString fix = text::fix(st->last);
    m_fix->setText(tr("<b>What to do:</b> %1").arg(fix.toHtmlEscaped()));
    m_fix->setVisible(!fix.isEmpty());
    refreshLive();
}

void DetailsPane::refreshTimeline()
{
    const core::RepoState last = m_tracker->status(m_name).last;
    m_timeline->setRecords(last.timeline, last.afterSync);
    refreshLive();
}

void DetailsPane::refreshLive()
{
    const RepoStatus *st = m_model->status(m_name);
    if (!st || st->activity != core::Activity::Running) {
        m_liveTimer.stop();
        m_timeline->setLive(std::nullopt);
        return;
    }
    if (!m_liveTimer.isActive())
        m_liveTimer.start();
    m_timeline->setLive(
        TimelineModel::LiveAttempt{st->attempt, st->maxAttempts, st->attemptStarted,
                                   static_cast<qint64>(st->progress.receivedBytes)});
}

QString DetailsPane::timelineText() const
{
    const RepoStatus st = m_tracker->status(m_name);
    const QString url = m_model->data(m_model->index(m_model->rowOf(m_name), RepoTableModel::Url))
                            .toString();
    return timelineExport::text(m_name, url, st.last);
}

QByteArray DetailsPane::timelineJson() const
{
    const RepoStatus st = m_tracker->status(m_name);
    const QString url = m_model->data(m_model->index(m_model->rowOf(m_name), RepoTableModel::Url))
                            .toString();
    return timelineExport::json(m_name, url, st.last);
}

void DetailsPane::exportTimeline()
{
    if (m_name.isEmpty())
        return;
    const QString textFilter = tr("Text (*.txt)");
    const QString jsonFilter = tr("JSON (*.json)");
    QString selected = textFilter;
    QString suggested = QString(m_name).replace(QLatin1Char('/'), QLatin1Char('-'))
                        + QStringLiteral("-attempts.txt");
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export attempt timeline"), suggested,
        textFilter + QStringLiteral(";;") + jsonFilter, &selected);
    if (path.isEmpty())
        return;
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)
                      || selected == jsonFilter;
    const QByteArray data = json ? timelineJson() : timelineText().toUtf8();
    runAsync(
        this,
        [path, data] {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit())
            return QStringLiteral("cannot write %1 (%2)").arg(path, file.errorString());
        return QString();
        },
        [this, path](const QString &error) { emit exported(path, error); });
}

} // namespace repodeck::ui
