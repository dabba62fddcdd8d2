#include "retry/AttemptContext.h"

namespace repodeck::core {

namespace {
thread_local AttemptContext *t_current = nullptr;
}

AttemptContext::AttemptContext(Millis connectTimeout, Millis stallTimeout, Millis attemptTimeout,
                               std::shared_ptr<CancelToken> cancel)
    : m_connectTimeout(connectTimeout)
    , m_stallTimeout(stallTimeout)
    , m_attemptTimeout(attemptTimeout)
    , m_attemptDeadline(Clock::now() + attemptTimeout)
    , m_cancel(std::move(cancel))
{
}

AttemptContext *AttemptContext::current()
{
    return t_current;
}

void AttemptContext::recordFault(StreamFault fault, Millis limit)
{
    std::lock_guard lock(m_mutex);
    if (m_fault == StreamFault::None) {
        m_fault = fault;
        m_faultLimit = limit;
    }
}

StreamFault AttemptContext::fault() const
{
    std::lock_guard lock(m_mutex);
    return m_fault;
}

Millis AttemptContext::faultLimit() const
{
    std::lock_guard lock(m_mutex);
    return m_faultLimit;
}

StreamFault AttemptContext::checkInterrupted()
{
    if (isCancelled()) {
        recordFault(StreamFault::Cancelled);
        return StreamFault::Cancelled;
    }
    if (Clock::now() >= m_attemptDeadline) {
        recordFault(StreamFault::AttemptTimeout, m_attemptTimeout);
        return StreamFault::AttemptTimeout;
    }
    return StreamFault::None;
}

QString AttemptContext::httpVersion() const
{
    switch (m_httpVersion.load(std::memory_order_relaxed)) {
    case 1: return QStringLiteral("HTTP/1.1");
    case 2: return QStringLiteral("HTTP/2");
    default: return QString();
    }
}

AttemptScope::AttemptScope(AttemptContext *context)
    : m_previous(t_current)
{
    t_current = context;
}

AttemptScope::~AttemptScope()
{
    t_current = m_previous;
}

} // namespace repodeck::core
