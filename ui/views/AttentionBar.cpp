#include "views/AttentionBar.h"

#include "dialogs/TrustDialogs.h"
#include "model/StatusText.h"
#include "shell/TrustCenter.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace repodeck::ui {

AttentionBar::AttentionBar(TrustCenter *center, QWidget *parent)
    : QFrame(parent)
    , m_center(center)
{
    setObjectName(QStringLiteral("attentionBar"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, p.color(QPalette::ToolTipBase));
    p.setColor(QPalette::WindowText, p.color(QPalette::ToolTipText));
    setPalette(p);
    m_rows = new QVBoxLayout(this);
    m_rows->setContentsMargins(8, 4, 8, 4);
    connect(m_center, &TrustCenter::requestsChanged, this, &AttentionBar::rebuild);
    rebuild();
}

void AttentionBar::rebuild()
{
    while (QLayoutItem *item = m_rows->takeAt(0)) {
        if (QWidget *w = item->widget())
            w->deleteLater();
        delete item;
    }
    const QList<TrustRequest> requests = m_center->requests();
    for (const TrustRequest &r : requests) {
        const QString waiting = ui::text::count(r.repositories.size(), tr("repository waits"),
                                                tr("repositories wait"));
        QString text;
        QString button;
        switch (r.kind) {
        case TrustRequest::SignIn:
            text = tr("%1 needs you to sign in; %2.").arg(r.host, waiting);
            button = tr("Sign In…");
            break;
        case TrustRequest::HostKey:
            text = tr("The SSH host key of %1 is unknown or changed; %2.").arg(r.host, waiting);
            button = tr("Review Host Key…");
            break;
        case TrustRequest::Certificate:
            text = tr("The TLS certificate of %1 is not trusted; %2.").arg(r.host, waiting);
            button = tr("Review Certificate…");
            break;
        }
        auto *row = new QWidget(this);
        auto *h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        auto *label = new QLabel(text, row);
        label->setToolTip(r.message);
        label->setWordWrap(true);
        auto *act = new QPushButton(button, row);
        act->setObjectName(QStringLiteral("attentionAction"));
        auto *later = new QPushButton(tr("Not Now"), row);
        later->setFlat(true);
        h->addWidget(label, 1);
        h->addWidget(act);
        h->addWidget(later);
        const QString id = r.id();
        connect(act, &QPushButton::clicked, this, [this, id] { open(id); });
        connect(later, &QPushButton::clicked, this, [this, id] { m_center->dismiss(id); });
        m_rows->addWidget(row);
    }
    setVisible(!requests.isEmpty());
}

void AttentionBar::open(const QString &id)
{
    const TrustRequest *r = m_center->request(id);
    if (!r)
        return;
    if (m_dialog)
        m_dialog->close(); // one question at a time
    QWidget *owner = window();
    switch (r->kind) {
    case TrustRequest::SignIn: {
        auto *d = new SignInDialog(r->protocol, r->host, r->username,
                                   static_cast<int>(r->repositories.size()), owner);
        connect(d, &QDialog::accepted, this, [this, d, id] {
            m_center->signIn(id, d->username(), d->secret(), d->remember());
            d->secretEdit()->clear();
        });
        m_dialog = d;
        break;
    }
    case TrustRequest::Certificate: {
        auto *d = new CertificateDialog(r->host, r->certificate, r->message, owner);
        connect(d, &QDialog::accepted, this, [this, id] {
            if (const QString error = m_center->trustCertificate(id); !error.isEmpty())
                QMessageBox::warning(window(), tr("Certificate Not Pinned"), error);
        });
        m_dialog = d;
        break;
    }
    case TrustRequest::HostKey: {
        auto *d = new HostKeyDialog(r->url, owner);
        connect(d, &QDialog::accepted, this, [this, id] { m_center->hostKeyTrusted(id); });
        m_dialog = d;
        break;
    }
    }
    m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog->open();
}

} // namespace repodeck::ui
