#include "dialogs/PoliciesDialog.h"

#include "model/StatusText.h"
#include "views/PolicyEditor.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace repodeck::ui {

namespace {
const QString kDefault = QStringLiteral("default");
}

PoliciesDialog::PoliciesDialog(const core::Workspace &workspace,
                               const QStringList &selectedRepositories, QWidget *parent)
    : QDialog(parent)
    , m_workspace(workspace)
    , m_selected(selectedRepositories)
{
    setWindowTitle(tr("Retry Policies"));
    resize(820, 620);
    for (const core::RetryPolicy &p : workspace.policies())
        m_entries.append({p.name, p, true});

    auto *layout = new QVBoxLayout(this);
    auto *body = new QHBoxLayout;
    layout->addLayout(body, 1);

    auto *left = new QVBoxLayout;
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("policyList"));
    m_list->setAccessibleName(tr("Policies"));
    m_list->setMaximumWidth(220);
    for (const Entry &e : std::as_const(m_entries))
        m_list->addItem(e.policy.name);
    left->addWidget(m_list, 1);
    auto *listButtons = new QHBoxLayout;
    m_add = new QPushButton(tr("&New"), this);
    m_duplicate = new QPushButton(tr("D&uplicate"), this);
    m_remove = new QPushButton(tr("Remo&ve"), this);
    m_add->setAccessibleName(tr("New policy"));
    m_duplicate->setAccessibleName(tr("Duplicate policy"));
    m_remove->setAccessibleName(tr("Remove policy"));
    listButtons->addWidget(m_add);
    listButtons->addWidget(m_duplicate);
    listButtons->addWidget(m_remove);
    left->addLayout(listButtons);
    body->addLayout(left);

    m_editor = new PolicyEditor(this);
    m_editor->setObjectName(QStringLiteral("policyEditor"));
    body->addWidget(m_editor, 1);

    auto *bottom = new QHBoxLayout;
    m_assignButton = new QPushButton(this);
    m_assignButton->setObjectName(QStringLiteral("assignButton"));
    m_assignButton->setEnabled(!m_selected.isEmpty());
    m_assignButton->setToolTip(m_selected.isEmpty()
                                   ? tr("Select repositories in the main window first.")
                                   : m_selected.join(QStringLiteral(", ")));
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    bottom->addWidget(m_assignButton);
    bottom->addWidget(m_note, 1);
    layout->addLayout(bottom);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    m_editor->setNameCheck([this](const QString &name) {
        for (int i = 0; i < m_entries.size(); ++i) {
            if (i != m_current && m_entries.at(i).policy.name == name)
                return tr("another policy is already named \"%1\"").arg(name);
        }
        return QString();
    });
    connect(m_list, &QListWidget::currentRowChanged, this, &PoliciesDialog::onCurrentRowChanged);
    connect(m_editor, &PolicyEditor::changed, this, &PoliciesDialog::onEdited);
    connect(m_add, &QPushButton::clicked, this, &PoliciesDialog::addPolicy);
    connect(m_duplicate, &QPushButton::clicked, this, &PoliciesDialog::duplicatePolicy);
    connect(m_remove, &QPushButton::clicked, this, &PoliciesDialog::removePolicy);
    connect(m_assignButton, &QPushButton::clicked, this, &PoliciesDialog::assignToSelected);

    QString initial = kDefault;
    if (!m_selected.isEmpty()) {
        if (const core::RepoSpec *r = m_workspace.repository(m_selected.first()))
            initial = r->policy;
    }
    selectPolicy(initial);
    updateButtons();
}

QPushButton *PoliciesDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

void PoliciesDialog::selectPolicy(const QString &name)
{
    for (int i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).policy.name == name) {
            m_list->setCurrentRow(i);
            return;
        }
    }
    if (!m_entries.isEmpty())
        m_list->setCurrentRow(0);
}

void PoliciesDialog::onCurrentRowChanged(int row)
{
    m_current = row;
    if (row < 0 || row >= m_entries.size())
        return;
    const Entry &e = m_entries.at(row);
    m_editor->setNameEditable(e.original != kDefault);
    m_editor->setPolicy(e.policy);
    updateButtons();
}

void PoliciesDialog::onEdited()
{
    if (m_current < 0 || m_current >= m_entries.size())
        return;
    Entry &e = m_entries[m_current];
    e.valid = m_editor->isValid();
    if (m_assign == e.policy.name)
        m_assign = m_editor->policy().name;
    e.policy = m_editor->policy();
    m_list->item(m_current)->setText(e.valid ? e.policy.name
                                             : e.policy.name + QStringLiteral(" ⚠"));
    updateButtons();
}

QString PoliciesDialog::uniqueName(const QString &base) const
{
    for (int n = 1;; ++n) {
        const QString candidate = n == 1 ? base : QStringLiteral("%1-%2").arg(base).arg(n);
        bool taken = false;
        for (const Entry &e : m_entries)
            taken = taken || e.policy.name == candidate;
        if (!taken)
            return candidate;
    }
}

void PoliciesDialog::addPolicy()
{
    core::RetryPolicy p = core::RetryPolicy::defaults();
    p.name = uniqueName(QStringLiteral("policy"));
    m_entries.append({QString(), p, true});
    m_list->addItem(p.name);
    m_list->setCurrentRow(static_cast<int>(m_entries.size()) - 1);
}

void PoliciesDialog::duplicatePolicy()
{
    if (m_current < 0)
        return;
    core::RetryPolicy p = m_entries.at(m_current).policy;
    p.name = uniqueName(p.name + QStringLiteral("-copy"));
    m_entries.append({QString(), p, true});
    m_list->addItem(p.name);
    m_list->setCurrentRow(static_cast<int>(m_entries.size()) - 1);
}

int PoliciesDialog::usage(const Entry &entry) const
{
    if (entry.original.isEmpty())
        return 0;
    int n = 0;
    for (const core::RepoSpec &r : m_workspace.repositories())
        n += r.policy == entry.original ? 1 : 0;
    return n;
}

void PoliciesDialog::removePolicy()
{
    if (m_current < 0)
        return;
    const Entry e = m_entries.at(m_current);
    if (e.original == kDefault || usage(e) > 0 || m_assign == e.policy.name)
        return;
    if (!e.original.isEmpty())
        m_removed << e.original;
    const int row = m_current;
    m_entries.removeAt(row);
    delete m_list->takeItem(row);
    m_list->setCurrentRow(std::min(row, static_cast<int>(m_entries.size()) - 1));
}

void PoliciesDialog::assignToSelected()
{
    if (m_current < 0 || m_selected.isEmpty() || !m_entries.at(m_current).valid)
        return;
    m_assign = m_entries.at(m_current).policy.name;
    updateButtons();
}

void PoliciesDialog::updateButtons()
{
    bool allValid = true;
    for (const Entry &e : std::as_const(m_entries))
        allValid = allValid && e.valid;
    okButton()->setEnabled(allValid);

    const bool have = m_current >= 0 && m_current < m_entries.size();
    m_duplicate->setEnabled(have);
    QString removeWhy;
    if (have) {
        const Entry &e = m_entries.at(m_current);
        const int used = usage(e);
        if (e.original == kDefault)
            removeWhy = tr("The default policy cannot be removed.");
        else if (used > 0)
            removeWhy = tr("Used by %1; assign them another policy first.")
                            .arg(text::count(used, tr("repository"), tr("repositories")));
        else if (m_assign == e.policy.name)
            removeWhy = tr("About to be assigned to the selected repositories.");
    }
    m_remove->setEnabled(have && removeWhy.isEmpty());
    m_remove->setToolTip(removeWhy);

    const int n = static_cast<int>(m_selected.size());
    const QString current = have ? m_entries.at(m_current).policy.name : QString();
    m_assignButton->setText(
        tr("Assign \"%1\" to the %2")
            .arg(current, text::count(n, tr("selected repository"), tr("selected repositories"))));
    m_assignButton->setEnabled(have && n > 0 && m_entries.at(m_current).valid);
    m_note->setText(m_assign.isEmpty()
                        ? QString()
                        : tr("On OK, %1 will use \"%2\".")
                              .arg(text::count(n, tr("repository"), tr("repositories")), m_assign));
}

PoliciesDialog::Changes PoliciesDialog::changes() const
{
    Changes c;
    for (const Entry &e : m_entries) {
        c.policies.append(e.policy);
        if (!e.original.isEmpty() && e.original != e.policy.name)
            c.renamed.insert(e.original, e.policy.name);
    }
    c.removed = m_removed;
    c.assign = m_assign;
    if (!m_assign.isEmpty())
        c.repositories = m_selected;
    return c;
}

QString PoliciesDialog::apply(core::Workspace &ws, const Changes &c)
{
    // New and edited policies first, so repositories can point at them.
    for (const core::RetryPolicy &p : c.policies)
        ws.setPolicy(p);
    QList<core::RepoSpec> repos = ws.repositories();
    for (core::RepoSpec &r : repos) {
        bool changed = false;
        if (c.renamed.contains(r.policy)) {
            r.policy = c.renamed.value(r.policy);
            changed = true;
        }
        if (!c.assign.isEmpty() && c.repositories.contains(r.name)) {
            r.policy = c.assign;
            changed = true;
        }
        if (changed)
            ws.updateRepository(r);
    }
    // Old names last; removePolicy refuses names still in use (for example by
    // a repository the CLI added meanwhile), which is what we want.
    for (auto it = c.renamed.begin(); it != c.renamed.end(); ++it)
        ws.removePolicy(it.key());
    for (const QString &name : c.removed)
        ws.removePolicy(name);
    return {};
}

} // namespace repodeck::ui
