#include "workspace/Workspace.h"

#include "util/LinkCheck.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace repodeck::core {

QString WorkspaceError::text() const
{
    if (line > 0)
        return QStringLiteral("%1:%2:%3: %4").arg(path).arg(line).arg(column).arg(message);
    return QStringLiteral("%1: %2").arg(path, message);
}

Workspace::Workspace()
{
    m_policies.insert(QStringLiteral("default"), RetryPolicy::defaults());
}

namespace {

void offsetToLineColumn(const QByteArray &data, int offset, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (int i = 0; i < offset && i < data.size(); ++i) {
        if (data.at(i) == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

WorkspaceError error(const QString &path, const QString &message)
{
    return WorkspaceError{path, 0, 0, message};
}

// Windows' and macOS's file systems match names case-insensitively: there
// "C:/Work/App" and "c:/work/APP" are one folder, which two entries syncing
// into it would share (and a Windows clone would find the other's files).
constexpr Qt::CaseSensitivity kPathCase =
#if defined(Q_OS_WIN) || defined(Q_OS_MACOS)
    Qt::CaseInsensitive;
#else
    Qt::CaseSensitive;
#endif

QString comparablePath(const QString &path)
{
    return QDir::cleanPath(QDir::fromNativeSeparators(path));
}

} // namespace

Result<Workspace, WorkspaceError> Workspace::load(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return Workspace();
    if (!file.open(QIODevice::ReadOnly))
        return Result<Workspace, WorkspaceError>::failure(error(
            path, QStringLiteral("cannot read the workspace file (%1); check its permissions.")
                      .arg(file.errorString())));
    return fromJson(file.readAll(), path);
}

Result<Workspace, WorkspaceError> Workspace::fromJson(const QByteArray &data, const QString &path)
{
    using R = Result<Workspace, WorkspaceError>;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        WorkspaceError e{path, 0, 0, {}};
        offsetToLineColumn(data, parseError.offset, &e.line, &e.column);
        e.message = QStringLiteral(
                        "not valid JSON (%1); fix the file by hand or restore a backup. "
                        "RepoDeck left it untouched.")
                        .arg(parseError.errorString());
        return R::failure(e);
    }
    if (!doc.isObject())
        return R::failure(error(
            path, QStringLiteral(
                      "the top level must be a JSON object; RepoDeck left the file untouched.")));
    const QJsonObject root = doc.object();
    const int schema = root.value(QLatin1String("schema")).toInt(kSchemaVersion);
    if (schema > kSchemaVersion)
        return R::failure(error(
            path, QStringLiteral("written by a newer RepoDeck (schema %1, this one reads %2); "
                                 "upgrade RepoDeck. The file was left untouched.")
                      .arg(schema)
                      .arg(kSchemaVersion)));

    Workspace ws;
    const QJsonObject policies = root.value(QLatin1String("policies")).toObject();
    for (auto it = policies.begin(); it != policies.end(); ++it) {
        QString problem;
        RetryPolicy p = RetryPolicy::fromJson(it.key(), it.value().toObject(), &problem);
        if (!problem.isEmpty())
            return R::failure(error(path, problem));
        // Schema 1 wrote "retry_after_limit": "max_delay" into every policy,
        // as the default it then was, so no user chose it: such files get
        // today's default (a server's Retry-After is a minimum). From schema
        // 2 on, max_delay in the file is an explicit choice.
        if (schema < 2)
            p.retryAfterLimit = RetryAfterLimit::Deadline;
        ws.m_policies.insert(it.key(), p);
    }
    const QJsonValue reposValue = root.value(QLatin1String("repositories"));
    if (!reposValue.isUndefined() && !reposValue.isArray())
        return R::failure(error(path, QStringLiteral("\"repositories\" must be a list.")));
    const QJsonArray repos = reposValue.toArray();
    for (int i = 0; i < repos.size(); ++i) {
        QString problem;
        const RepoSpec spec = RepoSpec::fromJson(repos.at(i).toObject(), &problem);
        if (problem.isEmpty())
            problem = ws.add(spec, true);
        if (!problem.isEmpty())
            return R::failure(error(
                path,
                QStringLiteral("repository #%1 (%2): %3").arg(i + 1).arg(spec.name, problem)));
    }
    return ws;
}

QByteArray Workspace::toJson() const
{
    QJsonObject policies;
    for (auto it = m_policies.begin(); it != m_policies.end(); ++it)
        policies.insert(it.key(), it.value().toJson());
    QJsonArray repos;
    for (const RepoSpec &r : m_repos)
        repos.append(r.toJson());
    const QJsonObject root{
        {QStringLiteral("schema"), kSchemaVersion},
        {QStringLiteral("policies"), policies},
        {QStringLiteral("repositories"), repos},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QString Workspace::save(const QString &path) const
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return QStringLiteral("cannot create the folder %1; check its permissions.")
            .arg(info.absolutePath());
    if (QString e = refuseWritingThroughLink(path); !e.isEmpty())
        return e;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write %1 (%2).").arg(path, file.errorString());
    const QByteArray data = toJson();
    if (file.write(data) != data.size() || !file.commit())
        return QStringLiteral("cannot write %1 (%2); the previous version is intact.")
            .arg(path, file.errorString());
    return {};
}

QString Workspace::defaultPath()
{
    QString env = qEnvironmentVariable("REPODECK_WORKSPACE");
    if (!env.isEmpty())
        return env;
    QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    return QDir(dir).filePath(QStringLiteral("repodeck/workspace.json"));
}

// What two paths that are one folder have in common (kPathCase).
QString Workspace::pathKey(const QString &path)
{
    const QString clean = comparablePath(path);
    return kPathCase == Qt::CaseInsensitive ? clean.toCaseFolded() : clean;
}

void Workspace::reindex()
{
    m_byName.clear();
    m_byPath.clear();
    m_mirrors.clear();
    for (qsizetype i = 0; i < m_repos.size(); ++i) {
        const RepoSpec &r = m_repos.at(i);
        m_byName.insert(r.name, i);
        m_byPath.insert(pathKey(r.path), i);
        if (r.mode == RepoMode::Mirror)
            m_mirrors.insert(pathKey(r.path), i);
    }
}

const RepoSpec *Workspace::repository(const QString &name) const
{
    const auto it = m_byName.constFind(name);
    return it == m_byName.constEnd() ? nullptr : &m_repos.at(it.value());
}

QString Workspace::addRepository(const RepoSpec &spec)
{
    return add(spec, false);
}

// Hash lookups, not a scan of every entry: loading a workspace of n
// repositories adds each (a fresh reviewer's 20,000 took 30 s to list).
QString Workspace::add(const RepoSpec &spec, bool fromFile)
{
    if (m_byName.contains(spec.name))
        return QStringLiteral("a repository named \"%1\" already exists").arg(spec.name);
    const QString key = pathKey(spec.path);
    if (const auto it = m_byPath.constFind(key); it != m_byPath.constEnd())
        return QStringLiteral("\"%1\" already syncs into %2")
            .arg(m_repos.at(it.value()).name, spec.path);
    if (!m_policies.contains(spec.policy))
        return QStringLiteral("there is no policy named \"%1\"").arg(spec.policy);
    if (QString e = validateRepoPath(spec.path); !e.isEmpty())
        return e;
#ifdef Q_OS_WIN
    if (const QString e = repoPathLengthProblem(spec.path, spec.mode); !e.isEmpty() && !fromFile)
        return e;
#else
    Q_UNUSED(fromFile)
#endif
    // Inside a mirror: one of the path's folders is a mirror's path.
    for (qsizetype slash = key.lastIndexOf(QLatin1Char('/')); slash > 0;
         slash = key.lastIndexOf(QLatin1Char('/'), slash - 1)) {
        if (const auto it = m_mirrors.constFind(key.left(slash)); it != m_mirrors.constEnd()) {
            const RepoSpec &r = m_repos.at(it.value());
            return QStringLiteral(
                       "%1 is inside the mirror \"%2\" (%3), a bare repository; choose a folder outside it.")
                .arg(spec.path, r.name, r.path);
        }
    }
    m_repos.append(spec);
    const qsizetype index = m_repos.size() - 1;
    m_byName.insert(spec.name, index);
    m_byPath.insert(key, index);
    if (spec.mode == RepoMode::Mirror)
        m_mirrors.insert(key, index);
    return {};
}

bool Workspace::removeRepository(const QString &name)
{
    const auto it = m_byName.constFind(name);
    if (it == m_byName.constEnd())
        return false;
    m_repos.removeAt(it.value());
    reindex();
    return true;
}

void Workspace::updateRepository(const RepoSpec &spec)
{
    for (RepoSpec &r : m_repos) {
        if (r.name == spec.name)
            r = spec;
    }
    reindex();
}

RetryPolicy Workspace::policy(const QString &name) const
{
    return m_policies.value(name,
                            m_policies.value(QStringLiteral("default"), RetryPolicy::defaults()));
}

void Workspace::setPolicy(const RetryPolicy &policy)
{
    m_policies.insert(policy.name, policy);
}

bool Workspace::removePolicy(const QString &name)
{
    if (name == QLatin1String("default"))
        return false;
    for (const RepoSpec &r : m_repos) {
        if (r.policy == name)
            return false;
    }
    return m_policies.remove(name) > 0;
}

} // namespace repodeck::core
