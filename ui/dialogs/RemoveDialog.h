#pragma once

#include "workspace/RepoSpec.h"

#include <QDialog>

#include <functional>

class QCheckBox;

namespace repodeck::ui {

// Confirms removing repositories from RepoDeck. Files stay on disk unless the
// user ticks "also delete", which is off by default and asks a second time.
class RemoveDialog : public QDialog
{
    Q_OBJECT

public:
    RemoveDialog(const QList<core::RepoSpec> &specs, QWidget *parent = nullptr);

    bool deleteFiles() const;
    QCheckBox *deleteCheckBox() const { return m_delete; }
    // The second confirmation before files are deleted; returns true to go
    // ahead. Defaults to a warning message box (tests replace it).
    void setConfirmDeletion(std::function<bool(const QStringList &paths)> confirm)
    {
        m_confirm = std::move(confirm);
    }

    void accept() override;

private:
    QList<core::RepoSpec> m_specs;
    QCheckBox *m_delete;
    std::function<bool(const QStringList &)> m_confirm;
};

} // namespace repodeck::ui
