// Windows: console control events (Ctrl+C, Ctrl+Break, close) become
// interrupted(). Cross-built with mingw-w64; not exercised under Wine (docs/windows.md).
#include "platform/SignalWatcher.h"

#ifdef Q_OS_WIN

#include <QMetaObject>
#include <QPointer>

#include <windows.h>

namespace repodeck::core {

namespace {
QPointer<SignalWatcher> g_watcher;

BOOL WINAPI onConsoleEvent(DWORD type)
{
    if (g_watcher) {
        QMetaObject::invokeMethod(g_watcher.data(), "interrupted", Qt::QueuedConnection,
                                  Q_ARG(int, static_cast<int>(type) == CTRL_C_EVENT ? 2 : 15));
        return TRUE;
    }
    return FALSE;
}
} // namespace

struct SignalWatcher::Impl
{};

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
    , d(new Impl)
{
    g_watcher = this;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

SignalWatcher::~SignalWatcher()
{
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
    delete d;
}

} // namespace repodeck::core

#endif
