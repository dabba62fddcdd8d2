#pragma once

class QProcess;

namespace repodeck::core {

// Child processes that must not outlive their attempt, with everything they
// start: the program GIT_SSH_COMMAND names runs under /bin/sh, so killing
// the shell alone left it running (found in review: a command ignoring
// SIGTERM outlived the CLI).
//
// POSIX: the child leads its own process group (set before exec), and
// killTree() sends SIGKILL to the whole group. Windows: killTree() ends the
// child itself (TerminateProcess); ssh.exe is started directly there, not
// under a shell.
void startsOwnGroup(QProcess &process);
void killTree(QProcess &process, int waitMs = 1000);

} // namespace repodeck::core
