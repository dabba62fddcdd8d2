#pragma once

#include "retry/AttemptContext.h"
#include "sync/SyncTypes.h"

#include <chrono>
#include <functional>

#include <git2.h>

namespace repodeck::core {

class CredentialBroker;

using ProgressSink = std::function<void(const TransferProgress &)>;
// The time the progress throttle goes by; tests drive their own.
using ProgressClock = std::function<std::chrono::steady_clock::time_point()>;

// libgit2 callbacks of one attempt: they stop the transfer when the attempt
// is cancelled or out of time (callbacks only run when bytes arrive; the
// stream handles silence), count updated refs, and throttle progress at the
// source: the first report, then at most one per 100 ms, then the last.
class TransferCallbacks
{
public:
    TransferCallbacks(AttemptContext *attempt, ProgressSink sink);
    // The same with the throttle's clock given (default: the steady clock).
    TransferCallbacks(AttemptContext *attempt, ProgressSink sink, ProgressClock clock);

    void install(git_remote_callbacks &callbacks);
    void installCheckout(git_checkout_options &checkout);
    void report(const TransferProgress &progress, bool force);
    void finish(); // emits the last progress if it was throttled
    // A checkout of our own is under way (last: it finished).
    void checkoutProgress(bool last) { onCheckout(nullptr, last ? 1 : 0, 1, this); }
    // The same, for checkouts that can stop: true when the attempt is out
    // of time or cancelled.
    bool checkoutShouldStop()
    {
        checkoutProgress(false);
        return shouldStop();
    }
    // Checkpointed fetches: carried on every progress report from now on.
    void setStep(int step, int steps, quint64 keptBytes);
    // Answers the server's requests for credentials (HTTP 401); not owned.
    void setCredentialBroker(CredentialBroker *broker) { m_broker = broker; }

    int updatedRefs() const { return m_updatedRefs; }
    qint64 receivedBytes() const { return static_cast<qint64>(m_last.receivedBytes); }

private:
    static int onTransfer(const git_indexer_progress *stats, void *payload);
    static int onSideband(const char *text, int len, void *payload);
    static int onUpdateTips(const char *ref, const git_oid *a, const git_oid *b, void *payload);
    static void onCheckout(const char *path, size_t done, size_t total, void *payload);
    static int onCertificate(git_cert *cert, int valid, const char *host, void *payload);
    static int onCredentials(git_credential **out, const char *url, const char *user,
                             unsigned int types, void *payload);
    bool shouldStop();

    AttemptContext *m_attempt;
    ProgressSink m_sink;
    ProgressClock m_clock;
    std::chrono::steady_clock::time_point m_lastEmit{};
    bool m_emittedAny = false;
    bool m_pending = false;
    TransferProgress m_last;
    int m_updatedRefs = 0;
    CredentialBroker *m_broker = nullptr;
    int m_step = 0;
    int m_steps = 0;
    quint64 m_keptBytes = 0;
};

} // namespace repodeck::core
