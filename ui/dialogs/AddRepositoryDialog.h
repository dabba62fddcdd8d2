#pragma once

#include "io/DestinationCheck.h"
#include "workspace/Workspace.h"

#include <QDialog>
#include <QFuture>
#include <QTimer>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace repodeck::ui {

// Adds one repository. Validates as the user types: the URL with
// RemoteUrl's own error text, the name against the workspace, and the
// destination folder (missing or empty: fine; already a clone of that URL:
// fine; anything else: an error naming the fix). The folder check touches the
// disk, so it runs on a worker thread, debounced.
class AddRepositoryDialog : public QDialog
{
    Q_OBJECT

public:
    AddRepositoryDialog(const core::Workspace &workspace, const QString &defaultParent,
                        QWidget *parent = nullptr);

    core::RepoSpec spec() const;
    bool isAcceptable() const { return m_acceptable; }

    // Messages under each field (empty when nothing is to be said).
    QString urlMessage() const;
    QString nameMessage() const;
    QString destinationMessage() const;
    DestinationVerdict::Kind destinationKind() const { return m_verdict.kind; }

signals:
    // After every complete validation, including the background folder check.
    void validated(bool acceptable);

private:
    void onUrlEdited();
    void onNameEdited();
    void revalidate();
    void startDestinationCheck();
    void onDestinationChecked(int generation, const DestinationVerdict &verdict);
    void setMessage(QLabel *label, const QString &text, bool error);
    void browse();

    core::Workspace m_workspace;
    QString m_defaultParent;
    QLineEdit *m_url;
    QLabel *m_urlMessage;
    QLineEdit *m_name;
    QLabel *m_nameMessage;
    QLineEdit *m_path;
    QLabel *m_pathMessage;
    QComboBox *m_mode;
    QComboBox *m_policy;
    QLineEdit *m_branch;
    QDialogButtonBox *m_buttons;
    bool m_nameTouched = false;
    bool m_pathTouched = false;
    bool m_fieldsOk = false;
    bool m_acceptable = false;

    QTimer m_checkDelay;
    QFuture<DestinationVerdict> m_check;
    int m_generation = 0; // bumped on every edit
    DestinationVerdict m_verdict;
};

} // namespace repodeck::ui
