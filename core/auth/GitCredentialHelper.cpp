#include "auth/GitCredentialHelper.h"

#include "auth/CredentialScope.h"

#include <QDir>
#include <QProcess>
#include <QStandardPaths>

namespace repodeck::core {

GitCredentialHelper::GitCredentialHelper(int timeoutMs)
    : m_timeoutMs(timeoutMs)
{
}

QByteArray GitCredentialHelper::describe(const CredentialRequest &request,
                                         const Credential *credential)
{
    const QString user = credential ? credential->username : request.username;
    for (const QString &field : {request.protocol, request.host, request.path, user,
                                 credential ? credential->secret : QString()}) {
        if (!isSafeCredentialField(field))
            return {};
    }
    if (request.protocol.isEmpty() || request.host.isEmpty())
        return {};
    QByteArray in;
    in += "protocol=" + request.protocol.toUtf8() + '\n';
    in += "host=" + request.host.toUtf8() + '\n';
    if (!request.path.isEmpty())
        in += "path=" + request.path.toUtf8() + '\n';
    if (!user.isEmpty())
        in += "username=" + user.toUtf8() + '\n';
    if (credential)
        in += "password=" + credential->secret.toUtf8() + '\n';
    in += '\n';
    return in;
}

bool GitCredentialHelper::run(const QString &verb, const QByteArray &input, QByteArray *output)
{
    if (input.isEmpty())
        return false; // describe() refused a field
    const QString git = QStandardPaths::findExecutable(QStringLiteral("git"));
    if (git.isEmpty())
        return false;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("GIT_TERMINAL_PROMPT"), QStringLiteral("0"));
    env.insert(QStringLiteral("GCM_INTERACTIVE"), QStringLiteral("never"));
    env.remove(QStringLiteral("GIT_ASKPASS"));
    env.remove(QStringLiteral("SSH_ASKPASS"));
    // `git credential` reads the configuration of the repository around its
    // working directory: started where RepoDeck was started, a repository
    // above that folder (a download, a shared folder) could name its own
    // credential.helper and be handed every stored password. Only the
    // user's own (global, XDG, system) configuration may choose helpers.
    for (const char *name :
         {"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
          "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM"})
        env.remove(QLatin1String(name));
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(QDir::rootPath());
    p.setStandardErrorFile(QProcess::nullDevice());
    p.start(git, {QStringLiteral("-c"), QStringLiteral("credential.interactive=never"),
                  QStringLiteral("credential"), verb});
    if (!p.waitForStarted(5000))
        return false;
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(m_timeoutMs)) {
        p.kill();
        p.waitForFinished(1000);
        return false;
    }
    if (output)
        *output = p.readAllStandardOutput();
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

std::optional<Credential> GitCredentialHelper::fill(const CredentialRequest &request)
{
    QByteArray out;
    if (!run(QStringLiteral("fill"), describe(request, nullptr), &out))
        return std::nullopt;
    Credential c;
    c.source = name();
    for (QByteArray line : out.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.startsWith("username="))
            c.username = QString::fromUtf8(line.mid(9));
        else if (line.startsWith("password="))
            c.secret = QString::fromUtf8(line.mid(9));
    }
    // A NUL or CR inside an answer is not a credential we can send or hand back.
    if (c.secret.isEmpty() || !isSafeCredentialField(c.secret)
        || !isSafeCredentialField(c.username))
        return std::nullopt;
    return c;
}

void GitCredentialHelper::approve(const CredentialRequest &request, const Credential &credential)
{
    run(QStringLiteral("approve"), describe(request, &credential), nullptr);
}

void GitCredentialHelper::reject(const CredentialRequest &request, const Credential &credential)
{
    run(QStringLiteral("reject"), describe(request, &credential), nullptr);
}

} // namespace repodeck::core
