#include "net/ssh/HostKeyTrust.h"

#include "util/RemoteUrl.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

namespace repodeck::core {

namespace {

struct Ran
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Ran runProgram(const QString &program, const QStringList &args, int timeoutMs)
{
    Ran r;
    QProcess p;
    p.setProgram(program);
    p.setArguments(args);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start();
    if (!p.waitForStarted(timeoutMs)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = QByteArrayLiteral("timed out");
        return r;
    }
    r.finished = p.exitStatus() == QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString expandHome(QString path)
{
    if (path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    return path;
}

QString tool(const QString &name)
{
    const QString found = QStandardPaths::findExecutable(name);
    return found.isEmpty() ? name : found;
}

} // namespace

QString HostKeyScan::lookupName() const
{
    return port == 22 ? host : QStringLiteral("[%1]:%2").arg(host).arg(port);
}

QString sshFingerprint(const QByteArray &base64Blob)
{
    const QByteArray digest = QCryptographicHash::hash(QByteArray::fromBase64(base64Blob),
                                                       QCryptographicHash::Sha256);
    return QStringLiteral("SHA256:")
           + QString::fromLatin1(
               digest.toBase64(QByteArray::Base64Encoding | QByteArray::OmitTrailingEquals));
}

HostKeyScan scanHostKeys(const QString &remoteUrl, int timeoutMs)
{
    HostKeyScan scan;
    const SshTarget target = parseSshUrl(remoteUrl);
    if (!target.valid) {
        scan.error = QStringLiteral("%1 is not an SSH URL").arg(remoteUrl);
        return scan;
    }
    // What ssh itself would use, ~/.ssh/config and GIT_SSH_COMMAND included.
    const QString destination = target.user.isEmpty()
                                    ? target.host
                                    : target.user + QLatin1Char('@') + target.host;
    QStringList args{QStringLiteral("-G")};
    if (target.port > 0)
        args << QStringLiteral("-p") << QString::number(target.port);
    args << QStringLiteral("--") << destination;
    const QString gitSsh = qEnvironmentVariable("GIT_SSH_COMMAND");
    const Ran config = gitSsh.isEmpty()
                           ? runProgram(tool(QStringLiteral("ssh")), args, timeoutMs)
                           // As git does, the variable is a shell command line; "$@" carries ours unquoted.
                           : runProgram(QStringLiteral("/bin/sh"),
                                        QStringList{QStringLiteral("-c"),
                                                    gitSsh + QStringLiteral(" \"$@\""),
                                                    QStringLiteral("sh")}
                                            + args,
                                        timeoutMs);
    if (!config.finished || config.exitCode != 0) {
        scan.error = QStringLiteral("ssh -G failed: %1")
                         .arg(QString::fromUtf8(config.err).trimmed());
        return scan;
    }
    scan.host = target.host;
    scan.port = target.port > 0 ? target.port : 22;
    for (const QByteArray &raw : config.out.split('\n')) {
        const QString l = QString::fromUtf8(raw).trimmed();
        const QString key = l.section(QLatin1Char(' '), 0, 0).toLower();
        const QString value = l.section(QLatin1Char(' '), 1);
        // A HostKeyAlias, which ssh -G prints after hostname, is what
        // known_hosts is searched for.
        if (key == QLatin1String("hostname") || key == QLatin1String("hostkeyalias"))
            scan.host = value;
        else if (key == QLatin1String("port"))
            scan.port = value.toInt();
        else if (key == QLatin1String("userknownhostsfile"))
            scan.knownHostsFile = expandHome(value.section(QLatin1Char(' '), 0, 0));
    }
    if (scan.knownHostsFile.isEmpty())
        scan.knownHostsFile = QDir::homePath() + QStringLiteral("/.ssh/known_hosts");

    const Ran keys = runProgram(
        tool(QStringLiteral("ssh-keyscan")),
        {QStringLiteral("-T"), QString::number(std::max(1, timeoutMs / 2000)), QStringLiteral("-p"),
         QString::number(scan.port), QStringLiteral("--"), target.host},
        timeoutMs);
    for (const QByteArray &raw : keys.out.split('\n')) {
        const QList<QByteArray> parts = raw.trimmed().split(' ');
        if (parts.size() < 3 || raw.startsWith('#'))
            continue;
        ScannedHostKey k;
        k.type = QString::fromLatin1(parts.at(1));
        k.fingerprint = sshFingerprint(parts.at(2));
        k.line = scan.lookupName().toUtf8() + ' ' + parts.at(1) + ' ' + parts.at(2);
        scan.keys << k;
    }
    if (scan.keys.isEmpty()) {
        scan.error = QStringLiteral("%1 offered no host key (%2)")
                         .arg(scan.lookupName(),
                              QString::fromUtf8(keys.err).trimmed().section(QLatin1Char('\n'), -1));
        return scan;
    }
    if (QFileInfo::exists(scan.knownHostsFile)) {
        const Ran found = runProgram(tool(QStringLiteral("ssh-keygen")),
                                     {QStringLiteral("-F"), scan.lookupName(), QStringLiteral("-f"),
                                      scan.knownHostsFile},
                                     timeoutMs);
        scan.hasOtherKey = found.finished && found.exitCode == 0 && !found.out.trimmed().isEmpty();
    }
    return scan;
}

QString trustHostKeys(const HostKeyScan &scan)
{
    if (scan.keys.isEmpty())
        return QStringLiteral("there is no key to trust");
    if (scan.hasOtherKey) {
        const Ran removed = runProgram(tool(QStringLiteral("ssh-keygen")),
                                       {QStringLiteral("-R"), scan.lookupName(),
                                        QStringLiteral("-f"), scan.knownHostsFile},
                                       20'000);
        if (!removed.finished || removed.exitCode != 0)
            return QStringLiteral("could not remove the old key of %1 from %2: %3")
                .arg(scan.lookupName(), scan.knownHostsFile,
                     QString::fromUtf8(removed.err).trimmed());
    }
    QDir().mkpath(QFileInfo(scan.knownHostsFile).absolutePath());
    QFile file(scan.knownHostsFile);
    const bool existed = file.exists();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append))
        return QStringLiteral("cannot write %1: %2").arg(scan.knownHostsFile, file.errorString());
    if (!existed)
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QByteArray text;
    if (existed && file.size() > 0) {
        // Never glue the first new line onto an old one without a newline.
        QFile check(scan.knownHostsFile);
        if (check.open(QIODevice::ReadOnly) && check.seek(check.size() - 1)
            && check.read(1) != "\n")
            text += '\n';
    }
    for (const ScannedHostKey &k : scan.keys)
        text += k.line + '\n';
    if (file.write(text) != text.size() || !file.flush())
        return QStringLiteral("cannot write %1: %2").arg(scan.knownHostsFile, file.errorString());
    return {};
}

} // namespace repodeck::core
