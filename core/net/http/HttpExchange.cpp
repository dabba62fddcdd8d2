#include "net/http/HttpExchange.h"

#include "retry/AttemptContext.h"

#include <algorithm>
#include <cstring>

namespace repodeck::core::http {

namespace {
constexpr auto kSlice = std::chrono::milliseconds(50); // how quickly a cancel is noticed
}

HttpExchange::HttpExchange()
    : m_started(Clock::now())
    , m_lastActivity(m_started)
{
}

void HttpExchange::noteActivity()
{
    std::lock_guard lock(m_mutex);
    m_lastActivity = Clock::now();
}

void HttpExchange::markSent()
{
    std::lock_guard lock(m_mutex);
    m_sent = true;
    m_lastActivity = Clock::now();
}

void HttpExchange::setHead(const HttpResponseHead &head)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_hasHead)
            return;
        m_head = head;
        m_hasHead = true;
        m_sent = true;
        m_lastActivity = Clock::now();
    }
    m_changed.notify_all();
}

bool HttpExchange::hasHead() const
{
    std::lock_guard lock(m_mutex);
    return m_hasHead;
}

qint64 HttpExchange::room() const
{
    std::lock_guard lock(m_mutex);
    return kBufferCap - m_buffered;
}

void HttpExchange::append(const QByteArray &data)
{
    if (data.isEmpty())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_chunks.push_back(data);
        m_buffered += data.size();
        m_sent = true;
        m_lastActivity = Clock::now();
    }
    m_changed.notify_all();
}

bool HttpExchange::parkIfFull()
{
    std::lock_guard lock(m_mutex);
    if (m_buffered < kBufferCap)
        return false;
    m_parked = true;
    return true;
}

void HttpExchange::pumped()
{
    std::lock_guard lock(m_mutex);
    m_pumpRequested = false;
}

void HttpExchange::finish(const HttpFailure &failure)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_finished)
            return;
        m_finished = true;
        m_parked = false;
        m_failure = failure;
    }
    m_changed.notify_all();
}

template<typename Ready>
WaitResult HttpExchange::waitUntil(const WaitLimits &limits, Ready ready)
{
    std::unique_lock lock(m_mutex);
    // Time the worker spent elsewhere (indexing, writing objects) is not the
    // server's silence: the stall clock restarts when the worker starts waiting.
    const Clock::time_point waitStart = Clock::now();
    while (!ready()) {
        if (limits.attempt) {
            lock.unlock();
            const StreamFault fault = limits.attempt->checkInterrupted();
            lock.lock();
            if (fault == StreamFault::Cancelled)
                return WaitResult::Cancelled;
            if (fault == StreamFault::AttemptTimeout)
                return WaitResult::AttemptTimeout;
            if (ready())
                break;
        }
        const Clock::time_point now = Clock::now();
        Clock::time_point deadline;
        if (!m_sent) {
            deadline = m_started + limits.connect;
            if (now >= deadline)
                return WaitResult::ConnectTimeout;
        } else {
            deadline = std::max(m_lastActivity, waitStart) + limits.stall;
            if (now >= deadline)
                return WaitResult::StallTimeout;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        m_changed.wait_for(lock, std::clamp<std::chrono::milliseconds>(
                                     left, std::chrono::milliseconds(1), kSlice));
    }
    return WaitResult::Ready;
}

WaitResult HttpExchange::waitForHead(const WaitLimits &limits)
{
    return waitUntil(limits, [this] { return m_hasHead || m_finished; });
}

WaitResult HttpExchange::waitForData(const WaitLimits &limits)
{
    return waitUntil(limits, [this] { return m_buffered > 0 || m_finished; });
}

size_t HttpExchange::take(char *out, size_t max, bool *pump)
{
    std::lock_guard lock(m_mutex);
    size_t copied = 0;
    while (copied < max && !m_chunks.empty()) {
        const QByteArray &front = m_chunks.front();
        const size_t available = static_cast<size_t>(front.size() - m_frontOffset);
        const size_t n = std::min(available, max - copied);
        std::memcpy(out + copied, front.constData() + m_frontOffset, n);
        copied += n;
        m_frontOffset += static_cast<qsizetype>(n);
        if (m_frontOffset == front.size()) {
            m_chunks.pop_front();
            m_frontOffset = 0;
        }
    }
    m_buffered -= static_cast<qint64>(copied);
    *pump = false;
    if (m_parked && !m_pumpRequested && m_buffered <= kBufferCap / 2) {
        m_parked = false;
        m_pumpRequested = true;
        *pump = true;
    }
    return copied;
}

HttpResponseHead HttpExchange::head() const
{
    std::lock_guard lock(m_mutex);
    return m_head;
}

bool HttpExchange::isFinished() const
{
    std::lock_guard lock(m_mutex);
    return m_finished && m_buffered == 0;
}

HttpFailure HttpExchange::failure() const
{
    std::lock_guard lock(m_mutex);
    return m_failure;
}

bool HttpExchange::isSent() const
{
    std::lock_guard lock(m_mutex);
    return m_sent;
}

} // namespace repodeck::core::http
