#pragma once

// What test cases share before their first test function: the tools they
// need (found, or the test skipped; failed under CI=true) and an
// environment of their own (no developer configuration, prompts or proxies).

#include <QString>
#include <QStringList>

namespace repodeck::test {

// CI=true: a missing tool fails the test instead of skipping it, because a
// skip there would hide a missing install step.
bool missingToolsFail();

// Where the program `name` is: PATH, then the sbin folders (sshd, nginx),
// then git's exec path (git-http-backend). Empty when it is nowhere.
QString findTool(const QString &name);

// Reports that `what` is missing for the running test function: a skip, or
// a failure under CI=true. Always returns false; the caller must return at
// once, as after QSKIP (REPODECK_REQUIRE_TOOL and REPODECK_REQUIRE do).
bool reportMissing(const QString &what, const char *file, int line);

// True when findTool(name) finds it; otherwise reportMissing() with `hint`
// (what installs it).
bool requireTool(const QString &name, const QString &hint, const char *file, int line);

// The test process's own environment, for git, libgit2 and RepoDeck running
// in it: HOME and XDG_CONFIG_HOME inside `home` (created), no system git
// configuration, no terminal prompts or askpass helpers, untranslated
// messages and no proxy for 127.0.0.1: the environment GitRepoFactory gives
// the git processes it starts. Returns false when `home` cannot be made.
bool isolateProcessEnvironment(const QString &home);

} // namespace repodeck::test

// In a test function (or initTestCase): skips when the program is not there,
// and fails instead under CI=true.
#define REPODECK_REQUIRE_TOOL(name, hint) \
    do { \
        if (!::repodeck::test::requireTool(QStringLiteral(name), QStringLiteral(hint), __FILE__, \
                                           __LINE__)) \
            return; \
    } while (false)

// The same for what is not one program on PATH (a built binary, a mount).
#define REPODECK_REQUIRE(condition, what) \
    do { \
        if (!(condition) && !::repodeck::test::reportMissing((what), __FILE__, __LINE__)) \
            return; \
    } while (false)
