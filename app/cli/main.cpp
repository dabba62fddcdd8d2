// repodeck-cli: the headless front end, built from core/ alone.
#include "cli/CliApp.h"

#include <cstdio>

#include <QCoreApplication>

#ifdef Q_OS_WIN
#include <spdlog/spdlog.h>
#include <windows.h>
#endif

int main(int argc, char *argv[])
{
    int rc = 0;
    {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("repodeck"));
        QCoreApplication::setApplicationVersion(QStringLiteral(REPODECK_VERSION));
        QStringList args = QCoreApplication::arguments();
        args.removeFirst();
        rc = repodeck::core::cli::runCli(args);
    }
#ifdef Q_OS_WIN
    // Under Wine about one sync in six printed its summary and never exited:
    // ExitProcess, having ended the other threads, waited forever in some
    // DLL's detach (7 of 40 with return, 3 of 40 with _exit, which skips our
    // static destructors; docs/windows.md). By now the application object is
    // gone, the state is saved and every repository closed, so the process
    // ends without DLL detach: 0 of 40. Until the waiting DLL is found.
    spdlog::shutdown();
    std::fflush(nullptr);
    TerminateProcess(GetCurrentProcess(), static_cast<UINT>(rc));
#endif
    return rc;
}
