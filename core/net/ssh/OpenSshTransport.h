#pragma once

#include "util/RemoteUrl.h"

#include <QString>
#include <QStringList>

namespace repodeck::core {

// ssh:// and scp-style remotes through the system OpenSSH client, run as a
// child process the way git does: it honours ~/.ssh/config, the agent,
// known_hosts and ProxyJump, runs in batch mode (never prompts), and is killed
// on stall, timeout or cancel like every other attempt (libgit2's own SSH
// transport hands a raw socket to libssh2, which nothing can bound).
// $GIT_SSH_COMMAND is honoured as git does. Call once, from git::initialize().
bool installOpenSshTransport();

// The command line to run (program first) for a target from parseSshUrl
// (util/RemoteUrl.h). `service` is git-upload-pack or
// git-receive-pack; `connectTimeoutSec` goes to ConnectTimeout.
QStringList sshCommandLine(const SshTarget &target, const QString &service, int connectTimeoutSec,
                           const QString &gitSshCommand);

// Turns OpenSSH's stderr into libgit2's error class/code and a message.
struct SshFailure
{
    int gitClass = 0;
    int gitCode = -1;
    QString message;
};
SshFailure classifySshStderr(const QString &stderrText, int exitCode);

} // namespace repodeck::core
