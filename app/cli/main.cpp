// repodeck-cli: the headless front end, built from core/ alone.
#include "cli/CliApp.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("repodeck"));
    QCoreApplication::setApplicationVersion(QStringLiteral(REPODECK_VERSION));
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    return repodeck::core::cli::runCli(args);
}
