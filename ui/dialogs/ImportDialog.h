#pragma once

#include "workspace/RepoImporter.h"
#include "workspace/Workspace.h"

#include <QDialog>
#include <QFuture>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QTreeWidget;

namespace repodeck::ui {

// Imports every repository under a folder. The folder is scanned on a worker
// thread; the dialog then lists what was found, with the problems that keep
// some from being added (no origin, a password in the URL, already in the
// workspace), and adds the checked ones.
class ImportDialog : public QDialog
{
    Q_OBJECT

public:
    ImportDialog(const QString &root, const core::Workspace &workspace, QWidget *parent = nullptr);
    ~ImportDialog() override;

    bool isScanning() const { return m_scan.isRunning(); }
    // Everything found, with the problem that blocks each (empty = can be added).
    QList<core::FoundRepository> found() const { return m_found; }
    QList<core::RepoSpec> selectedSpecs() const;
    // Checks or unchecks the row of the repository named `name`.
    void setChecked(const QString &name, bool checked);

signals:
    void scanFinished(int found);

private:
    void onScanned(const QList<core::FoundRepository> &found);
    void updateButton();

    QString m_root;
    core::Workspace m_workspace;
    QList<core::FoundRepository> m_found;
    QFuture<QList<core::FoundRepository>> m_scan;
    QLabel *m_summary;
    QTreeWidget *m_list;
    QComboBox *m_policy;
    QDialogButtonBox *m_buttons;
};

} // namespace repodeck::ui
