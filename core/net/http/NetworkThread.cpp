#include "net/http/NetworkThread.h"

#include <mutex>

#include <QCoreApplication>
#include <QThread>

#include <spdlog/spdlog.h>

namespace repodeck::core::http {

namespace {

std::mutex g_mutex;
QThread *g_thread = nullptr;
QObject *g_context = nullptr;

// Runs in ~QCoreApplication, after every worker has finished: quit the loop
// and join, so the thread never outlives the application object.
void stopNetworkThread()
{
    std::lock_guard lock(g_mutex);
    if (!g_thread)
        return;
    g_thread->quit();
    if (!g_thread->wait(5000)) {
        spdlog::warn("the network thread did not stop within 5 s; leaving it");
        return;
    }
    // The loop has ended, so nothing is delivering events to the context.
    delete g_context;
    g_context = nullptr;
    delete g_thread;
    g_thread = nullptr;
}

} // namespace

QObject *NetworkThread::context(QString *error)
{
    std::lock_guard lock(g_mutex);
    if (g_context)
        return g_context;
    if (!QCoreApplication::instance()) {
        if (error)
            *error = QStringLiteral("the Qt HTTP transport needs a QCoreApplication");
        return nullptr;
    }
    g_thread = new QThread;
    g_thread->setObjectName(QStringLiteral("repodeck-network"));
    g_context = new QObject;
    g_context->moveToThread(g_thread);
    g_thread->start();
    qAddPostRoutine(stopNetworkThread);
    return g_context;
}

bool NetworkThread::isCurrent()
{
    std::lock_guard lock(g_mutex);
    return g_thread && QThread::currentThread() == g_thread;
}

} // namespace repodeck::core::http
