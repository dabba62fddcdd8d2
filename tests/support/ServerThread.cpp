#include "ServerThread.h"

namespace repodeck::test {

ServerThread::ServerThread(const QString &name)
{
    m_thread.setObjectName(name);
}

ServerThread::~ServerThread()
{
    stop();
}

void ServerThread::start()
{
    if (m_thread.isRunning())
        return;
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
}

void ServerThread::stop()
{
    if (!m_context)
        return;
    m_thread.quit();
    m_thread.wait();
    // The thread has finished, so nothing can be delivering events to the
    // context any more; deleting it from here is safe.
    delete m_context;
    m_context = nullptr;
}

bool ServerThread::isRunning() const
{
    return m_context && m_thread.isRunning();
}

bool ServerThread::isCurrentThread() const
{
    return QThread::currentThread() == &m_thread;
}

} // namespace repodeck::test
