#include "SshServer.h"

#include "GitDaemonServer.h"

#include <QDir>
#include <QFile>
#include <QProcess>

#include <unistd.h>

namespace repodeck::test {

namespace {

bool writeFile(const QString &path, const QByteArray &data, QFile::Permissions perms = {})
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(data);
    f.close();
    if (perms)
        f.setPermissions(perms);
    return true;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

} // namespace

SshServer::SshServer() = default;

SshServer::~SshServer()
{
    stop();
}

QString SshServer::user() const
{
    return qEnvironmentVariable("USER", QStringLiteral("root")).isEmpty()
               ? QStringLiteral("root")
               : qEnvironmentVariable("USER", QStringLiteral("root"));
}

bool SshServer::keygen(const QString &path)
{
    QProcess p;
    p.start(QStringLiteral("ssh-keygen"), {"-q", "-t", "ed25519", "-N", "", "-f", path});
    return p.waitForFinished(20'000) && p.exitCode() == 0;
}

bool SshServer::start()
{
    const QString sshd = QStringLiteral("/usr/sbin/sshd");
    if (!QFile::exists(sshd)) {
        m_error = QStringLiteral("sshd is not installed (package openssh-server)");
        return false;
    }
    if (!m_dir.isValid() || !keygen(m_dir.filePath("host_key"))
        || !keygen(m_dir.filePath("client_key")) || !keygen(m_dir.filePath("wrong_key"))) {
        m_error = QStringLiteral("ssh-keygen failed");
        return false;
    }
    // sshd insists on its privilege separation directory.
    QDir().mkpath(QStringLiteral("/run/sshd"));
    writeFile(m_dir.filePath("authorized_keys"), readFile(m_dir.filePath("client_key.pub")),
              QFile::ReadOwner | QFile::WriteOwner);
    m_port = pickFreeLocalPort();
    const QByteArray config =
        "Port " + QByteArray::number(m_port) + "\n"
        "ListenAddress 127.0.0.1\n"
        "HostKey " + m_dir.filePath("host_key").toUtf8() + "\n"
        "AuthorizedKeysFile " + m_dir.filePath("authorized_keys").toUtf8() + "\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\n"
        "PermitRootLogin prohibit-password\n"
        "StrictModes no\n"
        "UsePAM no\n"
        "PidFile none\n"
        "LogLevel ERROR\n";
    writeFile(m_dir.filePath("sshd_config"), config);
    writeFile(m_dir.filePath("known_hosts"), "[127.0.0.1]:" + QByteArray::number(m_port) + " "
                                                 + readFile(m_dir.filePath("host_key.pub")));
    writeFile(m_dir.filePath("empty_known_hosts"), QByteArray());

    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(sshd, {"-D", "-e", "-f", m_dir.filePath("sshd_config")});
    if (!m_process->waitForStarted(5000) || !waitForTcpListener(m_port, 10'000)) {
        m_error = QStringLiteral("sshd did not start listening on port %1").arg(m_port);
        stop();
        return false;
    }
    return true;
}

void SshServer::stop()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(3000)) {
            m_process->kill();
            m_process->waitForFinished(3000);
        }
    }
    m_process.reset();
}

QString SshServer::url(const QString &absolutePath, quint16 port) const
{
    return QStringLiteral("ssh://%1@127.0.0.1:%2%3")
        .arg(user())
        .arg(port ? port : m_port)
        .arg(absolutePath);
}

QString SshServer::sshCommand(bool trustHost, bool wrongKey) const
{
    return QStringLiteral(
               "ssh -F /dev/null -o IdentitiesOnly=yes -o IdentityAgent=none -i %1 "
               "-o UserKnownHostsFile=%2 -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes")
        .arg(m_dir.filePath(wrongKey ? "wrong_key" : "client_key"),
             m_dir.filePath(trustHost ? "known_hosts" : "empty_known_hosts"));
}

QString SshServer::hostPublicKey() const
{
    return QString::fromUtf8(readFile(m_dir.filePath("host_key.pub"))).trimmed();
}

} // namespace repodeck::test
