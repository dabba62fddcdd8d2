#include "git/GitLibrary.h"

#include <mutex>

#include <git2.h>

namespace repodeck::core::git {

QString initialize()
{
    static std::once_flag once;
    static QString error;
    std::call_once(once, [] {
        if (git_libgit2_init() < 0)
            error = QStringLiteral("libgit2 could not be initialised");
    });
    return error;
}

QString libgit2Version()
{
    int major = 0, minor = 0, rev = 0;
    git_libgit2_version(&major, &minor, &rev);
    return QStringLiteral("%1.%2.%3").arg(major).arg(minor).arg(rev);
}

int allowLongPaths(git_repository *repo)
{
#ifdef Q_OS_WIN
    git_config *config = nullptr;
    int rc = git_repository_config(&config, repo);
    if (rc == 0)
        rc = git_config_set_bool(config, "core.longpaths", 1);
    git_config_free(config);
    return rc;
#else
    (void)repo;
    return 0;
#endif
}

} // namespace repodeck::core::git
