#pragma once

#include "retry/RetryPolicy.h"
#include "workspace/Workspace.h"

#include <QDialog>
#include <QHash>
#include <QMap>

class QDialogButtonBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace repodeck::ui {

class PolicyEditor;

// Named retry policies: create, duplicate, rename, remove and edit every
// knob, and assign one to the repositories selected in the main window.
// The result is applied to the workspace in one locked edit.
class PoliciesDialog : public QDialog
{
    Q_OBJECT

public:
    // What the dialog decided, applied later with apply().
    struct Changes
    {
        QList<core::RetryPolicy> policies; // every policy as it should be
        QHash<QString, QString> renamed;   // old name -> new name
        QStringList removed;               // old names
        QString assign;                    // policy for `repositories`, empty = none
        QStringList repositories;
    };

    PoliciesDialog(const core::Workspace &workspace, const QStringList &selectedRepositories,
                   QWidget *parent = nullptr);

    Changes changes() const;
    // Applies `changes` to a freshly loaded workspace (on a worker thread,
    // inside core::editWorkspace). Returns an error text or empty.
    static QString apply(core::Workspace &workspace, const Changes &changes);

    PolicyEditor *editor() const { return m_editor; }
    QPushButton *okButton() const;
    // Selects the policy at `row` of the list.
    void selectPolicy(const QString &name);
    void addPolicy();
    void assignToSelected();

private:
    struct Entry
    {
        QString original; // empty for new policies
        core::RetryPolicy policy;
        bool valid = true;
    };

    void onCurrentRowChanged(int row);
    void onEdited();
    void duplicatePolicy();
    void removePolicy();
    void updateButtons();
    int usage(const Entry &entry) const;
    QString uniqueName(const QString &base) const;

    core::Workspace m_workspace;
    QStringList m_selected;
    QList<Entry> m_entries;
    QStringList m_removed;
    QString m_assign;
    int m_current = -1;

    QListWidget *m_list;
    PolicyEditor *m_editor;
    QPushButton *m_add;
    QPushButton *m_duplicate;
    QPushButton *m_remove;
    QPushButton *m_assignButton;
    QLabel *m_note;
    QDialogButtonBox *m_buttons;
};

} // namespace repodeck::ui
