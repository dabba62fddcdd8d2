#include "dialogs/TrustDialogs.h"

#include "auth/Keychain.h"
#include "model/StatusText.h"
#include "io/Async.h"

#include <QCheckBox>
#include <QCryptographicHash>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSslCertificate>
#include <QVBoxLayout>

namespace repodeck::ui {

namespace {

QLabel *wrappingLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    // A wrapped label's height comes from its width: give it the dialog's
    // (less the margins), or Qt sizes it for a narrower guess and leaves gaps.
    label->setMinimumWidth(parent->minimumWidth() - 40);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QPushButton *addButtons(QDialog *dialog, QVBoxLayout *layout, const QString &okText)
{
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    QPushButton *ok = buttons->button(QDialogButtonBox::Ok);
    ok->setText(okText);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    layout->addWidget(buttons);
    return ok;
}

} // namespace

// --- sign in ------------------------------------------------------------------

SignInDialog::SignInDialog(const QString &protocol, const QString &host, const QString &username,
                           int waiting, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Sign In to %1").arg(host));
    setObjectName(QStringLiteral("signInDialog"));
    setMinimumWidth(480); // wrapped labels get their height from the width
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(wrappingLabel(
        tr("%1 asked for credentials. %2 will sync again once you sign in.")
            .arg(host, ui::text::count(waiting, tr("repository"), tr("repositories"))),
        this));
    if (protocol == QLatin1String("http")) {
        auto *plain = wrappingLabel(
            tr("This connection is not encrypted (http): the password or token crosses the "
               "network readable by anyone on the way."),
            this);
        plain->setObjectName(QStringLiteral("plainHttpWarning"));
        layout->addWidget(plain);
    }
    auto *form = new QFormLayout;
    m_user = new QLineEdit(username, this);
    m_user->setObjectName(QStringLiteral("userEdit"));
    m_secret = new QLineEdit(this);
    m_secret->setObjectName(QStringLiteral("secretEdit"));
    m_secret->setEchoMode(QLineEdit::Password);
    m_secret->setAccessibleName(tr("Password or token"));
    form->addRow(tr("&User name:"), m_user);
    form->addRow(tr("&Password or token:"), m_secret);
    layout->addLayout(form);
    m_remember = new QCheckBox(tr("&Remember in the system keychain"), this);
    m_remember->setObjectName(QStringLiteral("rememberCheck"));
    m_remember->setEnabled(false);
    layout->addWidget(m_remember);
    m_keychainNote = wrappingLabel(tr("Looking for the system keychain…"), this);
    layout->addWidget(m_keychainNote);
    m_ok = addButtons(this, layout, tr("&Sign In"));
    connect(m_user, &QLineEdit::textChanged, this, &SignInDialog::updateButton);
    connect(m_secret, &QLineEdit::textChanged, this, &SignInDialog::updateButton);
    updateButton();
    (username.isEmpty() ? m_user : m_secret)->setFocus();
    adjustSize();

    // The probe may take a moment (D-Bus); the dialog is usable meanwhile.
    m_probe = runAsync(
        this, [] { return core::Keychain::available(); },
        [this](bool available) {
        m_remember->setEnabled(available);
        m_remember->setChecked(available);
        m_keychainNote->setText(
            available ? tr("Stored under \"%1\" in the system keychain; never in RepoDeck's files.")
                            .arg(core::Keychain::service())
                      : tr("No system keychain is available, so the sign-in lasts until "
                           "RepoDeck quits. %1")
                            .arg(core::Keychain::unavailableAdvice()));
        adjustSize(); // the note's new text may need more lines
        });
}

SignInDialog::~SignInDialog()
{
    m_probe.waitForFinished();
}

void SignInDialog::updateButton()
{
    m_ok->setEnabled(!m_user->text().trimmed().isEmpty() && !m_secret->text().isEmpty());
}

QString SignInDialog::username() const
{
    return m_user->text().trimmed();
}

QString SignInDialog::secret() const
{
    return m_secret->text();
}

bool SignInDialog::remember() const
{
    return m_remember->isEnabled() && m_remember->isChecked();
}

// --- certificate ----------------------------------------------------------------

QString CertificateDialog::fingerprint(const QByteArray &der)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(der, QCryptographicHash::Sha256).toHex(':').toUpper());
}

CertificateDialog::CertificateDialog(const QString &host, const QByteArray &der,
                                     const QString &problem, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Certificate of %1").arg(host));
    setObjectName(QStringLiteral("certificateDialog"));
    setMinimumWidth(600);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(wrappingLabel(
        tr("This computer does not trust the certificate %1 presented.").arg(host), this));
    auto *why = wrappingLabel(problem, this);
    why->setObjectName(QStringLiteral("certificateProblem"));
    layout->addWidget(why);
    layout->addWidget(wrappingLabel(
        tr("Trust it only if you compared its fingerprint with one you got another way (for example from the "
           "server's administrator). RepoDeck then accepts exactly this certificate for %1, nothing else.")
            .arg(host),
        this));
    const QSslCertificate cert(der, QSsl::Der);
    QString details;
    if (!cert.isNull()) {
        details += tr("Issued to:\t%1\n").arg(cert.subjectDisplayName());
        details += tr("Issued by:\t%1\n").arg(cert.issuerDisplayName());
        details += tr("Valid:\t%1 to %2\n")
                       .arg(QLocale().toString(cert.effectiveDate(), QLocale::ShortFormat),
                            QLocale().toString(cert.expiryDate(), QLocale::ShortFormat));
        const QStringList names = cert.subjectAlternativeNames().values(QSsl::DnsEntry);
        if (!names.isEmpty())
            details += tr("Names:\t%1\n").arg(names.join(QStringLiteral(", ")));
    }
    const QString print = fingerprint(der); // 32 bytes: two lines of 16
    details += tr("SHA-256:\t%1\n\t%2").arg(print.left(47), print.mid(48));
    m_details = wrappingLabel(details, this);
    m_details->setObjectName(QStringLiteral("certificateDetails"));
    QFont mono = m_details->font();
    mono.setStyleHint(QFont::Monospace);
    mono.setFamily(QStringLiteral("monospace"));
    m_details->setFont(mono);
    layout->addWidget(m_details);
    m_confirm = new QCheckBox(tr("I &compared the SHA-256 fingerprint and it matches"), this);
    m_confirm->setObjectName(QStringLiteral("confirmCheck"));
    layout->addWidget(m_confirm);
    m_trust = addButtons(this, layout, tr("&Trust This Certificate"));
    m_trust->setEnabled(false);
    m_trust->setAutoDefault(false);
    connect(m_confirm, &QCheckBox::toggled, m_trust, &QPushButton::setEnabled);
    adjustSize();
}

QString CertificateDialog::detailsText() const
{
    return m_details->text();
}

// --- SSH host key -------------------------------------------------------------

HostKeyDialog::HostKeyDialog(const QString &remoteUrl, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("SSH Host Key"));
    setObjectName(QStringLiteral("hostKeyDialog"));
    setMinimumWidth(600);
    auto *layout = new QVBoxLayout(this);
    m_details = wrappingLabel(tr("Asking the server for its host key…"), this);
    m_details->setObjectName(QStringLiteral("hostKeyDetails"));
    layout->addWidget(m_details);
    m_confirm = new QCheckBox(tr("I &compared the fingerprint and it matches"), this);
    m_confirm->setObjectName(QStringLiteral("confirmCheck"));
    m_confirm->setEnabled(false);
    layout->addWidget(m_confirm);
    m_trust = addButtons(this, layout, tr("&Trust and Sync Again"));
    m_trust->setEnabled(false);
    m_trust->setAutoDefault(false);
    connect(m_confirm, &QCheckBox::toggled, m_trust, &QPushButton::setEnabled);
    m_scanning = runAsync(
        this, [remoteUrl] { return core::scanHostKeys(remoteUrl); },
        [this](const core::HostKeyScan &scan) {
        m_scan = scan;
        m_scanned = true;
        showScan();
        });
}

HostKeyDialog::~HostKeyDialog()
{
    m_scanning.waitForFinished();
}

void HostKeyDialog::showScan()
{
    if (!m_scan.error.isEmpty()) {
        m_details->setText(tr("The host key could not be read: %1").arg(m_scan.error));
        return;
    }
    QString text;
    if (m_scan.hasOtherKey)
        text += tr("<p><b>WARNING: the host key of %1 has CHANGED.</b> Someone could be intercepting the "
                   "connection, or the server was reinstalled. Trust the new key only after the server's "
                   "administrator confirmed its fingerprint. The old entry is removed from %2 (a copy stays in "
                   "%2.old).</p>")
                    .arg(m_scan.lookupName().toHtmlEscaped(),
                         m_scan.knownHostsFile.toHtmlEscaped());
    else
        text += tr("<p>%1 is not in %2 yet. Compare its fingerprint with one you got another way before "
                   "trusting it.</p>")
                    .arg(m_scan.lookupName().toHtmlEscaped(),
                         m_scan.knownHostsFile.toHtmlEscaped());
    text += QStringLiteral("<table>");
    for (const core::ScannedHostKey &k : m_scan.keys)
        text += QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td><tt>%2</tt></td></tr>")
                    .arg(k.type.toHtmlEscaped(), k.fingerprint.toHtmlEscaped());
    text += QStringLiteral("</table>");
    m_details->setTextFormat(Qt::RichText);
    m_details->setText(text);
    m_confirm->setEnabled(true);
    adjustSize();
}

QString HostKeyDialog::detailsText() const
{
    return m_details->text();
}

void HostKeyDialog::accept()
{
    if (!m_scanned || !m_scan.error.isEmpty() || !m_confirm->isChecked())
        return;
    if (const QString error = core::trustHostKeys(m_scan); !error.isEmpty()) {
        m_details->setTextFormat(Qt::PlainText);
        m_details->setText(tr("Nothing was trusted: %1").arg(error));
        m_confirm->setChecked(false);
        m_confirm->setEnabled(false);
        return;
    }
    QDialog::accept();
}

} // namespace repodeck::ui
