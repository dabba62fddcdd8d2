#include "sync/CheckpointedFetch.h"

#include "git/GitHandles.h"
#include "retry/FailureCapture.h"

#include <QSet>

#include <memory>

namespace repodeck::core {

// The end of a checkpointed fetch: the ordinary fetch that brings the refs
// once the steps brought the history, and the removal of the steps' refs.
QList<QByteArray> CheckpointedFetch::finalRefspecs(const QList<CheckpointUnit> &skipped) const
{
    QList<QByteArray> specs = m_finalSpecs;
    if (specs.isEmpty())
        specs << QByteArrayLiteral("+refs/heads/*:refs/remotes/origin/*");
    if (skipped.isEmpty())
        return specs;
    QSet<QByteArray> excluded;
    for (const CheckpointUnit &u : skipped)
        for (const QByteArray &n : u.names)
            excluded.insert(n);
    QList<QByteArray> explicitSpecs;
    for (const QByteArray &spec : specs) {
        git_refspec *raw = nullptr;
        if (git_refspec_parse(&raw, spec.constData(), 1) < 0)
            continue;
        std::unique_ptr<git_refspec, void (*)(git_refspec *)> rs(raw, git_refspec_free);
        for (const QByteArray &name : m_advertised) {
            if (excluded.contains(name) || !git_refspec_src_matches(rs.get(), name.constData()))
                continue;
            git::Buf dst;
            if (git_refspec_transform(&dst.buf, rs.get(), name.constData()) < 0)
                continue;
            explicitSpecs << (git_refspec_force(rs.get()) ? QByteArray("+") : QByteArray()) + name
                                 + ':' + QByteArray(dst.buf.ptr, static_cast<int>(dst.buf.size));
        }
    }
    return explicitSpecs;
}

AttemptOutcome CheckpointedFetch::finalFetch(bool prune, bool allTags,
                                             const QList<CheckpointUnit> &skipped)
{
    m_totalSteps = m_stepsDone + 1;
    m_callbacks.setStep(m_totalSteps, m_totalSteps, m_kept);
    git_fetch_options opts;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    m_callbacks.install(opts.callbacks);
    m_proxy.apply(opts.proxy_opts);
    opts.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_PRUNE_UNSPECIFIED;
    // With refs left out, "all tags" would ask for them again: the explicit
    // refspecs already name every tag that is wanted.
    opts.download_tags = allTags && skipped.isEmpty() ? GIT_REMOTE_DOWNLOAD_TAGS_ALL
                                                      : GIT_REMOTE_DOWNLOAD_TAGS_AUTO;
    QList<QByteArray> specs = finalRefspecs(skipped);
    QList<char *> pointers;
    for (QByteArray &spec : specs)
        pointers << spec.data();
    git_strarray array{pointers.data(), static_cast<size_t>(pointers.size())};
    const int rc = git_remote_fetch(m_remote, &array, &opts, "repodeck: fetch");
    if (rc < 0) {
        SyncError e = captureFailure(rc, &m_attempt, m_host);
        e.hint = QStringLiteral("Checkpointed clone: %1; the next attempt continues from there. %2")
                     .arg(note(), e.hint);
        return AttemptOutcome::failed(e);
    }
    ++m_stepsDone;
    m_kept = packBytesOnDisk(m_repo);
    deleteStepRefs();
    if (const int cleared = CheckpointState::clear(m_repo); cleared < 0)
        return stateNotSaved(cleared);
    AttemptOutcome out;
    out.outcome = m_callbacks.updatedRefs() > 0 ? Outcome::Updated : Outcome::UpToDate;
    out.detail = hadSteps() ? QStringLiteral("Fetched in %1 checkpointed steps.").arg(m_stepsDone)
                            : QString();
    if (!m_leftOut.isEmpty())
        out.detail += QLatin1Char(' ') + m_leftOut;
    return out;
}

void CheckpointedFetch::deleteStepRefs()
{
    // This fetch's step refs, and those an earlier attempt left in another
    // steps' namespace; never a ref the server has (a mirror keeps the
    // server's own refs/repodeck-steps/* as they are).
    const QSet<QByteArray> advertised(m_advertised.cbegin(), m_advertised.cend());
    git_reference_iterator *rawIt = nullptr;
    if (git_reference_iterator_glob_new(&rawIt, m_repo, "refs/repodeck-steps*") < 0)
        return;
    QList<QByteArray> names;
    git_reference *ref = nullptr;
    while (git_reference_next(&ref, rawIt) == 0) {
        const QByteArray name(git_reference_name(ref));
        git_reference_free(ref);
        if (name.startsWith(m_stepPrefix)
            || (checkpoint::isStepNamespace(name) && !advertised.contains(name)))
            names << name;
    }
    git_reference_iterator_free(rawIt);
    for (const QByteArray &n : names)
        git_reference_remove(m_repo, n.constData());
}

} // namespace repodeck::core
