#include "TestEnvironment.h"

#include "GitRepoFactory.h"

#include <QDir>
#include <QStandardPaths>
#include <QtTest>

namespace repodeck::test {

bool missingToolsFail()
{
    return qEnvironmentVariable("CI") == QLatin1String("true");
}

QString findTool(const QString &name)
{
    QString found = QStandardPaths::findExecutable(name);
    if (found.isEmpty()) {
        // Debian installs sshd and nginx in /usr/sbin, not on every user's PATH.
        found = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"),
                                                      QStringLiteral("/usr/local/sbin"),
                                                      QStringLiteral("/sbin")});
    }
    if (found.isEmpty() && name.startsWith(QLatin1String("git-"))) {
        const QString execPath = GitRepoFactory::execPath();
        if (!execPath.isEmpty())
            found = QStandardPaths::findExecutable(name, {execPath});
    }
    return found;
}

bool reportMissing(const QString &what, const char *file, int line)
{
    if (missingToolsFail()) {
        const QByteArray message = (what
                                    + QStringLiteral(" (CI=true: a missing tool fails the test)"))
                                       .toUtf8();
        QTest::qFail(message.constData(), file, line);
    } else {
        const QByteArray message = what.toUtf8();
        QTest::qSkip(message.constData(), file, line);
    }
    return false;
}

bool requireTool(const QString &name, const QString &hint, const char *file, int line)
{
    if (!findTool(name).isEmpty())
        return true;
    QString what = name + QStringLiteral(" is not installed");
    if (!hint.isEmpty())
        what += QStringLiteral(" (") + hint + QLatin1Char(')');
    return reportMissing(what, file, line);
}

bool isolateProcessEnvironment(const QString &home)
{
    if (!QDir().mkpath(home))
        return false;
    qputenv("HOME", QFile::encodeName(home));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(home + QStringLiteral("/.config")));
    qputenv("GIT_CONFIG_NOSYSTEM", "1");
    qputenv("GIT_TERMINAL_PROMPT", "0");
    qunsetenv("GIT_ASKPASS");
    qunsetenv("SSH_ASKPASS");
    qputenv("LC_ALL", "C");
    qunsetenv("LANGUAGE");
    for (const char *name :
         {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"})
        qunsetenv(name);
    qputenv("no_proxy", "127.0.0.1,localhost");
    qputenv("NO_PROXY", "127.0.0.1,localhost");
    return true;
}

} // namespace repodeck::test
