#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

class QProcess;

namespace repodeck::test {

// A real OpenSSH server (sshd) on 127.0.0.1 for integration tests, with its
// own host key and one authorised client key, plus a client configuration
// (GIT_SSH_COMMAND) that trusts that host key or, on request, does not.
class SshServer
{
public:
    SshServer();
    ~SshServer();
    SshServer(const SshServer &) = delete;
    SshServer &operator=(const SshServer &) = delete;

    // False (with the reason in error()) when sshd cannot run here.
    bool start();
    void stop();
    QString error() const { return m_error; }
    quint16 port() const { return m_port; }
    QString user() const;

    // ssh://user@127.0.0.1:PORT/<absolute path>
    QString url(const QString &absolutePath, quint16 port = 0) const;

    // A GIT_SSH_COMMAND that authenticates with the authorised key and
    // checks the host key against a known_hosts file that contains it
    // (`trustHost`) or is empty. `wrongKey` uses a key sshd does not accept.
    QString sshCommand(bool trustHost = true, bool wrongKey = false) const;
    QString knownHostsPath() const { return m_dir.filePath(QStringLiteral("known_hosts")); }
    QString hostPublicKey() const;

private:
    bool keygen(const QString &path);

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace repodeck::test
