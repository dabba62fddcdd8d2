#include "dialogs/RemoveDialog.h"

#include "model/StatusText.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace repodeck::ui {

RemoveDialog::RemoveDialog(const QList<core::RepoSpec> &specs, QWidget *parent)
    : QDialog(parent)
    , m_specs(specs)
{
    setWindowTitle(tr("Remove Repositories"));
    auto *layout = new QVBoxLayout(this);
    QStringList names;
    for (const core::RepoSpec &s : specs)
        names << s.name;
    const int n = static_cast<int>(specs.size());
    QString list = names.mid(0, 10).join(QStringLiteral(", "));
    if (n > 10)
        list += tr(" and %1 more").arg(n - 10);
    auto *text = new QLabel(tr("Remove %1 from RepoDeck: %2?")
                                .arg(ui::text::count(n, tr("repository"), tr("repositories")),
                                     list),
                            this);
    text->setWordWrap(true);
    layout->addWidget(text);
    auto *keep = new QLabel(tr("Their folders and files stay on disk; only RepoDeck forgets them."),
                            this);
    keep->setWordWrap(true);
    layout->addWidget(keep);

    m_delete = new QCheckBox(tr("Also &delete their folders from disk (cannot be undone)"), this);
    m_delete->setObjectName(QStringLiteral("deleteFilesCheck"));
    m_delete->setChecked(false);
    m_delete->setAccessibleName(tr("Also delete the folders from disk"));
    layout->addWidget(m_delete);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Remove"));
    // Enter should not remove by accident: Cancel is the default.
    buttons->button(QDialogButtonBox::Ok)->setAutoDefault(false);
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    connect(m_delete, &QCheckBox::toggled, this, [buttons](bool on) {
        buttons->button(QDialogButtonBox::Ok)
            ->setText(on ? tr("&Remove and delete…") : tr("&Remove"));
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &RemoveDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    m_confirm = [this](const QStringList &paths) {
        QMessageBox box(QMessageBox::Warning, tr("Delete Files"),
                        tr("Permanently delete %1 and everything in them?")
                            .arg(ui::text::count(paths.size(), tr("folder"), tr("folders"))),
                        QMessageBox::Yes | QMessageBox::No, this);
        box.setInformativeText(paths.mid(0, 15).join(QLatin1Char('\n')));
        box.setDefaultButton(QMessageBox::No);
        box.button(QMessageBox::Yes)->setText(tr("Delete"));
        return box.exec() == QMessageBox::Yes;
    };
}

bool RemoveDialog::deleteFiles() const
{
    return m_delete->isChecked();
}

void RemoveDialog::accept()
{
    if (m_delete->isChecked()) {
        QStringList paths;
        for (const core::RepoSpec &s : std::as_const(m_specs))
            paths << QDir::toNativeSeparators(s.path);
        if (!m_confirm(paths))
            return; // stay open: the user may untick the box and remove only
    }
    QDialog::accept();
}

} // namespace repodeck::ui
