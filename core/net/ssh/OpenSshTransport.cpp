#include "net/ssh/OpenSshTransport.h"

#include <algorithm>

#include "retry/AttemptContext.h"
#include "platform/ChildProcess.h"

#include <QProcess>

#include <chrono>
#include <memory>

#include <git2.h>
#include <git2/sys/transport.h>

namespace repodeck::core {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSliceMs = 50;
const Millis kFallbackConnect{30'000};
const Millis kFallbackStall{120'000};

QString shellQuote(const QString &s)
{
    QString out = s;
    out.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

struct SshStream
{
    git_smart_subtransport_stream parent;
    std::unique_ptr<QProcess> process;
    QString host;
    Clock::time_point lastActivity = Clock::now();
    bool connected = false; // a first byte arrived: past authentication
    QByteArray stderrText;
    // What the server sends before our first write is the ref advertisement:
    // bounded like an HTTP one (found in review: an endless one reached
    // std::bad_alloc). -1 once we have written (the pack is not counted).
    long long advertisementLeft = 128LL * 1024 * 1024 + 64 * 1024;
};

struct SshSubtransport
{
    git_smart_subtransport parent;
    git_transport *owner = nullptr;
    SshStream *current = nullptr; // owned by libgit2 once returned
};

AttemptContext *context()
{
    return AttemptContext::current();
}

int fail(SshStream *s, StreamFault fault, const QString &text, Millis limit = Millis(0))
{
    if (auto *ctx = context())
        ctx->recordFault(fault, limit);
    if (s->process)
        killTree(*s->process);
    git_error_set_str(GIT_ERROR_SSH, text.toUtf8().constData());
    return -1;
}

// The child exited or closed stdout: explain why from its stderr.
int childEnded(SshStream *s)
{
    s->process->waitForFinished(1000);
    s->stderrText += s->process->readAllStandardError();
    const SshFailure f = classifySshStderr(QString::fromUtf8(s->stderrText),
                                           s->process->exitCode());
    // ssh's own ConnectTimeout (set a little above ours) can still win the
    // race on a busy machine: it is the same connect timeout.
    if (f.message.contains(QLatin1String("timed out")))
        if (auto *ctx = context())
            ctx->recordFault(s->connected ? StreamFault::StallTimeout : StreamFault::ConnectTimeout,
                             s->connected ? ctx->stallTimeout() : ctx->connectTimeout());
    git_error_set_str(f.gitClass, f.message.toUtf8().constData());
    return f.gitCode;
}

// `waitStart`: when the read or write that waits began. Once the server
// has spoken, a stall is time spent waiting for it, not time since its last
// byte (libgit2 indexes between reads, which can outlast the stall limit).
int checkLimits(SshStream *s, Clock::time_point waitStart)
{
    auto *ctx = context();
    if (ctx) {
        switch (ctx->checkInterrupted()) {
        case StreamFault::Cancelled:
            return fail(s, StreamFault::Cancelled, QStringLiteral("ssh cancelled"));
        case StreamFault::AttemptTimeout:
            return fail(s, StreamFault::AttemptTimeout, QStringLiteral("ssh: attempt timed out"),
                        ctx->faultLimit());
        default: break;
        }
    }
    const Millis connect = ctx ? ctx->connectTimeout() : kFallbackConnect;
    const Millis stall = ctx ? ctx->stallTimeout() : kFallbackStall;
    // Until the server says something, the connect limit applies (DNS,
    // TCP, key exchange and authentication); afterwards the stall limit.
    const Millis limit = s->connected ? stall : std::max(connect, Millis(1000));
    const Clock::time_point since = s->connected ? std::max(s->lastActivity, waitStart)
                                                 : s->lastActivity;
    if (Clock::now() - since >= limit)
        return fail(s, s->connected ? StreamFault::StallTimeout : StreamFault::ConnectTimeout,
                    s->connected
                        ? QStringLiteral("no data received from %1 over ssh").arg(s->host)
                        : QStringLiteral("timed out connecting to %1 over ssh").arg(s->host),
                    limit);
    return 0;
}

int streamRead(git_smart_subtransport_stream *base, char *buffer, size_t size, size_t *bytesRead)
{
    auto *s = reinterpret_cast<SshStream *>(base);
    *bytesRead = 0;
    const Clock::time_point waitStart = Clock::now();
    while (true) {
        if (s->process->bytesAvailable() > 0) {
            const qint64 n = s->process->read(buffer, static_cast<qint64>(size));
            if (n > 0) {
                if (s->advertisementLeft >= 0 && (s->advertisementLeft -= n) < 0) {
                    git_error_set_str(GIT_ERROR_HTTP,
                                      QStringLiteral(
                                          "the ref advertisement of %1 is larger than "
                                          "128 MiB; RepoDeck refuses it (a broken or "
                                          "hostile server). Check the URL and the server.")
                                          .arg(s->host)
                                          .toUtf8()
                                          .constData());
                    killTree(*s->process);
                    return -1;
                }
                *bytesRead = static_cast<size_t>(n);
                s->lastActivity = Clock::now();
                s->connected = true;
                if (auto *ctx = context())
                    ctx->addBytesReceived(n);
                return 0;
            }
        }
        if (s->process->state() == QProcess::NotRunning) {
            // Everything read and ssh ended well after the server spoke: the
            // end of the stream (a server without side-band sends the pack
            // and hangs up; libgit2 reads it to the end), as git takes it.
            if (s->connected && s->process->exitStatus() == QProcess::NormalExit
                && s->process->exitCode() == 0)
                return 0;
            return childEnded(s);
        }
        if (const int rc = checkLimits(s, waitStart))
            return rc;
        s->process->waitForReadyRead(kSliceMs);
        s->stderrText += s->process->readAllStandardError();
        if (s->stderrText.size() > 64 * 1024)
            s->stderrText = s->stderrText.right(32 * 1024);
    }
}

int streamWrite(git_smart_subtransport_stream *base, const char *buffer, size_t len)
{
    auto *s = reinterpret_cast<SshStream *>(base);
    s->advertisementLeft = -1;
    if (s->process->state() == QProcess::NotRunning)
        return childEnded(s);
    if (s->process->write(buffer, static_cast<qint64>(len)) != static_cast<qint64>(len))
        return fail(s, StreamFault::Reset, QStringLiteral("cannot write to ssh"));
    const Clock::time_point waitStart = Clock::now();
    while (s->process->bytesToWrite() > 0) {
        if (const int rc = checkLimits(s, waitStart))
            return rc;
        const qint64 before = s->process->bytesToWrite();
        s->process->waitForBytesWritten(kSliceMs);
        if (s->process->bytesToWrite() < before)
            s->lastActivity = Clock::now();
        if (s->process->state() == QProcess::NotRunning)
            return childEnded(s);
    }
    return 0;
}

void streamFree(git_smart_subtransport_stream *base)
{
    auto *s = reinterpret_cast<SshStream *>(base);
    if (s->process) {
        if (s->process->state() != QProcess::NotRunning) {
            s->process->closeWriteChannel();
            s->process->waitForFinished(200);
        }
        // Whatever ssh or the GIT_SSH_COMMAND shell started ends with it.
        killTree(*s->process);
    }
    delete s;
}

int action(git_smart_subtransport_stream **out, git_smart_subtransport *base, const char *url,
           git_smart_service_t service)
{
    auto *t = reinterpret_cast<SshSubtransport *>(base);
    const bool upload = service == GIT_SERVICE_UPLOADPACK_LS || service == GIT_SERVICE_UPLOADPACK;
    // Stateful protocol: the pack request goes over the connection that listed the refs.
    if ((service == GIT_SERVICE_UPLOADPACK || service == GIT_SERVICE_RECEIVEPACK) && t->current) {
        *out = &t->current->parent;
        return 0;
    }
    const SshTarget target = parseSshUrl(QString::fromUtf8(url));
    if (!target.valid) {
        git_error_set_str(GIT_ERROR_NET,
                          "refused ssh URL: no host or path, a user or host starting with '-' "
                          "(ssh would read it as an option), or a control character");
        return -1;
    }
    auto *ctx = context();
    const int connectSec = static_cast<int>(
        std::max<qint64>(1, ((ctx ? ctx->connectTimeout() : kFallbackConnect).count() + 999) / 1000)
        + 1);
    const QStringList cmd = sshCommandLine(target,
                                           upload ? QStringLiteral("git-upload-pack")
                                                  : QStringLiteral("git-receive-pack"),
                                           connectSec, qEnvironmentVariable("GIT_SSH_COMMAND"));
    auto *s = new SshStream;
    std::memset(&s->parent, 0, sizeof s->parent);
    s->parent.read = streamRead;
    s->parent.write = streamWrite;
    s->parent.free = streamFree;
    s->host = target.host;
    s->process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // Never let ssh ask anything: no terminal prompts, no GUI askpass.
    env.insert(QStringLiteral("SSH_ASKPASS_REQUIRE"), QStringLiteral("never"));
    env.remove(QStringLiteral("SSH_ASKPASS"));
    env.remove(QStringLiteral("DISPLAY"));
    s->process->setProcessEnvironment(env);
    s->process->setProgram(cmd.first());
    s->process->setArguments(cmd.mid(1));
    startsOwnGroup(*s->process);
    s->process->start(QIODevice::ReadWrite | QIODevice::Unbuffered);
    if (!s->process->waitForStarted(5000)) {
        git_error_set_str(GIT_ERROR_SSH, QStringLiteral("cannot run %1: %2 (is OpenSSH installed?)")
                                             .arg(cmd.first(), s->process->errorString())
                                             .toUtf8()
                                             .constData());
        delete s;
        return -1;
    }
    s->lastActivity = Clock::now();
    t->current = s;
    *out = &s->parent;
    return 0;
}

int closeTransport(git_smart_subtransport *base)
{
    reinterpret_cast<SshSubtransport *>(base)->current = nullptr;
    return 0;
}

void freeTransport(git_smart_subtransport *base)
{
    delete reinterpret_cast<SshSubtransport *>(base);
}

int createSubtransport(git_smart_subtransport **out, git_transport *owner, void *)
{
    auto *t = new SshSubtransport;
    std::memset(&t->parent, 0, sizeof t->parent);
    t->parent.action = action;
    t->parent.close = closeTransport;
    t->parent.free = freeTransport;
    t->owner = owner;
    *out = &t->parent;
    return 0;
}

git_smart_subtransport_definition kDefinition = {createSubtransport, 0, nullptr};

} // namespace

QStringList sshCommandLine(const SshTarget &target, const QString &service, int connectTimeoutSec,
                           const QString &gitSshCommand)
{
    const QString destination = target.user.isEmpty()
                                    ? target.host
                                    : target.user + QLatin1Char('@') + target.host;
    const QString remoteCommand = service + QLatin1Char(' ') + shellQuote(target.path);
    QStringList options{QStringLiteral("-o"), QStringLiteral("BatchMode=yes"), QStringLiteral("-o"),
                        QStringLiteral("ConnectTimeout=%1").arg(connectTimeoutSec)};
    if (target.port > 0)
        options << QStringLiteral("-p") << QString::number(target.port);
    if (!gitSshCommand.isEmpty()) {
        // As git does: the variable is a shell command line; arguments follow it.
        const QString line = gitSshCommand + QLatin1Char(' ') + options.join(QLatin1Char(' '))
                             + QLatin1Char(' ') + shellQuote(destination) + QLatin1Char(' ')
                             + shellQuote(remoteCommand);
        return {QStringLiteral("/bin/sh"), QStringLiteral("-c"), line};
    }
    return QStringList{QStringLiteral("ssh")} + options
           + QStringList{QStringLiteral("--"), destination, remoteCommand};
}

SshFailure classifySshStderr(const QString &text, int exitCode)
{
    SshFailure f;
    const QString t = text.trimmed();
    const QString last = t.section(QLatin1Char('\n'), -1).trimmed();
    auto has = [&](const char *needle) {
        return t.contains(QLatin1String(needle), Qt::CaseInsensitive);
    };
    if (has("Host key verification failed") || has("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || has("No matching host key") || has("host key for")) {
        f.gitClass = GIT_ERROR_SSH;
        f.gitCode = GIT_ECERTIFICATE;
        f.message = QStringLiteral("ssh host key unknown or changed: %1").arg(last);
    } else if (has("Permission denied") || has("Too many authentication failures")) {
        f.gitClass = GIT_ERROR_SSH;
        f.gitCode = GIT_EAUTH;
        f.message = QStringLiteral("ssh authentication failed: %1").arg(last);
    } else if (has("Could not resolve hostname")) {
        f.gitClass = GIT_ERROR_NET;
        f.message = QStringLiteral("failed to resolve address: %1").arg(last);
    } else if (has("Connection refused") || has("Connection reset") || has("Connection closed")
               || has("Broken pipe") || has("No route to host") || has("Network is unreachable")
               || has("kex_exchange_identification")) {
        f.gitClass = GIT_ERROR_NET;
        f.gitCode = GIT_EEOF;
        f.message = QStringLiteral("ssh connection failed: %1").arg(last);
    } else if (has("timed out")) {
        f.gitClass = GIT_ERROR_NET;
        f.message = QStringLiteral("ssh connection timed out: %1").arg(last);
    } else if (has("does not appear to be a git repository") || has("not a git repository")
               || has("No such file or directory")) {
        f.gitClass = GIT_ERROR_NET;
        f.message = QStringLiteral("repository not found: %1").arg(last);
    } else if (!t.isEmpty()) {
        f.gitClass = GIT_ERROR_SSH;
        f.message = QStringLiteral("ssh failed (exit %1): %2").arg(exitCode).arg(last);
    } else {
        f.gitClass = GIT_ERROR_NET;
        f.gitCode = GIT_EEOF;
        f.message = QStringLiteral("ssh closed the connection (exit %1)").arg(exitCode);
    }
    return f;
}

bool installOpenSshTransport()
{
    bool ok = true;
    for (const char *scheme : {"ssh", "ssh+git", "git+ssh"})
        ok = git_transport_register(scheme, git_transport_smart, &kDefinition) == 0 && ok;
    return ok;
}

} // namespace repodeck::core
