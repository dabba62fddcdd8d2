#pragma once

// Small helpers shared by the GUI tests.

#include <QCoreApplication>
#include <QDir>
#include <QLineEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

namespace repodeck::test {

// Keeps QSettings and logs of a test run away from the developer's own.
inline void isolateSettings(const QString &testName)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("RepoDeckTests"));
    QCoreApplication::setApplicationName(testName);
    QSettings().clear();
}

// Types into a line edit the way a user does (so textEdited fires).
inline void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

// Runs git with a throwaway identity; returns its exit code.
inline int git(const QStringList &args, const QString &dir)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::MergedChannels);
    QStringList full{QStringLiteral("-c"), QStringLiteral("user.name=RepoDeck Test"),
                     QStringLiteral("-c"), QStringLiteral("user.email=test@repodeck.invalid"),
                     QStringLiteral("-c"), QStringLiteral("init.defaultBranch=main")};
    p.start(QStringLiteral("git"), full + args);
    if (!p.waitForFinished(30'000))
        return -1;
    if (p.exitCode() != 0)
        qWarning("git %s: %s", qPrintable(args.join(QLatin1Char(' '))), p.readAll().constData());
    return p.exitCode();
}

// A working copy at `path` whose origin is `url` (no network involved).
inline bool makeClone(const QString &path, const QString &url)
{
    QDir().mkpath(path);
    return git({QStringLiteral("init"), QStringLiteral("-q")}, path) == 0
           && git({QStringLiteral("remote"), QStringLiteral("add"), QStringLiteral("origin"), url},
                  path)
                  == 0;
}

} // namespace repodeck::test
