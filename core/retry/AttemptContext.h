#pragma once

#include "retry/SyncError.h"
#include "util/Duration.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

namespace repodeck::core {

// Shared between the scheduler (any thread) and the running attempt: the
// only thing the outside world may do to a running attempt is cancel it.
class CancelToken
{
public:
    void cancel() { m_cancelled.store(true, std::memory_order_release); }
    bool isCancelled() const { return m_cancelled.load(std::memory_order_acquire); }

private:
    std::atomic<bool> m_cancelled{false};
};

// The limits and observations of one attempt. The worker thread installs it
// as the thread's current attempt before calling libgit2, so the process-wide
// socket stream (which libgit2 creates without any user data) can find it.
class AttemptContext
{
public:
    using Clock = std::chrono::steady_clock;

    AttemptContext(Millis connectTimeout, Millis stallTimeout, Millis attemptTimeout,
                   std::shared_ptr<CancelToken> cancel);

    static AttemptContext *current();

    Millis connectTimeout() const { return m_connectTimeout; }
    Millis stallTimeout() const { return m_stallTimeout; }
    bool isCancelled() const { return m_cancel && m_cancel->isCancelled(); }

    // The first fault wins: a timeout that causes a reset is still a timeout.
    void recordFault(StreamFault fault, Millis limit = Millis(0));
    StreamFault fault() const;
    Millis faultLimit() const;

    // A receive buffer for the connections opened from now on (0: the
    // system's own). A request that may be hung up once the pack header
    // says how large it is sets a small one, so that little more than the
    // header is in flight when it is.
    void setReceiveBufferHint(int bytes)
    {
        m_receiveBuffer.store(bytes, std::memory_order_relaxed);
    }
    int receiveBufferHint() const { return m_receiveBuffer.load(std::memory_order_relaxed); }

    void addBytesReceived(qint64 n) { m_bytesReceived.fetch_add(n, std::memory_order_relaxed); }
    qint64 bytesReceived() const { return m_bytesReceived.load(std::memory_order_relaxed); }

    // Checks cancel and the attempt deadline; records the fault it finds.
    StreamFault checkInterrupted();

    // What an HTTP transport of our own knows exactly (libgit2's does not
    // expose them): the last response's status and its Retry-After.
    void setHttpStatus(int status) { m_httpStatus.store(status, std::memory_order_relaxed); }
    int httpStatus() const { return m_httpStatus.load(std::memory_order_relaxed); }
    void setRetryAfter(Millis delay)
    {
        m_retryAfterMs.store(delay.count(), std::memory_order_relaxed);
    }
    Millis retryAfter() const
    {
        return Millis(m_retryAfterMs.load(std::memory_order_relaxed));
    } // -1 = none
    // The protocol of the last HTTP response, as our transport saw it:
    // "HTTP/2" or "HTTP/1.1"; empty when libgit2's client (which does not
    // say) or no HTTP was involved.
    void setHttpVersion(bool http2)
    {
        m_httpVersion.store(http2 ? 2 : 1, std::memory_order_relaxed);
    }
    QString httpVersion() const;
    // The certificate (DER) a server presented when verification failed, so
    // the person can be shown exactly what the sync saw before pinning it.
    void setPeerCertificate(const QByteArray &der)
    {
        std::lock_guard lock(m_mutex);
        m_peerCertificate = der;
    }
    QByteArray peerCertificate() const
    {
        std::lock_guard lock(m_mutex);
        return m_peerCertificate;
    }

private:
    friend class AttemptScope;
    Millis m_connectTimeout;
    Millis m_stallTimeout;
    Millis m_attemptTimeout;
    Clock::time_point m_attemptDeadline;
    std::shared_ptr<CancelToken> m_cancel;
    std::atomic<int> m_receiveBuffer{0};
    std::atomic<qint64> m_bytesReceived{0};
    std::atomic<int> m_httpStatus{0};
    std::atomic<qint64> m_retryAfterMs{-1};
    std::atomic<int> m_httpVersion{0}; // 0 unknown, 1 HTTP/1.1, 2 HTTP/2
    mutable std::mutex m_mutex;
    StreamFault m_fault = StreamFault::None;
    Millis m_faultLimit{0};
    QByteArray m_peerCertificate;
};

// RAII: makes `context` the current attempt of this thread.
class AttemptScope
{
public:
    explicit AttemptScope(AttemptContext *context);
    ~AttemptScope();
    AttemptScope(const AttemptScope &) = delete;
    AttemptScope &operator=(const AttemptScope &) = delete;

private:
    AttemptContext *m_previous;
};

} // namespace repodeck::core
