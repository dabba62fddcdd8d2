#include "sync/CheckpointedFetch.h"

#include "retry/FailureCapture.h"

#include <QDir>
#include <QFile>
#include <QSet>

#include <spdlog/spdlog.h>

namespace repodeck::core {

using checkpoint::countText;
using checkpoint::kCutEvidenceBytes;
using checkpoint::sizeText;

// How a checkpointed fetch step fails: a unit too big for the link, the
// state that could not be saved, a failed step and what it leaves out.
AttemptOutcome CheckpointedFetch::tooBigFailure(const CheckpointUnit &unit,
                                                const CheckpointState::TooBig &t) const
{
    SyncError e;
    e.category = ErrorCategory::Network;
    e.transient = false;
    e.message = QStringLiteral(
                    "%1 cannot come through this link: it needs %2 objects in one piece (git cannot "
                    "resume a pack, and there is no tag or branch inside that history to stop at), "
                    "and the link dropped the connection after %3 (%4).")
                    .arg(QString::fromUtf8(unit.names.first()), countText(t.objects),
                         sizeText(t.carried), note());
    e.hint = QStringLiteral(
        "Clone it over a steadier link, or bring a bundle of it another way; what arrived "
        "is kept and the next sync continues from there.");
    return AttemptOutcome::failed(e);
}

AttemptOutcome CheckpointedFetch::stateNotSaved(int rc) const
{
    // Read at once: libgit2's last error is per thread and the next call
    // may replace it.
    const git_error *err = git_error_last();
    const QString why = err && err->message ? QString::fromUtf8(err->message)
                                            : QStringLiteral("error %1").arg(rc);
    git_error_clear();
    const QString where = QDir::cleanPath(QFile::decodeName(git_repository_path(m_repo)));
    SyncError e = SyncError::local(
        QStringLiteral(
            "Checkpoint state not saved in %1 (%2): %3. Without it every attempt starts its planning "
            "again and may never get through.")
            .arg(where, note(), why),
        QStringLiteral(
            "Make %1/config writable (a leftover config.lock, a full disk or its permissions), "
            "then sync again; what arrived so far is kept.")
            .arg(where));
    return AttemptOutcome::failed(e);
}

void CheckpointedFetch::setLeftOut(const QStringList &leftOut)
{
    m_leftOut = leftOut.isEmpty()
                    ? QString()
                    : QStringLiteral(
                          "Left out, as no step small enough for this link can bring them: %1. Fetch "
                          "them later over a steadier link.")
                          .arg(leftOut.join(QStringLiteral("; ")));
}

AttemptOutcome CheckpointedFetch::behindTooBigFailure(const CheckpointUnit &unit,
                                                      const CheckpointUnit &tooBig,
                                                      const CheckpointState::TooBig &t) const
{
    SyncError e;
    e.category = ErrorCategory::Network;
    e.transient = false;
    e.message = QStringLiteral(
                    "%1 cannot come through this link: it needs nearly all of the history that %2 "
                    "needs, %3 objects in one piece (git cannot resume a pack, and no tag or branch on the server stops "
                    "inside that history), and the link dropped the connection after %4 (%5).")
                    .arg(QString::fromUtf8(unit.names.first()),
                         QString::fromUtf8(tooBig.names.first()), countText(t.objects),
                         sizeText(t.carried), note());
    e.hint = QStringLiteral(
        "Clone it over a steadier link, or bring a bundle of it another way; what arrived "
        "is kept and the next sync continues from there.");
    return AttemptOutcome::failed(e);
}

AttemptOutcome CheckpointedFetch::stepFailed(int rc, const QList<CheckpointUnit> &units,
                                             const StepStats &stats, bool last)
{
    SyncError e = captureFailure(rc, &m_attempt, m_host);
    const bool cut = e.transient && stats.totalObjects > 0
                     && stats.receivedBytes >= kCutEvidenceBytes;
    if (cut) {
        // The link carried stats.receivedBytes of a step of stats.totalObjects:
        // each object costs at least that share, and the next step must be
        // smaller than this one.
        m_state.linkBytes = std::max(m_state.linkBytes, stats.receivedBytes);
        m_state.bytesPerObject = std::max(m_state.bytesPerObject,
                                          stats.receivedBytes * 5 / 4 / stats.totalObjects);
        m_state.maxObjects = std::max<qint64>(1, stats.totalObjects / 2);
        spdlog::info(
            "checkpoint step to {} cut after {} ({} of {} objects); next steps at most {} objects",
            checkpoint::unitNames(units).toStdString(), sizeText(stats.receivedBytes).toStdString(),
            stats.receivedObjects, stats.totalObjects, m_state.stepObjects());
        const CheckpointUnit &u = units.first();
        if (units.size() == 1 && u.deferrals > 0 && stats.receivedBytes * 2 >= m_state.linkBytes) {
            const CheckpointState::TooBig *before = m_state.findTooBig(u.peeled);
            const bool wasTentative = before && before->tentative;
            m_state.tooBig.erase(std::remove_if(
                                     m_state.tooBig.begin(), m_state.tooBig.end(),
                                     [&](const CheckpointState::TooBig &t) {
                return t.oidHex == checkpoint::oidHex(u.peeled).toLatin1();
                                     }),
                                 m_state.tooBig.end());
            CheckpointState::TooBig t;
            t.oidHex = checkpoint::oidHex(u.peeled).toLatin1();
            t.objects = stats.totalObjects;
            t.carried = stats.receivedBytes;
            t.when = QDateTime::currentSecsSinceEpoch();
            t.tentative = !last && !wasTentative;
            m_state.tooBig << t;
            if (t.tentative) {
                if (const int saved = m_state.save(m_repo); saved < 0)
                    return stateNotSaved(saved);
                e.hint = QStringLiteral(
                             "Checkpointed clone: %1; %2 alone did not come through, the next attempt "
                             "tries the other refs first. %3")
                             .arg(note(), QString::fromUtf8(u.names.first()), e.hint);
                return AttemptOutcome::failed(e);
            }
            m_state.maxObjects = 0; // nothing smaller exists: others need not shrink for it
            if (const int saved = m_state.save(m_repo); saved < 0)
                return stateNotSaved(saved);
            if (u.names.contains(m_defaultBranch) || u.names.contains(m_requiredRef))
                return tooBigFailure(u, t);
        }
        if (const int saved = m_state.save(m_repo); saved < 0)
            return stateNotSaved(saved);
    }
    e.hint = QStringLiteral("Checkpointed clone: %1; the next attempt continues from there%2. %3")
                 .arg(note(), cut ? QStringLiteral(" with smaller steps") : QString(), e.hint);
    return AttemptOutcome::failed(e);
}

} // namespace repodeck::core
