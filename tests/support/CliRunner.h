#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace repodeck::test {

// Runs the real repodeck-cli ($REPODECK_CLI) against one workspace, with a
// private HOME and XDG directories, no controlling terminal and no stdin,
// and keeps everything it printed (for secret scans).
class CliRunner
{
public:
    CliRunner(QString home, QString workspace);

    static QString binary() { return qEnvironmentVariable("REPODECK_CLI"); }

    // Exit code, or -1 when it did not finish within timeoutMs (then killed).
    int run(const QStringList &args, QByteArray *out = nullptr, QByteArray *err = nullptr,
            int timeoutMs = 60'000);

    // Runs it on a pseudo-terminal (util-linux `script`), answering each
    // prompt in turn: `dialogue` is (prompt text to wait for, line to type).
    // Returns the exit code (-1 on timeout or when `script` is missing) and
    // everything the terminal showed in *screen.
    int runOnTerminal(const QStringList &args, const QList<QPair<QByteArray, QByteArray>> &dialogue,
                      QByteArray *screen, int timeoutMs = 30'000);

    QProcessEnvironment &environment() { return m_env; }
    // Where the CLI is started (default: the test's own working directory).
    void setWorkingDirectory(const QString &dir) { m_workDir = dir; }
    const QByteArray &printed() const { return m_printed; }
    QString home() const { return m_home; }
    QString workspace() const { return m_workspace; }

    // The `repo_done` event for `repo` in a --json run's output.
    static QJsonObject repoDone(const QByteArray &out, const QString &repo);

private:
    QString m_home;
    QString m_workspace;
    QProcessEnvironment m_env;
    QString m_workDir;
    QByteArray m_printed;
};

// Every regular file under `root` whose content contains `needle` (for
// proving a secret never reached a file).
QStringList filesContaining(const QString &root, const QByteArray &needle,
                            const QStringList &except = {});

} // namespace repodeck::test
