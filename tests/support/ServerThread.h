#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <type_traits>
#include <utility>

namespace repodeck::test {

// A QThread with its own event loop in which a server's sockets live.
// Tests routinely block their own thread (QProcess::waitForFinished on the CLI,
// a synchronous libgit2 call), so a server serviced by the test thread's event
// loop would freeze exactly when it is needed. Everything socket-related is
// therefore created inside this thread via call(), which also gives the test
// thread a simple synchronous way to reconfigure a running server.
class ServerThread
{
public:
    explicit ServerThread(const QString &name);
    ~ServerThread();

    ServerThread(const ServerThread &) = delete;
    ServerThread &operator=(const ServerThread &) = delete;

    void start();
    // Quits the event loop and joins. Objects created through call() must be
    // deleted (through call()) before this, so their destructors run in-thread.
    void stop();
    bool isRunning() const;
    bool isCurrentThread() const;

    // Runs `f` inside the server thread and waits for its result. Called from
    // the server thread itself it runs inline (a blocking queued call would
    // deadlock). When the thread is not running it does nothing and returns a
    // value-initialised result, because touching thread-affine sockets from the
    // wrong thread is worse than a no-op.
    template<typename F>
    auto call(F &&f) -> decltype(f())
    {
        using Result = decltype(f());
        if (isCurrentThread())
            return f();
        if constexpr (std::is_void_v<Result>) {
            if (isRunning())
                QMetaObject::invokeMethod(m_context, std::forward<F>(f),
                                          Qt::BlockingQueuedConnection);
        } else {
            Result result{};
            if (isRunning())
                QMetaObject::invokeMethod(m_context, std::forward<F>(f),
                                          Qt::BlockingQueuedConnection, &result);
            return result;
        }
    }

    // Queues `f` without waiting, for wake-ups that must not stall the caller.
    template<typename F>
    void post(F &&f)
    {
        if (isRunning())
            QMetaObject::invokeMethod(m_context, std::forward<F>(f), Qt::QueuedConnection);
    }

private:
    QThread m_thread;
    // Lives in m_thread and is the target of every call()/post(). It is never
    // deleted while the thread runs, so queued calls always have a receiver.
    QObject *m_context = nullptr;
};

} // namespace repodeck::test
