#pragma once

#include "net/http/HttpRequest.h"
#include "util/Duration.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

class QObject;

namespace repodeck::core {
class AttemptContext;
}

namespace repodeck::core::http {

struct HttpResponseHead
{
    int status = 0;
    HttpHeaders headers;
    bool http2 = false;

    // Case-insensitive; repeated headers are joined with ", ".
    QByteArray header(const QByteArray &name) const;
};

// How a request ended below HTTP: nothing (NoError), or Qt Network's error
// and, for certificate failures, what was wrong and the peer's certificate.
struct HttpFailure
{
    int networkError = 0; // QNetworkReply::NetworkError
    QString text;
    QStringList tlsErrors;
    QByteArray peerCertificate; // DER
};

enum class WaitResult { Ready, Cancelled, AttemptTimeout, ConnectTimeout, StallTimeout };

struct WaitLimits
{
    Millis connect;
    Millis stall;
    AttemptContext *attempt = nullptr; // cancel and attempt deadline; may be null
};

// One request/response crossing threads: the network thread (Qt Network)
// fills it, the worker thread (libgit2's blocking read) drains it. Everything
// is guarded by one mutex; the worker waits on a condition variable in 50 ms
// slices so that cancel and deadlines are noticed even if nothing arrives.
//
// Back-pressure: the network thread stops reading the socket when kBufferCap
// bytes wait here (HttpConnection; the socket's own read buffer then fills
// and Qt stops reading); the worker asks for more once it has taken half.
class HttpExchange
{
public:
    using Clock = std::chrono::steady_clock;
    static constexpr qint64 kBufferCap = 1024 * 1024;

    HttpExchange();

    // --- network thread ---
    void noteActivity();
    void markSent(); // the request left (or an answer arrived): connect phase over
    void setHead(const HttpResponseHead &head); // the first call wins
    bool hasHead() const;
    qint64 room() const;
    void append(const QByteArray &data);
    // The reply holds more than fits: returns true (and remembers to be
    // pumped) if the buffer is still full, false if room opened meanwhile.
    bool parkIfFull();
    void pumped(); // a requested pump ran
    // No more data will come; `failure.networkError` 0 means a clean end.
    void finish(const HttpFailure &failure);
    QObject *connection = nullptr; // the HttpConnection carrying it; network thread only

    // --- worker thread ---
    WaitResult waitForHead(const WaitLimits &limits);
    WaitResult waitForData(const WaitLimits &limits);
    // Copies up to `max` buffered bytes; sets `*pump` when the network thread
    // should be asked to copy more out of the reply.
    size_t take(char *out, size_t max, bool *pump);
    HttpResponseHead head() const;
    bool isFinished() const;
    HttpFailure failure() const;
    bool isSent() const;

private:
    template<typename Ready>
    WaitResult waitUntil(const WaitLimits &limits, Ready ready);

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    Clock::time_point m_started;
    Clock::time_point m_lastActivity;
    bool m_sent = false;
    bool m_hasHead = false;
    HttpResponseHead m_head;
    std::deque<QByteArray> m_chunks;
    qsizetype m_frontOffset = 0;
    qint64 m_buffered = 0;
    bool m_parked = false;
    bool m_pumpRequested = false;
    bool m_finished = false;
    HttpFailure m_failure;
};

} // namespace repodeck::core::http
