#include "sync/TransferCallbacks.h"

#include "auth/CredentialBroker.h"
#include "net/http/CertificatePins.h"

#include <QCryptographicHash>

namespace repodeck::core {

namespace {
constexpr auto kMinInterval = std::chrono::milliseconds(100);
}

TransferCallbacks::TransferCallbacks(AttemptContext *attempt, ProgressSink sink)
    : TransferCallbacks(attempt, std::move(sink), [] { return std::chrono::steady_clock::now(); })
{
}

TransferCallbacks::TransferCallbacks(AttemptContext *attempt, ProgressSink sink,
                                     ProgressClock clock)
    : m_attempt(attempt)
    , m_sink(std::move(sink))
    , m_clock(std::move(clock))
{
}

void TransferCallbacks::install(git_remote_callbacks &callbacks)
{
    callbacks.transfer_progress = &TransferCallbacks::onTransfer;
    callbacks.sideband_progress = &TransferCallbacks::onSideband;
    callbacks.update_tips = &TransferCallbacks::onUpdateTips;
    callbacks.credentials = &TransferCallbacks::onCredentials;
    callbacks.certificate_check = &TransferCallbacks::onCertificate;
    callbacks.payload = this;
}

int TransferCallbacks::onCertificate(git_cert *cert, int valid, const char *host, void *payload)
{
    if (valid || !cert || cert->cert_type != GIT_CERT_X509)
        return GIT_PASSTHROUGH;
    const auto *x509 = reinterpret_cast<const git_cert_x509 *>(cert);
    const QByteArray der(static_cast<const char *>(x509->data), static_cast<qsizetype>(x509->len));
    if (http::isCertificatePinned(QString::fromUtf8(host),
                                  QCryptographicHash::hash(der, QCryptographicHash::Sha256)))
        return 0; // a person accepted exactly this certificate for this host
    if (auto *self = static_cast<TransferCallbacks *>(payload); self && self->m_attempt)
        self->m_attempt->setPeerCertificate(der);
    return GIT_PASSTHROUGH; // verification failed: libgit2 fails the connection
}

void TransferCallbacks::installCheckout(git_checkout_options &checkout)
{
    checkout.progress_cb = &TransferCallbacks::onCheckout;
    checkout.progress_payload = this;
}

bool TransferCallbacks::shouldStop()
{
    return m_attempt && m_attempt->checkInterrupted() != StreamFault::None;
}

void TransferCallbacks::report(const TransferProgress &given, bool force)
{
    TransferProgress progress = given;
    progress.step = m_step;
    progress.steps = m_steps;
    progress.keptBytes = m_keptBytes;
    m_last = progress;
    const auto now = m_clock();
    if (force || !m_emittedAny || now - m_lastEmit >= kMinInterval) {
        m_emittedAny = true;
        m_pending = false;
        m_lastEmit = now;
        if (m_sink)
            m_sink(progress);
    } else {
        m_pending = true;
    }
}

void TransferCallbacks::setStep(int step, int steps, quint64 keptBytes)
{
    m_step = step;
    m_steps = steps;
    m_keptBytes = keptBytes;
}

void TransferCallbacks::finish()
{
    if (m_pending && m_sink)
        m_sink(m_last);
    m_pending = false;
}

int TransferCallbacks::onTransfer(const git_indexer_progress *stats, void *payload)
{
    auto *self = static_cast<TransferCallbacks *>(payload);
    if (self->shouldStop())
        return -1;
    TransferProgress p;
    p.receivedObjects = stats->received_objects;
    p.totalObjects = stats->total_objects;
    p.indexedObjects = stats->indexed_objects;
    p.indexedDeltas = stats->indexed_deltas;
    p.totalDeltas = stats->total_deltas;
    p.receivedBytes = stats->received_bytes;
    p.phase = (stats->total_objects > 0 && stats->received_objects == stats->total_objects)
                  ? Phase::Resolving
                  : Phase::Receiving;
    const bool last = stats->total_objects > 0 && stats->indexed_objects == stats->total_objects
                      && stats->indexed_deltas == stats->total_deltas;
    self->report(p, last);
    return 0;
}

int TransferCallbacks::onSideband(const char *, int, void *payload)
{
    // Server chatter ("Counting objects") is not shown, but it is a chance
    // to notice a cancel while the server prepares the pack.
    return static_cast<TransferCallbacks *>(payload)->shouldStop() ? -1 : 0;
}

int TransferCallbacks::onUpdateTips(const char *, const git_oid *, const git_oid *, void *payload)
{
    auto *self = static_cast<TransferCallbacks *>(payload);
    ++self->m_updatedRefs;
    // Writing refs is part of the attempt (found in review: 500,000
    // advertised refs kept a sync writing ref files 18 times past its
    // attempt timeout): cancel and the attempt's limits reach it too.
    return self->shouldStop() ? -1 : 0;
}

int TransferCallbacks::onCredentials(git_credential **out, const char *url, const char *user,
                                     unsigned int types, void *payload)
{
    auto *self = static_cast<TransferCallbacks *>(payload);
    if (self->shouldStop())
        return -1;
    if (!self->m_broker) {
        git_error_set_str(GIT_ERROR_HTTP,
                          "remote authentication required and no credential source is available");
        return GIT_EAUTH;
    }
    return self->m_broker->acquire(out, url, user, types);
}

void TransferCallbacks::onCheckout(const char *, size_t done, size_t total, void *payload)
{
    auto *self = static_cast<TransferCallbacks *>(payload);
    TransferProgress p = self->m_last;
    p.phase = Phase::CheckingOut;
    self->report(p, done == total);
    (void)total;
}

} // namespace repodeck::core
