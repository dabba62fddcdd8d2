#include "dialogs/ImportDialog.h"

#include "model/StatusText.h"
#include "io/Async.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace repodeck::ui {

namespace {
enum Column { NameColumn, UrlColumn, ModeColumn, FolderColumn, NoteColumn };
constexpr int IndexRole = Qt::UserRole + 1;
} // namespace

ImportDialog::ImportDialog(const QString &root, const core::Workspace &workspace, QWidget *parent)
    : QDialog(parent)
    , m_root(root)
    , m_workspace(workspace)
{
    setWindowTitle(tr("Import Repositories"));
    resize(820, 420);
    auto *layout = new QVBoxLayout(this);
    m_summary = new QLabel(
        tr("Looking for repositories under %1…").arg(QDir::toNativeSeparators(root)), this);
    m_summary->setWordWrap(true);
    m_summary->setObjectName(QStringLiteral("importSummary"));
    layout->addWidget(m_summary);

    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("importList"));
    m_list->setAccessibleName(tr("Repositories found"));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setHeaderLabels({tr("Name"), tr("URL"), tr("Mode"), tr("Folder"), tr("Note")});
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->header()->setStretchLastSection(true);
    layout->addWidget(m_list, 1);

    auto *form = new QFormLayout;
    m_policy = new QComboBox(this);
    m_policy->setAccessibleName(tr("Retry policy for the imported repositories"));
    m_policy->addItems(m_workspace.policies().keys());
    m_policy->setCurrentText(QStringLiteral("default"));
    form->addRow(tr("&Policy:"), m_policy);
    layout->addLayout(form);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_list, &QTreeWidget::itemChanged, this, &ImportDialog::updateButton);
    updateButton();

    m_scan = runAsync(
        this, [root] { return core::findRepositories(root); }, &ImportDialog::onScanned);
}

ImportDialog::~ImportDialog()
{
    // findRepositories cannot be interrupted; it only reads, so wait (bounded by the tree's size).
    m_scan.waitForFinished();
}

void ImportDialog::onScanned(const QList<core::FoundRepository> &found)
{
    m_found = found;
    int addable = 0;
    for (int i = 0; i < m_found.size(); ++i) {
        core::FoundRepository &f = m_found[i];
        if (f.problem.isEmpty()) {
            if (const core::RepoSpec *same = m_workspace.repository(f.spec.name))
                f.problem = QDir::cleanPath(same->path) == QDir::cleanPath(f.spec.path)
                                ? tr("already in RepoDeck")
                                : tr("the name \"%1\" is taken by another repository")
                                      .arg(f.spec.name);
            for (const core::RepoSpec &r : m_workspace.repositories()) {
                if (f.problem.isEmpty() && QDir::cleanPath(r.path) == QDir::cleanPath(f.spec.path))
                    f.problem = tr("already in RepoDeck as \"%1\"").arg(r.name);
            }
            if (f.problem.isEmpty())
                f.problem = core::validateRepoName(f.spec.name);
        }
        auto *item = new QTreeWidgetItem(m_list);
        item->setText(NameColumn, f.spec.name);
        item->setText(UrlColumn, f.spec.url);
        item->setText(ModeColumn, text::mode(f.spec.mode));
        item->setText(FolderColumn, QDir::toNativeSeparators(f.spec.path));
        item->setText(NoteColumn, f.problem);
        item->setData(NameColumn, IndexRole, i);
        if (f.problem.isEmpty()) {
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(NameColumn, Qt::Checked);
            ++addable;
        } else {
            item->setFlags(item->flags() & ~Qt::ItemIsUserCheckable & ~Qt::ItemIsEnabled);
            item->setForeground(NoteColumn, QColor(0xc0, 0x39, 0x2b));
        }
    }
    if (m_found.isEmpty())
        m_summary->setText(
            tr("No git repositories were found under %1.").arg(QDir::toNativeSeparators(m_root)));
    else
        m_summary->setText(
            tr("Found %1 under %2; %3 can be added. Uncheck any you do not want.")
                .arg(text::count(m_found.size(), tr("repository"), tr("repositories")),
                     QDir::toNativeSeparators(m_root))
                .arg(addable));
    updateButton();
    emit scanFinished(static_cast<int>(m_found.size()));
}

void ImportDialog::updateButton()
{
    const int n = static_cast<int>(selectedSpecs().size());
    QPushButton *ok = m_buttons->button(QDialogButtonBox::Ok);
    ok->setEnabled(n > 0);
    ok->setText(n > 0 ? tr("&Add %1").arg(n) : tr("&Add"));
}

QList<core::RepoSpec> ImportDialog::selectedSpecs() const
{
    QList<core::RepoSpec> out;
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        const QTreeWidgetItem *item = m_list->topLevelItem(row);
        if (item->checkState(NameColumn) != Qt::Checked
            || !(item->flags() & Qt::ItemIsUserCheckable))
            continue;
        core::RepoSpec spec = m_found.at(item->data(NameColumn, IndexRole).toInt()).spec;
        spec.policy = m_policy->currentText();
        out.append(spec);
    }
    return out;
}

void ImportDialog::setChecked(const QString &name, bool checked)
{
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        QTreeWidgetItem *item = m_list->topLevelItem(row);
        if (item->text(NameColumn) == name && (item->flags() & Qt::ItemIsUserCheckable))
            item->setCheckState(NameColumn, checked ? Qt::Checked : Qt::Unchecked);
    }
}

} // namespace repodeck::ui
