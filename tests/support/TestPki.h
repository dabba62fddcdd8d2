#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace repodeck::test {

// Certificates for TLS tests, made at test time with the openssl CLI (no key
// material is committed): a CA, a server certificate it signed, and an
// unrelated self-signed certificate. RSA 2048, valid for two days.
class TestPki
{
public:
    // Writes everything into `dir`. `names`: the servers' subjectAltNames
    // (IP addresses or DNS names). False with `error` set if openssl failed.
    bool create(const QString &dir, const QStringList &names, QString *error);

    static QString opensslPath(); // empty if the CLI is not installed

    // Both HTTP clients trust the CA: Qt through its default TLS
    // configuration (Qt 6.4's OpenSSL backend ignores SSL_CERT_FILE and
    // SSL_CERT_DIR, measured), libgit2 through its certificate location.
    // False if libgit2 refused the location.
    bool trustCaInBothClients() const;

    QByteArray caPem;
    QByteArray serverPem; // signed by the CA
    QByteArray serverKeyPem;
    QByteArray selfSignedPem;
    QByteArray selfSignedKeyPem;
    QString caFile;   // the CA certificate alone
    QString trustDir; // a hashed certificate directory holding only the CA (for SSL_CERT_DIR)

private:
    bool openssl(const QStringList &args, const QString &dir, QString *error,
                 QByteArray *out = nullptr);
};

} // namespace repodeck::test
