// The test suite's fault proxy as a standalone process, for bench/compare.sh:
//   fault_proxy_tool TARGET_PORT RESET_PROBABILITY SEED
// prints the port it listens on, then forwards until stdin closes, and
// prints how many connections it saw and reset.
#include "FaultProxy.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <cstdio>
#include <unistd.h>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 4) {
        std::fprintf(stderr, "usage: fault_proxy_tool TARGET_PORT RESET_PROBABILITY SEED\n");
        return 2;
    }
    repodeck::test::FaultProxy proxy;
    if (!proxy.start(static_cast<quint16>(atoi(argv[1]))))
        return 1;
    proxy.setResetProbability(atof(argv[2]), static_cast<quint32>(atoi(argv[3])));
    std::printf("%u\n", proxy.port());
    std::fflush(stdout);
    QSocketNotifier stdinClosed(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinClosed, &QSocketNotifier::activated, &app, [&] {
        char buf[64];
        if (::read(STDIN_FILENO, buf, sizeof buf) <= 0)
            app.quit();
    });
    app.exec();
    std::fprintf(stderr, "connections %d, reset %d\n", proxy.totalConnections(), proxy.resetConnections());
    return 0;
}
