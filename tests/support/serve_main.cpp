// repodeck-test-serve ROOT: serves the bare repositories below ROOT over
// git:// (a real `git daemon`) and http:// (`git http-backend` behind
// HttpGitServer) on 127.0.0.1, for tests that are scripts rather than Qt Test
// programs (the Windows checks under Wine, installer/windows/). It prints
//   git git://127.0.0.1:PORT
//   http http://127.0.0.1:PORT
//   ready
// and then answers commands on stdin, one a line:
//   log    the HTTP requests answered so far, "METHOD target status" each,
//          then "end": what the server saw, not what a client says it did
// and stops both servers when stdin closes.
#include "GitDaemonServer.h"
#include "HttpGitServer.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <cstdio>
#include <iostream>
#include <string>

using repodeck::test::GitDaemonServer;
using repodeck::test::HttpGitServer;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2 || !QFileInfo(QString::fromLocal8Bit(argv[1])).isDir()) {
        std::fprintf(stderr, "usage: repodeck-test-serve ROOT (a folder of bare repositories)\n");
        return 2;
    }
    const QString root = QFileInfo(QString::fromLocal8Bit(argv[1])).absoluteFilePath();
    GitDaemonServer daemon;
    HttpGitServer http;
    if (!daemon.start(root) || !http.start(root)) {
        std::fprintf(stderr, "repodeck-test-serve: cannot start the servers for %s\n",
                     qPrintable(root));
        return 1;
    }
    std::printf("git git://127.0.0.1:%u\nhttp http://127.0.0.1:%u\nready\n", daemon.port(),
                http.port());
    std::fflush(stdout);
    // The HTTP server answers from its own thread; this one only reads stdin.
    for (std::string line; std::getline(std::cin, line);) {
        if (line == "log") {
            for (const QString &entry : http.requestLog())
                std::printf("%s\n", qPrintable(entry));
            std::printf("end\n");
            std::fflush(stdout);
        }
    }
    http.stop();
    daemon.stop();
    return 0;
}
