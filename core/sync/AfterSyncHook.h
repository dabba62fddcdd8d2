#pragma once

#include "util/Duration.h"

#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QProcess>
#include <QString>

#include <memory>

namespace repodeck::core {

// What the after_sync command is told about the sync that ended. Every value
// reaches the command as an environment variable (REPODECK_*), never as part
// of its command line: ref names and messages come from the server.
struct HookRequest
{
    QString command; // from the user's own workspace file
    QString name;
    QString path;     // working directory
    QString url;      // without credentials
    QString outcome;  // cloned, updated, up_to_date, fetched_only, failed
    QString reason;   // fetched_only: dirty, diverged, ...
    QString category; // failed: network, auth, ...
    QString message;
    QString trigger; // scheduled, retry, manual
    QString oldHead; // commit id before the sync; empty if none
    QString newHead;
    QString branch; // the branch checked out after the sync; empty if detached or none
    int attempts = 0;
    Millis timeout{5 * 60'000};
};

struct HookResult
{
    int exitCode = -1;
    bool timedOut = false; // killed after the timeout
    bool killed = false;   // killed on cancel or shutdown
    bool startFailed = false;
    QString error;  // why it failed, for people
    QString output; // its last lines (stdout and stderr), capped
    qint64 durationMs = 0;
    bool ok() const { return exitCode == 0 && !timedOut && !killed && !startFailed; }
};

// Starts a command through the platform's shell and stops it with all its
// children: /bin/sh -c in its own process group on POSIX, cmd.exe /c on
// Windows. One implementation per platform (platformShell()).
class ShellLauncher
{
public:
    virtual ~ShellLauncher() = default;
    virtual void prepare(QProcess &process, const QString &command) const = 0;
    virtual void terminate(QProcess &process) const = 0;
};

std::unique_ptr<ShellLauncher> platformShell();

// The environment the command sees: the caller's, plus the REPODECK_* values.
QProcessEnvironment hookEnvironment(const HookRequest &request);

// The commit HEAD points at and the branch it is on, read with libgit2;
// empty when there is no repository or HEAD is unborn.
void readHead(const QString &path, QString *commit, QString *branch);

// Runs after_sync commands (one per repository at a time) on the thread that
// owns it, without blocking: each is bounded by its timeout, killed on
// cancel; what it printed is kept to the last lines (at most kOutputCap bytes).
class AfterSyncHooks : public QObject
{
    Q_OBJECT

public:
    static constexpr int kOutputCap = 4096;
    static constexpr int kOutputLines = 20;

    explicit AfterSyncHooks(QObject *parent = nullptr);
    ~AfterSyncHooks() override;

    // A command for `name` still running is killed first.
    void start(const HookRequest &request);
    void cancel(const QString &name);
    void cancelAll();
    bool isRunning(const QString &name) const { return m_running.contains(name); }
    bool isIdle() const { return m_running.isEmpty(); }

signals:
    void hookFinished(const QString &name, const repodeck::core::HookResult &result);

private:
    struct Run;
    void end(const QString &name, const HookResult &result);

    std::unique_ptr<ShellLauncher> m_launcher;
    QHash<QString, std::shared_ptr<Run>> m_running;
};

} // namespace repodeck::core

Q_DECLARE_METATYPE(repodeck::core::HookResult)
