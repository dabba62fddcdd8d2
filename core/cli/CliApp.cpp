#include "cli/CliApp.h"

#include "auth/UrlSecret.h"
#include "cli/CliArgs.h"
#include "cli/Console.h"
#include "cli/SyncCommand.h"
#include "git/GitLibrary.h"
#include "net/NetworkSetup.h"
#include "util/RemoteUrl.h"
#include "workspace/RepoImporter.h"
#include "workspace/Workspace.h"
#include "workspace/WorkspaceEditor.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace repodeck::core::cli {

namespace {

const QStringList kValueOptions = {
    QStringLiteral("workspace"),
    QStringLiteral("branch"),
    QStringLiteral("policy"),
    QStringLiteral("jobs"),
    QStringLiteral("max-attempts"),
    QStringLiteral("initial-delay"),
    QStringLiteral("max-delay"),
    QStringLiteral("multiplier"),
    QStringLiteral("jitter"),
    QStringLiteral("connect-timeout"),
    QStringLiteral("stall-timeout"),
    QStringLiteral("attempt-timeout"),
    QStringLiteral("deadline"),
    QStringLiteral("checkpoint"),
    QStringLiteral("host-jobs"),
    QStringLiteral("retry-after-limit"),
    QStringLiteral("interval"),
    QStringLiteral("stale-after"),
    QStringLiteral("shard"),
    QStringLiteral("metrics-file"),
    QStringLiteral("metrics-interval"),
    QStringLiteral("on-metered"),
    QStringLiteral("after-sync"),
    QStringLiteral("after-sync-on"),
    QStringLiteral("after-sync-timeout"),
};
const QStringList kFlagOptions = {
    QStringLiteral("mirror"),        QStringLiteral("json"),
    QStringLiteral("help"),          QStringLiteral("version"),
    QStringLiteral("fail-on-stale"), QStringLiteral("interactive"),
    QStringLiteral("no-after-sync"), QStringLiteral("policy-after-sync"),
};

int usage(const QString &problem)
{
    printErr(
        QStringLiteral("repodeck-cli: %1\nRun `repodeck-cli --help` for usage.\n").arg(problem));
    return UsageError;
}

int workspaceFailure(const QString &text)
{
    printErr(QStringLiteral("repodeck-cli: %1\n").arg(text));
    return UsageError;
}

QString pad(const QString &s, int width)
{
    return s.leftJustified(width, QLatin1Char(' '));
}

int cmdAdd(const QString &wsPath, const CliArgs &a)
{
    if (a.positional.size() != 4)
        return usage(QStringLiteral("add needs NAME URL PATH"));
    RepoSpec spec;
    spec.name = a.positional.at(1);
    const RemoteUrl url = RemoteUrl::parse(a.positional.at(2));
    spec.path = QDir::cleanPath(QDir::current().absoluteFilePath(a.positional.at(3)));
    spec.mode = a.has(QStringLiteral("mirror")) ? RepoMode::Mirror : RepoMode::WorkingCopy;
    spec.branch = a.value(QStringLiteral("branch"));
    if (a.values.contains(QStringLiteral("policy")))
        spec.policy = a.value(QStringLiteral("policy"));
    if (const QString e = validateRepoName(spec.name); !e.isEmpty())
        return usage(e);
    if (!url.isValid())
        return usage(url.error());
    if (const QString e = validateRepoPath(spec.path); !e.isEmpty())
        return usage(e);
    // Checked before anything is stored, so a refused add leaves nothing behind.
    const QFileInfo target(spec.path);
    if (target.exists() && !target.isDir())
        return usage(
            QStringLiteral(
                "%1 is a file; choose a folder that is missing, empty, or already this repository.")
                .arg(spec.path));
    if (target.isDir()
        && !QDir(spec.path).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        const auto found = findRepositories(spec.path, 0);
        if (found.isEmpty())
            return usage(
                QStringLiteral(
                    "%1 is not empty and is not a git repository; choose a missing or empty folder.")
                    .arg(spec.path));
        const FoundRepository &f = found.first();
        if (!f.problem.isEmpty())
            return usage(
                QStringLiteral("%1 is a git repository that %2.").arg(spec.path, f.problem));
        if (RemoteUrl::parse(f.spec.url).redacted() != url.redacted())
            return usage(QStringLiteral("%1 is a clone of %2, not of %3.")
                             .arg(spec.path, f.spec.url, url.redacted()));
    }

    // The secret goes to the keychain only once the workspace accepts the
    // repository, and the workspace is written only once the keychain has it.
    UrlToStore stored;
    const QString err = editWorkspace(wsPath, [&](Workspace &ws) {
        spec.url = url.redacted();
        if (QString e = ws.addRepository(spec); !e.isEmpty())
            return e;
        stored = prepareUrlForStorage(url);
        if (!stored.error.isEmpty())
            return stored.error;
        spec.url = stored.url;
        ws.updateRepository(spec);
        return QString();
    });
    if (!stored.error.isEmpty())
        return workspaceFailure(stored.error);
    if (!err.isEmpty())
        return workspaceFailure(err);
    printOut(QStringLiteral("Added %1 (%2) -> %3\n").arg(spec.name, url.redacted(), spec.path));
    if (!stored.notice.isEmpty())
        printOut(QStringLiteral("Note: %1\n").arg(stored.notice));
    return Ok;
}

int cmdRemove(const QString &wsPath, const CliArgs &a)
{
    if (a.positional.size() != 2)
        return usage(QStringLiteral("remove needs NAME"));
    const QString name = a.positional.at(1);
    QString path;
    const QString err = editWorkspace(wsPath, [&](Workspace &ws) {
        const RepoSpec *r = ws.repository(name);
        if (!r)
            return QStringLiteral("there is no repository named \"%1\" in %2").arg(name, wsPath);
        path = r->path;
        ws.removeRepository(name);
        return QString();
    });
    if (!err.isEmpty())
        return workspaceFailure(err);
    printOut(QStringLiteral("Removed %1 from the workspace; its files in %2 were left in place.\n")
                 .arg(name, path));
    return Ok;
}

int cmdList(const Workspace &ws, const CliArgs &a)
{
    if (a.has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const RepoSpec &r : ws.repositories())
            arr.append(r.toJson());
        printOut(QString::fromUtf8(QJsonDocument(arr).toJson(QJsonDocument::Compact))
                 + QLatin1Char('\n'));
        return Ok;
    }
    if (ws.repositories().isEmpty()) {
        printOut(QStringLiteral(
            "No repositories yet. Add one with `repodeck-cli add NAME URL PATH`.\n"));
        return Ok;
    }
    printOut(pad(QStringLiteral("NAME"), 24) + pad(QStringLiteral("MODE"), 14)
             + pad(QStringLiteral("POLICY"), 12) + pad(QStringLiteral("URL"), 48)
             + QStringLiteral("PATH\n"));
    for (const RepoSpec &r : ws.repositories())
        printOut(pad(r.name, 24) + pad(repoModeName(r.mode), 14) + pad(r.policy, 12)
                 + pad(RemoteUrl::parse(r.url).redacted(), 48) + r.path + QLatin1Char('\n'));
    return Ok;
}

int cmdImport(const QString &wsPath, const CliArgs &a)
{
    if (a.positional.size() != 2)
        return usage(QStringLiteral("import needs DIR"));
    const QString dir = QDir::current().absoluteFilePath(a.positional.at(1));
    if (!QFileInfo(dir).isDir())
        return usage(QStringLiteral("%1 is not a folder").arg(dir));
    const QList<FoundRepository> found = findRepositories(dir);
    int added = 0;
    QStringList lines;
    const QString err = editWorkspace(wsPath, [&](Workspace &ws) {
        for (FoundRepository f : found) {
            if (!f.problem.isEmpty()) {
                lines << QStringLiteral("  skipped %1: %2").arg(f.spec.path, f.problem);
                continue;
            }
            QString base = f.spec.name;
            for (int n = 2; ws.repository(f.spec.name); ++n)
                f.spec.name = QStringLiteral("%1-%2").arg(base).arg(n);
            if (const QString problem = ws.addRepository(f.spec); !problem.isEmpty()) {
                lines << QStringLiteral("  skipped %1: %2").arg(f.spec.path, problem);
                continue;
            }
            ++added;
            lines << QStringLiteral("  added %1 (%2) %3")
                         .arg(f.spec.name, repoModeName(f.spec.mode), f.spec.path);
        }
        return QString();
    });
    if (!err.isEmpty())
        return workspaceFailure(err);
    printOut(QStringLiteral("Found %1 repositories under %2, added %3:\n%4\n")
                 .arg(found.size())
                 .arg(dir)
                 .arg(added)
                 .arg(lines.join(QLatin1Char('\n'))));
    return Ok;
}

int cmdPolicyList(const Workspace &ws, const CliArgs &a)
{
    if (a.has(QStringLiteral("json"))) {
        QJsonObject obj;
        for (const RetryPolicy &p : ws.policies())
            obj.insert(p.name, p.toJson());
        printOut(QString::fromUtf8(QJsonDocument(obj).toJson(QJsonDocument::Compact))
                 + QLatin1Char('\n'));
        return Ok;
    }
    for (const RetryPolicy &p : ws.policies()) {
        printOut(QStringLiteral(
                     "%1: %2 attempts, delay %3 x%4 up to %5, jitter %6, connect %7, stall %8, "
                     "attempt %9, deadline %10, checkpoint %11\n")
                     .arg(p.name)
                     .arg(p.maxAttempts)
                     .arg(formatDuration(p.initialDelay))
                     .arg(p.multiplier)
                     .arg(formatDuration(p.maxDelay), jitterName(p.jitter),
                          formatDuration(p.connectTimeout), formatDuration(p.stallTimeout),
                          formatDuration(p.attemptTimeout), formatDuration(p.deadline),
                          checkpointName(p.checkpoint)));
    }
    return Ok;
}

int cmdPolicySet(const QString &wsPath, const CliArgs &a)
{
    if (a.positional.size() != 3)
        return usage(QStringLiteral("policy set needs NAME"));
    const QString name = a.positional.at(2);
    if (const QString e = validateRepoName(name); !e.isEmpty())
        return usage(e);
    // Options map one to one onto the policy's JSON keys, so the CLI and the
    // workspace file share one parser and one set of checks.
    QString problem;
    auto applyOptions = [&](RetryPolicy &p) {
        QJsonObject json = p.toJson();
        for (auto it = a.values.cbegin(); it != a.values.cend(); ++it) {
            if (it.key() == QLatin1String("workspace"))
                continue;
            const QString key = QString(it.key()).replace(QLatin1Char('-'), QLatin1Char('_'));
            // after_sync* are written only when set: accepted even when absent.
            if (!json.contains(key) && !key.startsWith(QLatin1String("after_sync")))
                continue;
            if (key == QLatin1String("max_attempts") || key == QLatin1String("multiplier")) {
                bool ok = false;
                const double v = it.value().toDouble(&ok);
                if (!ok || (key == QLatin1String("max_attempts") && v != static_cast<int>(v))) {
                    problem = QStringLiteral("--%1 needs a %2")
                                  .arg(it.key(), key == QLatin1String("multiplier")
                                                     ? QStringLiteral("number")
                                                     : QStringLiteral("whole number"));
                    return;
                }
                json.insert(key, v);
            } else {
                json.insert(key,
                            QString(it.value())
                                .replace(QStringLiteral("max-delay"), QStringLiteral("max_delay")));
            }
        }
        p = RetryPolicy::fromJson(p.name, json, &problem);
        for (const char *k : {"max_attempts", "initial_delay", "max_delay", "connect_timeout",
                              "stall_timeout", "attempt_timeout", "retry_after_limit",
                              "stale_after", "on_metered", "after_sync_timeout", "after_sync_on"})
            problem.replace(QLatin1String(k), QStringLiteral("--")
                                                  + QString::fromLatin1(k).replace(
                                                      QLatin1Char('_'), QLatin1Char('-')));
    };
    bool created = false;
    WorkspaceError loadError;
    const QString err = editWorkspace(
        wsPath,
        [&](Workspace &ws) {
        created = !ws.hasPolicy(name);
        RetryPolicy p = ws.policy(name);
        if (created)
            p = RetryPolicy::defaults();
        p.name = name;
        applyOptions(p);
        if (!problem.isEmpty())
            return problem;
        ws.setPolicy(p);
        return QString();
        },
        &loadError);
    if (!problem.isEmpty())
        return usage(problem);
    if (!err.isEmpty())
        return workspaceFailure(err);
    printOut(QStringLiteral("%1 policy %2.\n")
                 .arg(created ? QStringLiteral("Created") : QStringLiteral("Updated"), name));
    return Ok;
}

// `repo set NAME`: this repository's own after_sync over its policy's.
int cmdRepoSet(const QString &wsPath, const CliArgs &a)
{
    if (a.positional.size() != 3)
        return usage(QStringLiteral("repo set needs NAME"));
    const QString name = a.positional.at(2);
    const int choices = (a.has(QStringLiteral("after-sync")) ? 1 : 0)
                        + (a.has(QStringLiteral("no-after-sync")) ? 1 : 0)
                        + (a.has(QStringLiteral("policy-after-sync")) ? 1 : 0);
    if (choices > 1)
        return usage(
            QStringLiteral("use one of --after-sync CMD, --no-after-sync and --policy-after-sync"));
    if (choices == 0 && !a.has(QStringLiteral("after-sync-on"))
        && !a.has(QStringLiteral("after-sync-timeout")))
        return usage(
            QStringLiteral("repo set needs --after-sync CMD, --no-after-sync, --policy-after-sync, "
                           "--after-sync-on or --after-sync-timeout"));
    // The options go through the workspace file's own parser and checks.
    QString problem;
    bool found = true;
    const QString err = editWorkspace(wsPath, [&](Workspace &ws) {
        const RepoSpec *current = ws.repository(name);
        if (!current) {
            found = false;
            return QStringLiteral("there is no repository named \"%1\"; see `repodeck-cli list`")
                .arg(name);
        }
        QJsonObject json = current->toJson();
        if (a.has(QStringLiteral("after-sync")))
            json.insert(QStringLiteral("after_sync"), a.value(QStringLiteral("after-sync")));
        if (a.has(QStringLiteral("no-after-sync")))
            json.insert(QStringLiteral("after_sync"), QString()); // none, whatever the policy says
        if (a.has(QStringLiteral("policy-after-sync"))) {
            for (const char *k : {"after_sync", "after_sync_on", "after_sync_timeout"})
                json.remove(QLatin1String(k));
        }
        if (a.has(QStringLiteral("after-sync-on")))
            json.insert(QStringLiteral("after_sync_on"), a.value(QStringLiteral("after-sync-on")));
        if (a.has(QStringLiteral("after-sync-timeout")))
            json.insert(QStringLiteral("after_sync_timeout"),
                        a.value(QStringLiteral("after-sync-timeout")));
        const RepoSpec updated = RepoSpec::fromJson(json, &problem);
        problem.replace(QLatin1String("after_sync_on"), QLatin1String("--after-sync-on"));
        problem.replace(QLatin1String("after_sync_timeout"), QLatin1String("--after-sync-timeout"));
        if (!problem.isEmpty())
            return problem;
        ws.updateRepository(updated);
        return QString();
    });
    if (!problem.isEmpty())
        return usage(problem);
    if (!found)
        return usage(err);
    if (!err.isEmpty())
        return workspaceFailure(err);
    printOut(QStringLiteral("Updated repository %1.\n").arg(name));
    return Ok;
}

} // namespace

QString usageText()
{
    return QStringLiteral(
               "repodeck-cli: keep many git repositories in sync over networks that fail.\n\n"
               "Usage:\n"
               "  repodeck-cli [--workspace FILE] add NAME URL PATH [--mirror] [--branch B] [--policy P]\n"
               "  repodeck-cli [--workspace FILE] remove NAME\n"
               "  repodeck-cli [--workspace FILE] list [--json]\n"
               "  repodeck-cli [--workspace FILE] import DIR\n"
               "  repodeck-cli [--workspace FILE] repo set NAME [--after-sync CMD | --no-after-sync | --policy-after-sync]\n"
               "        [--after-sync-on success|any] [--after-sync-timeout D]\n"
               "  repodeck-cli [--workspace FILE] policy list [--json]\n"
               "  repodeck-cli [--workspace FILE] policy set NAME [--max-attempts N] [--initial-delay D]\n"
               "        [--max-delay D] [--multiplier X] [--jitter none|full|equal|decorrelated]\n"
               "        [--connect-timeout D] [--stall-timeout D] [--attempt-timeout D] [--deadline D]\n"
               "        [--checkpoint auto|always|never] [--retry-after-limit max-delay|deadline] [--interval D]\n"
               "        [--stale-after D] [--on-metered wait|run] [--after-sync CMD] [--after-sync-on success|any]\n"
               "        [--after-sync-timeout D]\n"
               "  repodeck-cli [--workspace FILE] sync [NAME...] [--jobs N] [--host-jobs N] [--json] [--shard I/N]\n"
               "        [--metrics-file PATH [--metrics-interval D]] [--interactive] [--on-metered wait|run]\n"
               "  repodeck-cli [--workspace FILE] status [NAME...] [--json] [--fail-on-stale] [--shard I/N]\n"
               "  repodeck-cli --version | --help\n\n"
               "Durations: 250ms, 5s, 2m, 1h. Default workspace: %1\n"
               "Exit status: 0 nothing failed (kept local changes are not failures), 1 a repository failed,\n"
               "2 usage or workspace error (nothing changed), 130 interrupted after a clean stop;\n"
               "sync on a metered connection: repositories whose policy says on_metered wait are not synced\n"
               "and reported held (reason metered); that alone is not a failure (exit 0). --on-metered run syncs them.\n"
               "An after_sync command's failure is reported but does not change the exit status.\n"
               "status --fail-on-stale exits 1 when a repository is stale.\n")
        .arg(Workspace::defaultPath());
}

int runCli(const QStringList &args)
{
    const CliArgs a = CliArgs::parse(args, kValueOptions, kFlagOptions);
    if (!a.error.isEmpty())
        return usage(a.error);
    if (a.has(QStringLiteral("version"))) {
        printOut(QStringLiteral("repodeck-cli %1 (libgit2 %2)\n")
                     .arg(QStringLiteral(REPODECK_VERSION), git::libgit2Version()));
        return Ok;
    }
    if (a.has(QStringLiteral("help"))) {
        printOut(usageText());
        return Ok;
    }
    if (a.positional.isEmpty())
        return usage(QStringLiteral("no command given"));
    if (const QString e = initializeNetwork(); !e.isEmpty()) {
        printErr(QStringLiteral("repodeck-cli: %1\n").arg(e));
        return SomeFailed;
    }

    const QString wsPath = a.values.contains(QStringLiteral("workspace"))
                               ? QDir::current().absoluteFilePath(
                                   a.value(QStringLiteral("workspace")))
                               : Workspace::defaultPath();
    const QString command = a.positional.first();
    if (command == QLatin1String("add"))
        return cmdAdd(wsPath, a);
    if (command == QLatin1String("remove"))
        return cmdRemove(wsPath, a);
    if (command == QLatin1String("import"))
        return cmdImport(wsPath, a);
    if (command == QLatin1String("policy") && a.positional.value(1) == QLatin1String("set"))
        return cmdPolicySet(wsPath, a);
    if (command == QLatin1String("repo") && a.positional.value(1) == QLatin1String("set"))
        return cmdRepoSet(wsPath, a);
    if (command == QLatin1String("repo"))
        return usage(QStringLiteral("repo needs `set NAME`"));

    auto loaded = Workspace::load(wsPath);
    if (!loaded)
        return workspaceFailure(loaded.error().text());
    const Workspace &ws = loaded.value();
    if (command == QLatin1String("list"))
        return cmdList(ws, a);
    if (command == QLatin1String("policy") && a.positional.value(1) == QLatin1String("list"))
        return cmdPolicyList(ws, a);
    if (command == QLatin1String("policy"))
        return usage(QStringLiteral("policy needs `list` or `set NAME`"));
    if (command == QLatin1String("sync"))
        return runSync(ws, wsPath, a);
    if (command == QLatin1String("status"))
        return runStatus(ws, wsPath, a);
    return usage(QStringLiteral("unknown command \"%1\"").arg(command));
}

} // namespace repodeck::core::cli
