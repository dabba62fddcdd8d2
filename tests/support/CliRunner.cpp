#include "CliRunner.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QDeadlineTimer>
#include <QProcess>
#include <QStandardPaths>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace repodeck::test {

CliRunner::CliRunner(QString home, QString workspace)
    : m_home(std::move(home))
    , m_workspace(std::move(workspace))
    , m_env(QProcessEnvironment::systemEnvironment())
{
    QDir().mkpath(m_home);
    m_env.insert(QStringLiteral("HOME"), m_home);
    m_env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home + QStringLiteral("/.config"));
    m_env.insert(QStringLiteral("XDG_STATE_HOME"), m_home + QStringLiteral("/.local/state"));
    m_env.insert(QStringLiteral("GIT_CONFIG_NOSYSTEM"), QStringLiteral("1"));
    m_env.remove(QStringLiteral("REPODECK_LOG_DIR"));
}

int CliRunner::run(const QStringList &args, QByteArray *out, QByteArray *err, int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(m_env);
    if (!m_workDir.isEmpty())
        p.setWorkingDirectory(m_workDir);
#ifndef _WIN32
    // No controlling terminal, even when the suite runs from one.
    p.setChildProcessModifier([] { ::setsid(); });
#endif
    p.start(binary(), QStringList{QStringLiteral("--workspace"), m_workspace} + args);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    const QByteArray o = p.readAllStandardOutput();
    const QByteArray e = p.readAllStandardError();
    m_printed += o + e;
    if (out)
        *out = o;
    if (err)
        *err = e;
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

int CliRunner::runOnTerminal(const QStringList &args,
                             const QList<QPair<QByteArray, QByteArray>> &dialogue,
                             QByteArray *screen, int timeoutMs)
{
    const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
    if (script.isEmpty())
        return -1;
    QStringList quoted{binary(), QStringLiteral("--workspace"), m_workspace};
    quoted += args;
    for (QString &a : quoted)
        a = QLatin1Char('\'') + a.replace(QLatin1Char('\''), QStringLiteral("'\\''"))
            + QLatin1Char('\'');
    QProcess p;
    p.setProcessEnvironment(m_env);
    p.start(script,
            {QStringLiteral("-qec"), quoted.join(QLatin1Char(' ')), QStringLiteral("/dev/null")});
    if (!p.waitForStarted())
        return -1;
    QByteArray shown;
    QDeadlineTimer deadline(timeoutMs);
    for (const auto &step : dialogue) {
        while (!shown.contains(step.first) && !deadline.hasExpired()) {
            p.waitForReadyRead(100);
            shown += p.readAll();
        }
        if (!shown.contains(step.first))
            break;
        shown.replace(step.first, QByteArray()); // the next identical prompt is a new one
        p.write(step.second + '\n');
    }
    const bool finished = p.waitForFinished(
        static_cast<int>(std::max<qint64>(deadline.remainingTime(), 1000)));
    if (!finished) {
        p.kill();
        p.waitForFinished();
    }
    shown += p.readAll();
    m_printed += shown;
    if (screen)
        *screen = shown;
    return finished && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

QJsonObject CliRunner::repoDone(const QByteArray &out, const QString &repo)
{
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject e = QJsonDocument::fromJson(line).object();
        if (e.value(QStringLiteral("event")).toString() == QLatin1String("repo_done")
            && e.value(QStringLiteral("repo")).toString() == repo)
            return e;
    }
    return {};
}

QStringList filesContaining(const QString &root, const QByteArray &needle,
                            const QStringList &except)
{
    QStringList found;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (except.contains(path))
            continue;
        QFile f(path);
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            found << path;
    }
    return found;
}

} // namespace repodeck::test
