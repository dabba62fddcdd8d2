#include "shell/RepoCommands.h"

#include "auth/UrlSecret.h"
#include "dialogs/AddRepositoryDialog.h"
#include "dialogs/ImportDialog.h"
#include "dialogs/PoliciesDialog.h"
#include "dialogs/RemoveDialog.h"
#include "io/WorkspaceController.h"
#include "model/RepoTableModel.h"
#include "model/StatusText.h"
#include "shell/AppSettings.h"
#include "sync/Scheduler.h"
#include "session/SyncSession.h"
#include "io/Async.h"
#include "util/RemoveTree.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QGuiApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QUrl>

namespace repodeck::ui {

namespace {

// Deleting a user's folder is the one irreversible thing RepoDeck does:
// refuse anything that could be much more than one repository.
bool safeToDelete(const QString &path)
{
    const QString clean = QDir::cleanPath(path);
    return QDir::isAbsolutePath(clean) && clean.count(QLatin1Char('/')) >= 2
           && clean != QDir::cleanPath(QDir::homePath()) && !QDir(clean).isRoot();
}

template<typename Dialog>
Dialog *openModal(Dialog *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

} // namespace

RepoCommands::RepoCommands(core::SyncSession *session, WorkspaceController *workspace,
                           RepoTableModel *model, AppSettings *settings, QWidget *window)
    : QObject(window)
    , m_session(session)
    , m_workspace(workspace)
    , m_model(model)
    , m_settings(settings)
    , m_window(window)
{
    connect(m_session->scheduler(), &core::Scheduler::finished, this, &RepoCommands::onFinished);
}

void RepoCommands::sync(const QStringList &names, core::Trigger trigger)
{
    if (trigger == core::Trigger::Manual && !names.isEmpty() && !m_meteredConfirmed
        && m_session->isMetered()) {
        confirmMetered(names);
        return;
    }
    m_session->sync(names, trigger);
}

void RepoCommands::confirmMetered(const QStringList &names)
{
    const bool asking = !m_meteredAsked.isEmpty();
    for (const QString &n : names) {
        if (!m_meteredAsked.contains(n))
            m_meteredAsked << n;
    }
    if (asking)
        return; // the open question covers these too
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Metered Connection"),
        tr("The system says this connection is metered (data may cost money). "
           "Sync now anyway? RepoDeck asks once; scheduled syncs keep waiting "
           "for an unmetered connection."),
        QMessageBox::Yes | QMessageBox::Cancel, m_window);
    box->setObjectName(QStringLiteral("meteredConfirm"));
    box->button(QMessageBox::Yes)->setText(tr("Sync Now"));
    box->setDefaultButton(QMessageBox::Yes);
    box->setWindowModality(Qt::WindowModal);
    connect(box, &QMessageBox::finished, this, [this, box] {
        const QStringList asked = std::exchange(m_meteredAsked, {});
        if (box->clickedButton() != box->button(QMessageBox::Yes))
            return;
        m_meteredConfirmed = true;
        m_session->sync(asked, core::Trigger::Manual);
    });
    openModal(box);
}

void RepoCommands::syncSelected()
{
    sync(m_selection ? m_selection() : QStringList(), core::Trigger::Manual);
}

void RepoCommands::syncAll()
{
    QStringList names;
    for (const core::RepoSpec &spec : m_workspace->workspace().repositories())
        names << spec.name;
    sync(names, core::Trigger::Manual);
}

void RepoCommands::cancelSelected()
{
    const QStringList names = m_selection ? m_selection() : QStringList();
    for (const QString &name : names)
        m_session->cancel(name); // the after_sync command too
}

void RepoCommands::cancelAll()
{
    m_session->cancelAll();
}

void RepoCommands::setPaused(bool paused)
{
    m_session->scheduler()->setPaused(paused);
    emit message(paused ? tr("Paused: nothing new starts; running attempts finish.")
                        : tr("Resumed."));
}

void RepoCommands::add()
{
    const QString parent = QDir(m_settings->lastImportFolder()).absolutePath();
    auto *dialog = openModal(new AddRepositoryDialog(m_workspace->workspace(), parent, m_window));
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { addRepositories({dialog->spec()}); });
}

void RepoCommands::chooseImportFolder()
{
    auto *picker = new QFileDialog(m_window, tr("Import Repositories From"),
                                   m_settings->lastImportFolder());
    picker->setFileMode(QFileDialog::Directory);
    picker->setOption(QFileDialog::ShowDirsOnly);
    openModal(picker);
    connect(picker, &QFileDialog::fileSelected, this, &RepoCommands::importFolder);
}

void RepoCommands::importFolder(const QString &folder)
{
    if (folder.isEmpty())
        return;
    m_settings->setLastImportFolder(folder);
    auto *dialog = openModal(new ImportDialog(folder, m_workspace->workspace(), m_window));
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { addRepositories(dialog->selectedSpecs()); });
}

void RepoCommands::addRepositories(const QList<core::RepoSpec> &specs)
{
    if (specs.isEmpty())
        return;
    for (const core::RepoSpec &s : specs)
        m_syncWhenAdded.insert(s.name);
    const QString what = specs.size() == 1 ? tr("Adding %1").arg(specs.first().name)
                                           : tr("Adding %1")
                                                 .arg(text::count(specs.size(), tr("repository"),
                                                                  tr("repositories")));
    m_workspace->edit(what, [specs](core::Workspace &ws) {
        QStringList problems;
        for (core::RepoSpec s : specs) {
            const core::RemoteUrl typed = core::RemoteUrl::parse(s.url);
            s.url = typed.redacted();
            if (const QString e = ws.addRepository(s); !e.isEmpty()) {
                problems << QStringLiteral("%1: %2").arg(s.name, e);
                continue;
            }
            // A typed user:token@ moves to the keychain (or nothing is added).
            const core::UrlToStore stored = core::prepareUrlForStorage(typed);
            if (!stored.error.isEmpty()) {
                problems << QStringLiteral("%1: %2").arg(s.name, stored.error);
                continue;
            }
            s.url = stored.url;
            ws.updateRepository(s);
        }
        // All or nothing, so a partly applied import never surprises anyone.
        return problems.join(QLatin1Char('\n'));
    });
}

void RepoCommands::workspaceChanged(const core::Workspace &ws)
{
    QStringList ready;
    for (const QString &name : std::as_const(m_syncWhenAdded)) {
        if (ws.repository(name))
            ready << name;
    }
    for (const QString &name : std::as_const(ready))
        m_syncWhenAdded.remove(name);
    sync(ready);
}

void RepoCommands::removeSelected()
{
    const QStringList names = m_selection ? m_selection() : QStringList();
    QList<core::RepoSpec> specs;
    for (const QString &name : names) {
        if (const core::RepoSpec *s = m_workspace->workspace().repository(name))
            specs << *s;
    }
    if (specs.isEmpty())
        return;
    auto *dialog = openModal(new RemoveDialog(specs, m_window));
    connect(dialog, &QDialog::accepted, this,
            [this, dialog, names] { remove(names, dialog->deleteFiles()); });
}

void RepoCommands::remove(const QStringList &names, bool deleteFiles)
{
    QHash<QString, QString> folders;
    for (const QString &name : names) {
        if (const core::RepoSpec *s = m_workspace->workspace().repository(name))
            folders.insert(name, s->path);
        m_session->scheduler()->cancel(name);
    }
    m_workspace->edit(
        tr("Removing %1").arg(text::count(names.size(), tr("repository"), tr("repositories"))),
        [names](core::Workspace &ws) {
        for (const QString &name : names)
            ws.removeRepository(name);
        return QString();
        });
    if (!deleteFiles)
        return;
    // A cancelled attempt still holds its folder for a moment: delete each
    // folder once its sync has stopped.
    QStringList now;
    for (auto it = folders.begin(); it != folders.end(); ++it) {
        if (m_session->scheduler()->state(it.key()) == core::Scheduler::State::Idle)
            now << it.value();
        else
            m_deleteAfterCancel.insert(it.key(), it.value());
    }
    deleteFolders(now);
}

void RepoCommands::onFinished(const QString &name)
{
    if (m_deleteAfterCancel.contains(name))
        deleteFolders({m_deleteAfterCancel.take(name)});
}

void RepoCommands::deleteFolders(const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    runAsync(
        this,
        [paths] {
        QStringList failures;
        for (const QString &path : paths) {
            if (!safeToDelete(path))
                failures << QStringLiteral("%1 (refused: too close to the root or home folder)")
                                .arg(path);
            else if (const QString e = core::removeTreeNoFollow(path); !e.isEmpty())
                failures << e;
        }
        return failures;
        },
        [this, paths](const QStringList &failures) {
        if (failures.isEmpty())
            emit message(
                tr("Deleted %1.").arg(text::count(paths.size(), tr("folder"), tr("folders"))));
        else
            emit failed(
                tr("Delete Files"),
                tr("Some folders could not be deleted:\n%1").arg(failures.join(QLatin1Char('\n'))));
    });
}

void RepoCommands::editPolicies()
{
    const QStringList selected = m_selection ? m_selection() : QStringList();
    auto *dialog = openModal(new PoliciesDialog(m_workspace->workspace(), selected, m_window));
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const PoliciesDialog::Changes changes = dialog->changes();
        m_workspace->edit(tr("Saving policies"), [changes](core::Workspace &ws) {
            return PoliciesDialog::apply(ws, changes);
        });
    });
}

void RepoCommands::assignPolicy(const QString &policy, const QStringList &names)
{
    if (names.isEmpty())
        return;
    m_workspace->edit(tr("Assigning policy %1").arg(policy), [policy, names](core::Workspace &ws) {
        if (!ws.hasPolicy(policy))
            return QStringLiteral("there is no policy named \"%1\"").arg(policy);
        for (const QString &name : names) {
            if (const core::RepoSpec *spec = ws.repository(name)) {
                core::RepoSpec changed = *spec;
                changed.policy = policy;
                ws.updateRepository(changed);
            }
        }
        return QString();
    });
}

void RepoCommands::openFolder()
{
    const QStringList names = m_selection ? m_selection() : QStringList();
    if (names.size() != 1)
        return;
    const core::RepoSpec *spec = m_model->spec(names.first());
    if (spec && !QDesktopServices::openUrl(QUrl::fromLocalFile(spec->path)))
        emit message(tr("Could not open %1; it may not have been cloned yet.")
                         .arg(QDir::toNativeSeparators(spec->path)));
}

void RepoCommands::copyUrls()
{
    const QStringList names = m_selection ? m_selection() : QStringList();
    QStringList urls;
    for (const QString &name : names) {
        const int row = m_model->rowOf(name);
        if (row >= 0)
            urls << m_model->data(m_model->index(row, RepoTableModel::Url)).toString();
    }
    if (urls.isEmpty())
        return;
    QGuiApplication::clipboard()->setText(urls.join(QLatin1Char('\n')));
    emit message(
        tr("Copied %1, without credentials.").arg(text::count(urls.size(), tr("URL"), tr("URLs"))));
}

} // namespace repodeck::ui
