// The test suite's fault proxy as a standalone process, for bench/compare.sh
// and bench/real_history_checkpoint.sh:
//   fault_proxy_tool TARGET_PORT RESET_PROBABILITY SEED [CUT_AFTER_BYTES]
// prints the port it listens on, then forwards until stdin closes, and
// prints how many connections it saw and reset and the bytes it sent to
// clients. CUT_AFTER_BYTES > 0 resets every connection once that many bytes
// went to the client.
#include "FaultProxy.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <cstdio>
#include <unistd.h>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 4 && argc != 5) {
        std::fprintf(
            stderr,
            "usage: fault_proxy_tool TARGET_PORT RESET_PROBABILITY SEED [CUT_AFTER_BYTES]\n");
        return 2;
    }
    repodeck::test::FaultProxy proxy;
    if (!proxy.start(static_cast<quint16>(atoi(argv[1]))))
        return 1;
    proxy.setResetProbability(atof(argv[2]), static_cast<quint32>(atoi(argv[3])));
    if (argc == 5)
        proxy.setCutAfterBytes(atoll(argv[4]));
    std::printf("%u\n", proxy.port());
    std::fflush(stdout);
    QSocketNotifier stdinClosed(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinClosed, &QSocketNotifier::activated, &app, [&] {
        char buf[64];
        if (::read(STDIN_FILENO, buf, sizeof buf) <= 0)
            app.quit();
    });
    app.exec();
    std::fprintf(stderr, "connections %d, reset %d, bytes to clients %lld\n",
                 proxy.totalConnections(), proxy.resetConnections(),
                 static_cast<long long>(proxy.bytesToClient()));
    return 0;
}
