#include "cli/Console.h"

#include <cstdio>

#ifdef _WIN32
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#else
#include <unistd.h>
#endif

namespace repodeck::core::cli {

namespace {

// RepoDeck itself writes no escape sequences; one in the output came from a
// server (a message, a ref name) and must not reach the terminal.
QByteArray terminalSafe(const QString &text)
{
    QString t = text;
    for (QChar &c : t) {
        const char16_t u = c.unicode();
        if (u == 0x1b || u == 0x07 || u == 0x08 || (u >= 0x7f && u <= 0x9f))
            c = QChar(QChar::ReplacementCharacter);
    }
    return t.toUtf8();
}

} // namespace

void printOut(const QString &text)
{
    const QByteArray bytes = terminalSafe(text);
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fflush(stdout);
}

void printErr(const QString &text)
{
    const QByteArray bytes = terminalSafe(text);
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
    std::fflush(stderr);
}

bool stdoutIsTerminal()
{
    return isatty(fileno(stdout)) != 0;
}

} // namespace repodeck::core::cli
