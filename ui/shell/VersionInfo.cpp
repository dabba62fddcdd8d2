#include "shell/VersionInfo.h"

#include "git/GitLibrary.h"

#include <QStringList>

#include <git2.h>

namespace repodeck::ui {

VersionInfo VersionInfo::current()
{
    VersionInfo v;
    v.app = QStringLiteral(REPODECK_VERSION);
    v.libgit2 = core::git::libgit2Version();
    const int features = git_libgit2_features();
    v.https = (features & GIT_FEATURE_HTTPS) != 0;
    v.ssh = (features & GIT_FEATURE_SSH) != 0;
    // libgit2 1.5.1 can say whether HTTPS works but not which library does
    // it, so name the backend of the libgit2 each platform's build uses:
    // Debian's (and our Linux builds') is built with mbedTLS.
#if defined(Q_OS_WIN)
    const QString backend = QStringLiteral("WinHTTP");
#elif defined(Q_OS_MACOS)
    const QString backend = QStringLiteral("SecureTransport");
#else
    const QString backend = QStringLiteral("mbedTLS");
#endif
    v.tlsBackend = v.https ? backend : QStringLiteral("none");
    v.qt = QString::fromLatin1(qVersion());
    return v;
}

QString VersionInfo::text() const
{
    QStringList transports;
    transports << (https ? QStringLiteral("HTTPS via %1").arg(tlsBackend)
                         : QStringLiteral("no HTTPS"));
    transports << (ssh ? QStringLiteral("SSH") : QStringLiteral("no SSH"));
    return QStringLiteral("RepoDeck %1\nlibgit2 %2 (%3)\nTLS backend: %4\nQt %5")
        .arg(app, libgit2, transports.join(QStringLiteral(", ")), tlsBackend, qt);
}

} // namespace repodeck::ui
