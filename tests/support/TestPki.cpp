#include "TestPki.h"

#include <git2.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>

namespace repodeck::test {

namespace {

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray subjectAltNames(const QStringList &names)
{
    QStringList parts;
    for (const QString &n : names) {
        const bool ip = !n.isEmpty() && (n.front().isDigit() || n.contains(QLatin1Char(':')));
        parts << (ip ? QStringLiteral("IP:") : QStringLiteral("DNS:")) + n;
    }
    return parts.join(QLatin1Char(',')).toLatin1();
}

} // namespace

QString TestPki::opensslPath()
{
    return QStandardPaths::findExecutable(QStringLiteral("openssl"));
}

bool TestPki::openssl(const QStringList &args, const QString &dir, QString *error, QByteArray *out)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(opensslPath(), args);
    if (!p.waitForFinished(30'000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = QStringLiteral("openssl %1 failed: %2")
                     .arg(args.join(QLatin1Char(' ')),
                          QString::fromLocal8Bit(p.readAllStandardError()));
        return false;
    }
    if (out)
        *out = p.readAllStandardOutput();
    return true;
}

bool TestPki::create(const QString &dir, const QStringList &names, QString *error)
{
    if (opensslPath().isEmpty()) {
        *error = QStringLiteral("the openssl CLI is not installed (./dev.sh installs it)");
        return false;
    }
    QDir().mkpath(dir);
    const QDir d(dir);
    const QByteArray san = subjectAltNames(names);
    const bool files =
        writeFile(d.filePath("ca.cnf"),
                  "[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n"
                  "[dn]\nCN = RepoDeck Test CA\n"
                  "[ext]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
                  "subjectKeyIdentifier = hash\n")
        && writeFile(d.filePath("server.cnf"),
                     "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = " + names.value(0).toLatin1() + "\n")
        && writeFile(d.filePath("server_ext.cnf"),
                     "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n"
                     "extendedKeyUsage = serverAuth\nsubjectAltName = " + san + "\n"
                     "authorityKeyIdentifier = keyid\n")
        && writeFile(d.filePath("self.cnf"),
                     "[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n"
                     "[dn]\nCN = " + names.value(0).toLatin1() + "\n"
                     "[ext]\nbasicConstraints = CA:FALSE\nsubjectAltName = " + san + "\n");
    if (!files) {
        *error = QStringLiteral("cannot write into %1").arg(dir);
        return false;
    }
    const QStringList rsa{QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                          QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2")};
    if (!openssl(QStringList{"req", "-x509", "-config", "ca.cnf", "-keyout", "ca.key", "-out",
                             "ca.pem"}
                     + rsa,
                 dir, error)
        || !openssl(QStringList{"req", "-new", "-config", "server.cnf", "-newkey", "rsa:2048",
                                "-nodes", "-keyout", "server.key", "-out", "server.csr"},
                    dir, error)
        || !openssl({"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", "server_ext.cnf", "-out",
                     "server.pem"},
                    dir, error)
        || !openssl(QStringList{"req", "-x509", "-config", "self.cnf", "-keyout", "self.key",
                                "-out", "self.pem"}
                        + rsa,
                    dir, error))
        return false;

    caPem = readFile(d.filePath("ca.pem"));
    serverPem = readFile(d.filePath("server.pem"));
    serverKeyPem = readFile(d.filePath("server.key"));
    selfSignedPem = readFile(d.filePath("self.pem"));
    selfSignedKeyPem = readFile(d.filePath("self.key"));
    caFile = d.filePath("ca.pem");

    // OpenSSL looks certificates up in a directory by subject hash: <hash>.0
    QByteArray hash;
    if (!openssl({"x509", "-hash", "-noout", "-in", "ca.pem"}, dir, error, &hash))
        return false;
    trustDir = d.filePath("trust");
    QDir().mkpath(trustDir);
    if (!writeFile(QDir(trustDir).filePath(QString::fromLatin1(hash.trimmed()) + ".0"), caPem)) {
        *error = QStringLiteral("cannot write the trust directory");
        return false;
    }
    return !caPem.isEmpty() && !serverPem.isEmpty() && !selfSignedPem.isEmpty();
}

bool TestPki::trustCaInBothClients() const
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificates(QSslCertificate::fromData(caPem, QSsl::Pem));
    QSslConfiguration::setDefaultConfiguration(tls);
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, QFile::encodeName(caFile).constData(),
                            nullptr)
           == 0;
}

} // namespace repodeck::test
