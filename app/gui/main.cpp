// repodeck: the desktop application. Wiring only; the window lives in ui/.
#include "net/NetworkSetup.h"
#include "log/Logging.h"
#include "platform/SignalWatcher.h"
#include "shell/MainWindow.h"
#include "shell/TrayController.h"
#include "shell/VersionInfo.h"
#include "workspace/Workspace.h"

#include <cstdio>
#include <cstring>

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

using namespace repodeck;

int main(int argc, char *argv[])
{
    // libgit2 and RepoDeck's network stream, before any thread exists.
    if (const QString error = core::initializeNetwork(); !error.isEmpty()) {
        std::fprintf(stderr, "repodeck: %s\n", qPrintable(error));
        return 1;
    }
    // Answer --version without a display, so it works over ssh and in scripts.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("%s\n", qPrintable(ui::VersionInfo::current().text()));
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("RepoDeck"));
    QApplication::setApplicationName(QStringLiteral("repodeck"));
    QApplication::setApplicationDisplayName(QStringLiteral("RepoDeck"));
    QApplication::setApplicationVersion(QStringLiteral(REPODECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("repodeck"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Keeps many git repositories in sync over networks that fail."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("version"),
                      QStringLiteral("Print versions of RepoDeck, libgit2 and its TLS backend.")});
    const QCommandLineOption workspaceOption(
        QStringLiteral("workspace"),
        QStringLiteral("The workspace file (default: $REPODECK_WORKSPACE or %1).")
            .arg(core::Workspace::defaultPath()),
        QStringLiteral("file"));
    const QCommandLineOption hiddenOption(QStringLiteral("hidden"),
                                          QStringLiteral("Start in the system tray."));
    parser.addOption(workspaceOption);
    parser.addOption(hiddenOption);
    parser.process(app);

    core::setupLogging(QStringLiteral("repodeck"));
    const QString workspace = parser.isSet(workspaceOption) ? parser.value(workspaceOption)
                                                            : core::Workspace::defaultPath();
    ui::MainWindow window(workspace);
    // A logout or `kill` sends SIGTERM: quit through the event loop so the
    // window's shutdown (cancel, wait, save results) runs.
    core::SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &core::SignalWatcher::interrupted, &window,
                     &ui::MainWindow::quit);
    if (!parser.isSet(hiddenOption) || !window.tray()->isAvailable())
        window.show();
    return app.exec();
}
