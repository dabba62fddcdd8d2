#include "dialogs/AboutDialog.h"

#include "shell/VersionInfo.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace repodeck::ui {

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About RepoDeck"));
    const VersionInfo info = VersionInfo::current();
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/app.svg")).pixmap(64, 64));
    top->addWidget(icon, 0, Qt::AlignTop);
    auto *text = new QLabel(this);
    text->setTextFormat(Qt::RichText);
    text->setText(
        tr("<h3>RepoDeck %1</h3><p>Keeps many git repositories in sync over networks that fail.</p>"
           "<p>libgit2 %2<br>HTTPS: %3<br>TLS backend: %4<br>SSH: %5<br>Qt %6</p>")
            .arg(info.app, info.libgit2, info.https ? tr("available") : tr("not available"),
                 info.tlsBackend, info.ssh ? tr("available") : tr("not available"), info.qt));
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text->setAccessibleName(tr("Version information"));
    top->addWidget(text, 1);
    layout->addLayout(top);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this,
            [info] { QGuiApplication::clipboard()->setText(info.text()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

} // namespace repodeck::ui
