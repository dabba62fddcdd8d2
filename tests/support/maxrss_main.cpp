// repodeck-maxrss OUT PROGRAM ARGS...: runs PROGRAM, waits for it with
// wait4() and writes its peak resident size (ru_maxrss, KiB) to OUT; exits
// with its exit code (128 + signal when killed). Tests measure a child's
// real peak memory with it, whatever the child did between samples.
#include <cstdio>
#include <cstdlib>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {
pid_t g_child = 0;
} // namespace

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: repodeck-maxrss OUT PROGRAM ARGS...\n");
        return 2;
    }
    const pid_t pid = g_child = fork();
    if (pid < 0)
        return 3;
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    // A test that gives up terminates this wrapper: the child goes too.
    signal(SIGTERM, [](int) { kill(g_child, SIGKILL); });
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0) {
    }
    if (FILE *out = std::fopen(argv[1], "w")) {
        std::fprintf(out, "%ld\n", usage.ru_maxrss);
        std::fclose(out);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
