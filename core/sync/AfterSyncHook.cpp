#include "sync/AfterSyncHook.h"

#include "git/GitHandles.h"

#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <climits>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace repodeck::core {

namespace {

#ifdef Q_OS_WIN
class CmdShell : public ShellLauncher
{
public:
    void prepare(QProcess &process, const QString &command) const override
    {
        process.setProgram(qEnvironmentVariable("ComSpec", QStringLiteral("cmd.exe")));
        // cmd.exe parses its own command line: /s /c "..." runs the text as written.
        process.setNativeArguments(QStringLiteral("/d /s /c \"%1\"").arg(command));
    }
    void terminate(QProcess &process) const override { process.kill(); }
};
#else
class PosixShell : public ShellLauncher
{
public:
    void prepare(QProcess &process, const QString &command) const override
    {
        process.setProgram(QStringLiteral("/bin/sh"));
        process.setArguments({QStringLiteral("-c"), command});
        // Its own process group, so a timeout stops what the command started too.
        process.setChildProcessModifier([] { ::setpgid(0, 0); });
    }
    void terminate(QProcess &process) const override
    {
        const qint64 pid = process.processId();
        if (pid > 0)
            ::kill(static_cast<pid_t>(-pid), SIGKILL);
        process.kill();
    }
};
#endif

// The last lines of what the command printed, at most `cap` bytes of text.
QString tail(const QByteArray &bytes, bool trimmedBefore)
{
    QString text = QString::fromUtf8(bytes);
    bool trimmed = trimmedBefore;
    QStringList lines = text.split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    if (lines.size() > AfterSyncHooks::kOutputLines) {
        lines = lines.mid(lines.size() - AfterSyncHooks::kOutputLines);
        trimmed = true;
    }
    text = lines.join(QLatin1Char('\n'));
    if (text.size() > AfterSyncHooks::kOutputCap) {
        text = text.right(AfterSyncHooks::kOutputCap);
        trimmed = true;
    }
    return trimmed ? QStringLiteral("...\n") + text : text;
}

} // namespace

std::unique_ptr<ShellLauncher> platformShell()
{
#ifdef Q_OS_WIN
    return std::make_unique<CmdShell>();
#else
    return std::make_unique<PosixShell>();
#endif
}

QProcessEnvironment hookEnvironment(const HookRequest &r)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // The command's git works on the repository's folder, not on one the caller pointed at.
    for (const char *var : {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"})
        env.remove(QLatin1String(var));
    env.insert(QStringLiteral("REPODECK_REPO"), r.name);
    env.insert(QStringLiteral("REPODECK_PATH"), r.path);
    env.insert(QStringLiteral("REPODECK_URL"), r.url);
    env.insert(QStringLiteral("REPODECK_OUTCOME"), r.outcome);
    env.insert(QStringLiteral("REPODECK_REASON"), r.reason);
    env.insert(QStringLiteral("REPODECK_CATEGORY"), r.category);
    env.insert(QStringLiteral("REPODECK_MESSAGE"), r.message);
    env.insert(QStringLiteral("REPODECK_TRIGGER"), r.trigger);
    env.insert(QStringLiteral("REPODECK_OLD_HEAD"), r.oldHead);
    env.insert(QStringLiteral("REPODECK_NEW_HEAD"), r.newHead);
    env.insert(QStringLiteral("REPODECK_BRANCH"), r.branch);
    env.insert(QStringLiteral("REPODECK_ATTEMPTS"), QString::number(r.attempts));
    env.insert(QStringLiteral("REPODECK_CHANGED"),
               r.oldHead != r.newHead ? QStringLiteral("1") : QStringLiteral("0"));
    return env;
}

void readHead(const QString &path, QString *commit, QString *branch)
{
    commit->clear();
    branch->clear();
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, path.toUtf8().constData(), GIT_REPOSITORY_OPEN_NO_SEARCH,
                                nullptr)
        != 0)
        return;
    git::Repository repo(raw);
    git_reference *rawRef = nullptr;
    if (git_repository_head(&rawRef, repo.get()) != 0)
        return; // unborn or broken HEAD: nothing to report
    git::Reference ref(rawRef);
    if (const git_oid *oid = git_reference_target(ref.get())) {
        char hex[GIT_OID_HEXSZ + 1] = {};
        git_oid_tostr(hex, sizeof hex, oid);
        *commit = QString::fromLatin1(hex);
    }
    if (git_reference_is_branch(ref.get()))
        *branch = QString::fromUtf8(git_reference_shorthand(ref.get()));
}

struct AfterSyncHooks::Run
{
    QString name;
    std::unique_ptr<QProcess> process;
    QTimer timer;
    QElapsedTimer clock;
    QByteArray output;
    bool outputTrimmed = false;
    bool timedOut = false;
    bool killed = false;
    bool ended = false;
};

AfterSyncHooks::AfterSyncHooks(QObject *parent)
    : QObject(parent)
    , m_launcher(platformShell())
{
    qRegisterMetaType<HookResult>();
}

AfterSyncHooks::~AfterSyncHooks()
{
    cancelAll();
}

void AfterSyncHooks::start(const HookRequest &request)
{
    cancel(request.name);
    auto run = std::make_shared<Run>();
    run->name = request.name;
    run->process = std::make_unique<QProcess>();
    QProcess *p = run->process.get();
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setStandardInputFile(QProcess::nullDevice());
    p->setWorkingDirectory(request.path);
    p->setProcessEnvironment(hookEnvironment(request));
    m_launcher->prepare(*p, request.command);
    m_running.insert(request.name, run);

    Run *r = run.get();
    connect(p, &QProcess::readyRead, this, [r] {
        r->output += r->process->readAll();
        // Keep only the end while it runs: a chatty command does not fill memory.
        constexpr int keep = 4 * AfterSyncHooks::kOutputCap;
        if (r->output.size() > 2 * keep) {
            r->output = r->output.right(keep);
            r->outputTrimmed = true;
        }
    });
    connect(p, &QProcess::finished, this, [this, r](int code, QProcess::ExitStatus status) {
        r->output += r->process->readAll();
        HookResult result;
        result.exitCode = status == QProcess::NormalExit ? code : -1;
        result.timedOut = r->timedOut;
        result.killed = r->killed;
        result.durationMs = r->clock.elapsed();
        result.output = tail(r->output, r->outputTrimmed);
        if (r->timedOut)
            result.error = tr("the after_sync command was stopped after %1 ms (after_sync_timeout)")
                               .arg(result.durationMs);
        else if (r->killed)
            result.error = tr(
                "the after_sync command was stopped (sync cancelled or RepoDeck quitting)");
        else if (status != QProcess::NormalExit)
            result.error = tr("the after_sync command crashed");
        else if (code != 0)
            result.error = tr("the after_sync command exited with code %1").arg(code);
        end(r->name, result);
    });
    connect(p, &QProcess::errorOccurred, this, [this, r](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        HookResult result;
        result.startFailed = true;
        result.error = tr("the after_sync command could not be started: %1 (is the folder there?)")
                           .arg(r->process->errorString());
        end(r->name, result);
    });
    run->timer.setSingleShot(true);
    run->timer.setTimerType(Qt::PreciseTimer);
    connect(&run->timer, &QTimer::timeout, this, [this, r] {
        r->timedOut = true;
        m_launcher->terminate(*r->process);
    });
    run->timer.start(static_cast<int>(std::clamp<qint64>(request.timeout.count(), 1, INT_MAX)));
    run->clock.start();
    p->start();
}

void AfterSyncHooks::end(const QString &name, const HookResult &result)
{
    const auto it = m_running.find(name);
    if (it == m_running.end() || it.value()->ended)
        return;
    std::shared_ptr<Run> run = it.value();
    run->ended = true;
    run->timer.stop();
    m_running.erase(it);
    run->process->disconnect(this);
    // Deleted later: this may run inside one of the process's own signals.
    QProcess *p = run->process.release();
    p->deleteLater();
    emit hookFinished(name, result);
}

void AfterSyncHooks::cancel(const QString &name)
{
    const auto it = m_running.find(name);
    if (it == m_running.end())
        return;
    std::shared_ptr<Run> run = it.value();
    run->killed = true;
    m_launcher->terminate(*run->process);
    // Bounded: SIGKILL (TerminateProcess) leaves the process no say.
    if (!run->process->waitForFinished(5000) || !run->ended) {
        HookResult result;
        result.killed = true;
        result.error = tr(
            "the after_sync command was stopped (sync cancelled or RepoDeck quitting)");
        end(name, result);
    }
}

void AfterSyncHooks::cancelAll()
{
    const QStringList names = m_running.keys();
    for (const QString &name : names)
        cancel(name);
}

} // namespace repodeck::core
