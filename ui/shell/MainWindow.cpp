#include "shell/MainWindow.h"

#include "dialogs/AboutDialog.h"
#include "dialogs/PreferencesDialog.h"
#include "io/WorkspaceController.h"
#include "model/RepoFilterProxy.h"
#include "model/RepoTableModel.h"
#include "model/StatusText.h"
#include "model/SyncTracker.h"
#include "shell/MainActions.h"
#include "shell/RepoCommands.h"
#include "shell/TrayController.h"
#include "shell/TrustCenter.h"
#include "views/AttentionBar.h"
#include "state/RepoStateStore.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "views/DetailsPane.h"
#include "views/EmptyStateHint.h"
#include "views/ProgressDelegate.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace repodeck::ui {

MainWindow::MainWindow(const QString &workspacePath, QWidget *parent)
    : QMainWindow(parent)
    , m_session(std::make_unique<core::SyncSession>())
{
    setWindowTitle(tr("RepoDeck"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    resize(1200, 720);

    m_model = new RepoTableModel(this);
    m_proxy = new RepoFilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_tracker = new SyncTracker(m_session.get(), m_model, this);
    m_workspace = new WorkspaceController(workspacePath, this);
    m_actions = new MainActions(this);
    m_commands = new RepoCommands(m_session.get(), m_workspace, m_model, &m_settings, this);
    m_commands->setSelection([this] { return selectedNames(); });
    m_trust = new TrustCenter(m_session.get(), m_workspace, this);

    buildTable();
    m_details = new DetailsPane(m_model, m_tracker, this);
    m_detailsDock = new QDockWidget(tr("Details"), this);
    m_detailsDock->setObjectName(QStringLiteral("detailsDock"));
    m_detailsDock->setWidget(m_details);
    m_detailsDock->toggleViewAction()->setShortcut(QKeySequence(Qt::Key_F9));
    addDockWidget(Qt::BottomDockWidgetArea, m_detailsDock);
    resizeDocks({m_detailsDock}, {300}, Qt::Vertical);
    buildToolBar();
    buildMenus();
    m_tray = new TrayController(this, m_actions, this);
    buildStatusBar();
    connectParts();
    applySettings();

    // The plan (policy interval, sync on start) starts once the workspace
    // and the past results are both known.
    m_session->open(m_workspace->path());
    if (!m_session->pinsError().isEmpty())
        statusBar()->showMessage(m_session->pinsError());
    m_session->startPlan();
    m_workspace->reload();
}

MainWindow::~MainWindow()
{
    // Shutdown order: what shows the engine first, then the engine (it stops
    // its plan, cancels, waits for its workers and saves the results).
    m_model->stopUpdates();
    m_tracker->stop();
    m_workspace->stopWatching();
    m_session->shutdown();
    m_details->setRepository({});
    m_table->setModel(nullptr);
    delete m_details;
    delete m_commands;
    delete m_trust;
    delete m_tracker;
    m_session.reset();
    delete m_proxy;
    delete m_model;
}

core::Scheduler *MainWindow::scheduler() const
{
    return m_session->scheduler();
}

void MainWindow::buildTable()
{
    m_table = new QTreeView;
    m_table->setObjectName(QStringLiteral("repoTable"));
    m_table->setAccessibleName(tr("Repositories"));
    m_table->setModel(m_proxy);
    m_table->setRootIsDecorated(false);
    m_table->setUniformRowHeights(true); // cheap layout with a thousand rows
    m_table->setAlternatingRowColors(true);
    m_table->setAllColumnsShowFocus(true);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RepoTableModel::Name, Qt::AscendingOrder);
    m_table->setItemDelegateForColumn(RepoTableModel::Progress, new ProgressDelegate(m_table));
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    QHeaderView *header = m_table->header();
    header->setSectionsMovable(true);
    header->setStretchLastSection(false);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    // Name, state, progress, last success and next sync stay visible from
    // 1200 px wide up; the URL takes what is left (the folder is in the
    // name's tooltip), and gives it back first when the window narrows.
    const QList<int> widths{150, 0, 90, 75, 200, 250, 105, 105, 95};
    for (int c = 0; c < widths.size(); ++c) {
        if (c != RepoTableModel::Url)
            header->resizeSection(c, widths.at(c));
    }
    header->setMinimumSectionSize(60);
    header->setSectionResizeMode(RepoTableModel::Url, QHeaderView::Stretch);
    // Right-click on the header: choose the columns.
    connect(header, &QWidget::customContextMenuRequested, this, [this, header](const QPoint &pos) {
        QMenu menu(this);
        for (int c = 0; c < RepoTableModel::ColumnCount; ++c) {
            QAction *a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!header->isSectionHidden(c));
            a->setEnabled(c != RepoTableModel::Name);
            connect(a, &QAction::toggled, this,
                    [header, c](bool on) { header->setSectionHidden(c, !on); });
        }
        menu.exec(header->mapToGlobal(pos));
    });

    // Filter and search above the table, where they never fall off a narrow toolbar.
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(4);
    // Sign-ins and trust questions, one line per host, never a pop-up.
    m_attention = new AttentionBar(m_trust, central);
    layout->addWidget(m_attention);
    auto *filterBar = new QHBoxLayout;
    filterBar->setContentsMargins(6, 0, 6, 0);
    m_filter = new QComboBox(central);
    m_filter->setObjectName(QStringLiteral("filterCombo"));
    m_filter->setAccessibleName(tr("Show"));
    m_filter->addItem(tr("All repositories"), static_cast<int>(RepoFilterProxy::Filter::All));
    m_filter->addItem(tr("Failing"), static_cast<int>(RepoFilterProxy::Filter::Failing));
    m_filter->addItem(tr("Needs attention"),
                      static_cast<int>(RepoFilterProxy::Filter::NeedsAttention));
    m_filter->setItemData(1, tr("Failed, or retrying after a failed attempt"), Qt::ToolTipRole);
    m_filter->setItemData(2, tr("Gave up, or kept local work: needs a person"), Qt::ToolTipRole);
    auto *showLabel = new QLabel(tr("S&how:"), central);
    showLabel->setBuddy(m_filter);
    m_search = new QLineEdit(central);
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setAccessibleName(tr("Search repositories"));
    m_search->setPlaceholderText(tr("Search name, URL, folder or policy (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    filterBar->addWidget(showLabel);
    filterBar->addWidget(m_filter);
    filterBar->addWidget(m_search, 1);
    layout->addLayout(filterBar);
    layout->addWidget(m_table, 1);
    setCentralWidget(central);
    setTabOrder(m_filter, m_search);
    setTabOrder(m_search, m_table);

    // An empty window says what it is for and how to fill it.
    auto *hint = new EmptyStateHint(
        m_table,
        tr("No repositories yet.\n\nAdd one with Add Repository (Ctrl+N), import every repository under a folder "
           "with Import Folder, or drop a folder onto this window."),
        tr("No repository matches the filter or search."));
    auto refreshHint = [this, hint] { hint->setFiltered(m_model->rowCount() > 0); };
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, refreshHint);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, refreshHint);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, refreshHint);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, refreshHint);
}

void MainWindow::buildToolBar()
{
    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_actions->add);
    bar->addAction(m_actions->importFolder);
    bar->addSeparator();
    bar->addAction(m_actions->syncSelected);
    bar->addAction(m_actions->syncAll);
    bar->addAction(m_actions->cancelSelected);
    bar->addAction(m_actions->pauseAll);
    bar->addSeparator();
    bar->addAction(m_actions->policies);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions->add);
    file->addAction(m_actions->importFolder);
    file->addSeparator();
    file->addAction(m_actions->preferences);
    file->addSeparator();
    file->addAction(m_actions->quit);

    QMenu *repo = menuBar()->addMenu(tr("&Repository"));
    repo->addAction(m_actions->syncSelected);
    repo->addAction(m_actions->cancelSelected);
    repo->addSeparator();
    repo->addAction(m_actions->openFolder);
    repo->addAction(m_actions->copyUrl);
    m_assignMenu = repo->addMenu(QIcon(QStringLiteral(":/icons/policy.svg")), tr("Assign &Policy"));
    m_assignMenu->setObjectName(QStringLiteral("assignPolicyMenu"));
    connect(m_assignMenu, &QMenu::aboutToShow, this, [this] { fillPolicyMenu(m_assignMenu); });
    repo->addSeparator();
    repo->addAction(m_actions->remove);

    QMenu *sync = menuBar()->addMenu(tr("&Sync"));
    sync->addAction(m_actions->syncAll);
    sync->addAction(m_actions->cancelAll);
    sync->addAction(m_actions->pauseAll);
    sync->addSeparator();
    sync->addAction(m_actions->policies);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_detailsDock->toggleViewAction());
    view->addAction(m_actions->findRepository);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_actions->about);
}

void MainWindow::buildStatusBar()
{
    auto label = [this](const char *name, const QString &accessible) {
        auto *l = new QLabel(this);
        l->setObjectName(QLatin1String(name));
        l->setAccessibleName(accessible);
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_paused = label("pausedLabel", tr("Paused"));
    m_running = label("runningLabel", tr("Running syncs"));
    m_waiting = label("waitingLabel", tr("Waiting syncs"));
    m_failed = label("failedLabel", tr("Failed repositories"));
    m_rate = label("rateLabel", tr("Overall throughput"));
    m_paused->setText(QStringLiteral("<b>%1</b>").arg(tr("Paused")));
    m_paused->hide();
    m_offline = label("offlineLabel", tr("Offline"));
    m_offline->setText(QStringLiteral("<b>%1</b>").arg(tr("Offline")));
    m_offline->setToolTip(tr("The network is down: syncs wait and resume when it returns."));
    m_offline->setVisible(!scheduler()->isOnline());
    m_metered = label("meteredLabel", tr("Metered connection"));
    showMetered(m_session->isMetered(), static_cast<int>(m_session->meteredWaiting().size()));
    showTotals({});
}

void MainWindow::showMetered(bool metered, int waiting)
{
    m_metered->setVisible(metered);
    m_metered->setText(
        waiting == 1 ? tr("Metered connection: 1 scheduled sync waits, Sync All runs it")
        : waiting > 1
            ? tr("Metered connection: %1 scheduled syncs wait, Sync All runs them").arg(waiting)
            : tr("Metered connection: scheduled syncs wait"));
    m_metered->setToolTip(
        tr("The system says this connection is metered. Scheduled syncs of policies with "
           "\"On metered: wait\" wait until it is not; Sync Selected and Sync All still run."));
}

void MainWindow::connectParts()
{
    MainActions *a = m_actions;
    connect(a->add, &QAction::triggered, m_commands, &RepoCommands::add);
    connect(a->importFolder, &QAction::triggered, m_commands, &RepoCommands::chooseImportFolder);
    connect(a->syncSelected, &QAction::triggered, m_commands, &RepoCommands::syncSelected);
    connect(a->syncAll, &QAction::triggered, m_commands, &RepoCommands::syncAll);
    connect(a->cancelSelected, &QAction::triggered, m_commands, &RepoCommands::cancelSelected);
    connect(a->cancelAll, &QAction::triggered, m_commands, &RepoCommands::cancelAll);
    connect(a->pauseAll, &QAction::toggled, this, [this](bool paused) {
        m_commands->setPaused(paused);
        m_actions->setPaused(paused);
        m_paused->setVisible(paused);
    });
    connect(a->openFolder, &QAction::triggered, m_commands, &RepoCommands::openFolder);
    connect(a->copyUrl, &QAction::triggered, m_commands, &RepoCommands::copyUrls);
    connect(a->remove, &QAction::triggered, m_commands, &RepoCommands::removeSelected);
    connect(a->policies, &QAction::triggered, m_commands, &RepoCommands::editPolicies);
    connect(a->findRepository, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });
    connect(a->preferences, &QAction::triggered, this, [this] {
        auto *dialog = new PreferencesDialog(m_settings, m_tray->isAvailable(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, &MainWindow::applySettings);
        dialog->open();
    });
    connect(a->about, &QAction::triggered, this, [this] {
        auto *dialog = new AboutDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    connect(a->quit, &QAction::triggered, this, &MainWindow::quit);

    // A person answered: the repositories that waited on it sync now.
    connect(m_trust, &TrustCenter::retry, m_commands,
            [this](const QStringList &names) { m_commands->sync(names, core::Trigger::Manual); });
    connect(m_trust, &TrustCenter::keychainStored, this,
            [this](const QString &host, const QString &error) {
        if (error.isEmpty())
            statusBar()->showMessage(tr("The sign-in for %1 is in the system keychain.").arg(host),
                                     6000);
        else
            QMessageBox::warning(this, tr("Sign-In Not Remembered"), error);
    });
    connect(m_commands, &RepoCommands::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, 6000); });
    connect(m_commands, &RepoCommands::failed, this,
            [this](const QString &title, const QString &text) {
        QMessageBox::warning(this, title, text);
    });
    connect(m_workspace, &WorkspaceController::changed, this, &MainWindow::onWorkspaceChanged);
    connect(m_workspace, &WorkspaceController::loadFailed, this, [this](const QString &message) {
        statusBar()->showMessage(tr("The workspace file could not be read: %1").arg(message));
    });
    connect(m_workspace, &WorkspaceController::editFailed, this,
            [this](const QString &what, const QString &message) {
        QMessageBox::warning(this, tr("RepoDeck"), tr("%1 failed:\n%2").arg(what, message));
    });
    connect(m_details, &DetailsPane::exported, this,
            [this](const QString &path, const QString &error) {
        if (error.isEmpty())
            statusBar()->showMessage(
                tr("Exported the attempts to %1.").arg(QDir::toNativeSeparators(path)), 6000);
        else
            QMessageBox::warning(this, tr("Export"),
                                 tr("The attempts could not be exported: %1").arg(error));
    });
    connect(m_tracker, &SyncTracker::stateError, this,
            [this](const QString &message) { statusBar()->showMessage(message, 10'000); });
    connect(m_tracker, &SyncTracker::failedPermanently, m_tray, &TrayController::notifyFailure);
    connect(m_tracker, &SyncTracker::recovered, m_tray, &TrayController::notifyRecovery);
    connect(m_tray, &TrayController::toggleWindowRequested, this, &MainWindow::toggleVisible);
    connect(m_model, &RepoTableModel::totalsChanged, this, &MainWindow::showTotals);
    connect(m_session.get(), &core::SyncSession::planChanged, m_model,
            &RepoTableModel::setNextSync);
    connect(m_tracker, &SyncTracker::stateLoaded, this, &MainWindow::offerPastTrustRequests);
    connect(scheduler(), &core::Scheduler::onlineChanged, this, [this](bool online) {
        m_offline->setVisible(!online);
        statusBar()->showMessage(online ? tr("Back online: waiting syncs resume.")
                                        : tr("Offline: syncs wait for the network."),
                                 8000);
    });
    connect(m_session.get(), &core::SyncSession::meteredChanged, this, &MainWindow::showMetered);
    connect(m_session.get(), &core::SyncSession::afterSyncFinished, this,
            [this](const QString &name, const core::HookResult &result) {
        if (!result.ok())
            statusBar()->showMessage(
                tr("%1: %2; the sync's result stands.").arg(name, result.error), 10'000);
    });
    connect(scheduler(), &core::Scheduler::hostStateChanged, this,
            [this](const QString &host, core::BreakerState state, qint64 reopenInMs, int failures) {
        showHostState(host, static_cast<int>(state), reopenInMs, failures);
    });

    connect(m_filter, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setFilter(static_cast<RepoFilterProxy::Filter>(m_filter->currentData().toInt()));
    });
    connect(m_search, &QLineEdit::textChanged, m_proxy, &RepoFilterProxy::setSearchText);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::showContextMenu);
    connect(m_table, &QTreeView::doubleClicked, this, [this] { m_detailsDock->show(); });
    // Enable Cancel etc. as rows start and stop: once per flush, not per row.
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        if (m_selectionUpdatePending)
            return;
        m_selectionUpdatePending = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
            m_selectionUpdatePending = false;
            onSelectionChanged();
            },
            Qt::QueuedConnection);
    });
}

void MainWindow::applySettings()
{
    // The one engine session, reconfigured in place: queued syncs, retry
    // timers and the plan carry on.
    core::SessionSettings engine = m_session->settings();
    engine.jobs = m_settings.maxConcurrent();
    engine.hosts.maxConcurrent = m_settings.hostJobs();
    // Offline, the desktop app just waits for the network (a CLI run must end).
    engine.offlineCountsTowardDeadline = false;
    m_session->configure(engine);
    m_tray->setNotificationsEnabled(m_settings.notifications());
    if (!m_settings.windowGeometry().isEmpty() && !isVisible()) {
        restoreGeometry(m_settings.windowGeometry());
        restoreState(m_settings.windowState());
    }
    if (const QByteArray header = m_settings.tableHeader(); !header.isEmpty() && !isVisible())
        m_table->header()->restoreState(header);
    if (!isVisible())
        m_filter->setCurrentIndex(std::clamp(m_settings.filter(), 0, m_filter->count() - 1));
}

void MainWindow::saveSettings()
{
    m_settings.setWindow(saveGeometry(), saveState());
    m_settings.setTableHeader(m_table->header()->saveState());
    m_settings.setFilter(m_filter->currentIndex());
}

// Repositories that failed last time (here or in repodeck-cli) for want of
// a sign-in or a trusted host key get their request at once; a certificate
// can only be reviewed once a sync has seen it again.
void MainWindow::offerPastTrustRequests()
{
    if (m_pastTrustOffered || !m_tracker->isStateLoaded() || !m_workspace->isLoaded())
        return;
    m_pastTrustOffered = true;
    for (const core::RepoSpec &spec : m_workspace->workspace().repositories()) {
        const RepoStatus status = m_tracker->status(spec.name);
        if (status.last.lastOutcome != core::Outcome::Failed)
            continue;
        m_trust->noteResult(spec.name, core::RepoResult::failed(status.last.error, 0));
    }
}

void MainWindow::onWorkspaceChanged(const core::Workspace &workspace)
{
    const QList<core::RepoSpec> &specs = workspace.repositories();
    QStringList names;
    names.reserve(specs.size());
    for (const core::RepoSpec &s : specs)
        names << s.name;
    m_model->setRepositories(specs);
    m_model->setPolicies(workspace.policies());
    // Syncs of repositories someone removed from the file are cancelled;
    // the plan (shown in the model) follows the policies.
    m_session->setWorkspace(workspace);
    m_tracker->setRepositories(names);
    m_commands->workspaceChanged(workspace);
    offerPastTrustRequests();
    if (m_table->selectionModel()->selectedRows().isEmpty() && m_proxy->rowCount() > 0)
        m_table->setCurrentIndex(m_proxy->index(0, 0));
    onSelectionChanged();
}

QStringList MainWindow::selectedNames() const
{
    QModelIndexList rows = m_table->selectionModel()->selectedRows(RepoTableModel::Name);
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList names;
    for (const QModelIndex &index : std::as_const(rows))
        names << index.data(RepoTableModel::NameRole).toString();
    return names;
}

void MainWindow::selectRepository(const QString &name)
{
    const int row = m_model->rowOf(name);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect
                                                          | QItemSelectionModel::Rows);
}

QString MainWindow::redactedUrl(const QString &name) const
{
    const int row = m_model->rowOf(name);
    return row < 0 ? QString() : m_model->data(m_model->index(row, RepoTableModel::Url)).toString();
}

void MainWindow::onSelectionChanged()
{
    const QStringList names = selectedNames();
    int active = 0;
    int inFlight = 0;
    for (const QString &name : names) {
        const RepoStatus *st = m_model->status(name);
        active += st && st->isActive() ? 1 : 0;
        inFlight += st
                            && (st->activity == core::Activity::Queued
                                || st->activity == core::Activity::Running)
                        ? 1
                        : 0;
    }
    m_actions->updateForSelection(static_cast<int>(names.size()), inFlight, active,
                                  !scheduler()->isIdle());
    const QModelIndex current = m_table->currentIndex();
    const QString focus = names.size() == 1   ? names.first()
                          : current.isValid() ? current.data(RepoTableModel::NameRole).toString()
                                              : QString();
    if (focus != m_details->repository())
        m_details->setRepository(focus);
}

void MainWindow::showTotals(const SyncTotals &t)
{
    m_running->setText(t.queued > 0 ? tr("Running: %1 (+%2 queued)").arg(t.running).arg(t.queued)
                                    : tr("Running: %1").arg(t.running));
    m_waiting->setText(tr("Waiting: %1").arg(t.waiting));
    m_failed->setText(tr("Failed: %1").arg(t.failed));
    m_failed->setStyleSheet(t.failed > 0 ? QStringLiteral("color: #c0392b; font-weight: bold;")
                                         : QString());
    m_rate->setText(tr("↓ %1").arg(text::rate(t.bytesPerSecond)));
    m_tray->setTotals(t);
}

void MainWindow::fillPolicyMenu(QMenu *menu)
{
    menu->clear();
    const QStringList names = selectedNames();
    for (const QString &policy : m_workspace->workspace().policies().keys()) {
        QAction *a = menu->addAction(policy);
        a->setEnabled(!names.isEmpty());
        connect(a, &QAction::triggered, this,
                [this, policy, names] { m_commands->assignPolicy(policy, names); });
    }
}

void MainWindow::showContextMenu(const QPoint &pos)
{
    QMenu menu(this);
    menu.addAction(m_actions->syncSelected);
    menu.addAction(m_actions->cancelSelected);
    menu.addSeparator();
    menu.addAction(m_actions->openFolder);
    menu.addAction(m_actions->copyUrl);
    QMenu *assign = menu.addMenu(QIcon(QStringLiteral(":/icons/policy.svg")), tr("Assign &Policy"));
    fillPolicyMenu(assign);
    menu.addSeparator();
    menu.addAction(m_actions->remove);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void MainWindow::showHostState(const QString &host, int state, qint64 reopenInMs, int failures)
{
    switch (static_cast<core::BreakerState>(state)) {
    case core::BreakerState::Open:
        statusBar()->showMessage(tr("%1 paused after %2 in a row; trying it again in %3.")
                                     .arg(host,
                                          text::count(failures, tr("failure"), tr("failures")),
                                          text::duration(core::Millis(reopenInMs))),
                                 10'000);
        break;
    case core::BreakerState::HalfOpen:
        statusBar()->showMessage(tr("Probing %1 with one sync…").arg(host), 5000);
        break;
    case core::BreakerState::Closed:
        statusBar()->showMessage(tr("%1 answers again: its syncs resume.").arg(host), 5000);
        break;
    }
}

void MainWindow::toggleVisible()
{
    if (isVisible() && !isMinimized()) {
        hide();
    } else {
        showNormal();
        raise();
        activateWindow();
    }
}

void MainWindow::quit()
{
    m_quitting = true;
    close();
    QApplication::quit();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    if (!m_quitting && m_tray->isAvailable() && m_settings.closeToTray()) {
        hide();
        event->ignore();
        return;
    }
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    // Whether it is a folder is for the (background) scan to find out.
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    m_commands->importFolder(urls.first().toLocalFile());
}

} // namespace repodeck::ui
