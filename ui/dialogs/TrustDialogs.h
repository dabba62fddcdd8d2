#pragma once

#include "net/ssh/HostKeyTrust.h"

#include <QDialog>
#include <QFuture>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace repodeck::ui {

// Asks for a user name and a password or token for one host: the one
// sign-in request for every repository waiting on that host.
class SignInDialog : public QDialog
{
    Q_OBJECT

public:
    SignInDialog(const QString &protocol, const QString &host, const QString &username, int waiting,
                 QWidget *parent = nullptr);
    ~SignInDialog() override;

    QString username() const;
    QString secret() const;
    bool remember() const;

    QLineEdit *userEdit() const { return m_user; }
    QLineEdit *secretEdit() const { return m_secret; }
    QCheckBox *rememberCheck() const { return m_remember; }
    QPushButton *signInButton() const { return m_ok; }

private:
    void updateButton();
    QLineEdit *m_user;
    QLineEdit *m_secret;
    QCheckBox *m_remember;
    QLabel *m_keychainNote;
    QPushButton *m_ok;
    QFuture<bool> m_probe;
};

// Shows the certificate a server presented (subject, issuer, validity,
// SHA-256 fingerprint) and pins it only after the person confirms they
// checked the fingerprint.
class CertificateDialog : public QDialog
{
    Q_OBJECT

public:
    CertificateDialog(const QString &host, const QByteArray &der, const QString &problem,
                      QWidget *parent = nullptr);

    static QString fingerprint(const QByteArray &der); // "AB:CD:..." SHA-256
    QCheckBox *confirmCheck() const { return m_confirm; }
    QPushButton *trustButton() const { return m_trust; }
    QString detailsText() const;

private:
    QLabel *m_details;
    QCheckBox *m_confirm;
    QPushButton *m_trust;
};

// Scans an SSH server's host keys (in the background, with the user's ssh
// configuration), shows their fingerprints, warns loudly when known_hosts
// holds a different key, and writes known_hosts only after confirmation.
class HostKeyDialog : public QDialog
{
    Q_OBJECT

public:
    HostKeyDialog(const QString &remoteUrl, QWidget *parent = nullptr);
    ~HostKeyDialog() override;

    QCheckBox *confirmCheck() const { return m_confirm; }
    QPushButton *trustButton() const { return m_trust; }
    QString detailsText() const;
    bool isScanned() const { return m_scanned; }

    void accept() override; // writes known_hosts; stays open and says why if that fails

private:
    void showScan();
    QLabel *m_details;
    QCheckBox *m_confirm;
    QPushButton *m_trust;
    QFuture<core::HostKeyScan> m_scanning;
    core::HostKeyScan m_scan;
    bool m_scanned = false;
};

} // namespace repodeck::ui
