#include "sync/CheckpointedFetch.h"

#include "git/GitHandles.h"
#include "retry/FailureCapture.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSet>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace repodeck::core {

const char *CheckpointedFetch::kStepRefPrefix = "refs/repodeck-steps/";

namespace {
using checkpoint::countText;
using checkpoint::kCutEvidenceBytes;
using checkpoint::sizeText;

// The receive buffer of a request that may be hung up at its pack header.
constexpr int kLimitedStepReceiveBuffer = 256 * 1024;
// Units refused alone in a row before the smallest of them is fetched anyway.
constexpr int kMaxRefusedAlone = 8;
// Units in a row behind one too big for the link before the rest in that
// order are taken to be behind it too.
constexpr int kMaxBehindInARow = 4;
// Refs one step asks for by name. libgit2 1.5.1 matches every advertised
// ref against each refspec, when choosing the wants and again in
// update_tips: one refspec per unit made a step of 10,000 tags 10,000 x
// (every advertised ref) matches. A step covering more units asks for this
// many of them, spread over its range: in a line of history the last one
// brings the others' commits, and the units still missing stay for the
// next steps (their tag objects and refs come with the final fetch).
constexpr int kMaxWants = 64;
// A step that went this fast with no cut seen grows 8x, else 2x: 20,000
// tags in 6 steps instead of 15 (each connection is sent the whole ref list).
constexpr qint64 kFastStepMs = 5000;

// The step being fetched on this thread: libgit2's progress callbacks share
// one payload (TransferCallbacks), so the limit rides beside it.
struct StepGuard
{
    git_indexer_progress_cb inner = nullptr;
    qint64 limit = 0;
    CheckpointedFetch::StepStats *stats = nullptr;
};
thread_local StepGuard *t_guard = nullptr;

int guardedProgress(const git_indexer_progress *progress, void *payload)
{
    StepGuard *g = t_guard;
    const int rc = g && g->inner ? g->inner(progress, payload) : 0;
    if (!g)
        return rc;
    g->stats->totalObjects = progress->total_objects;
    g->stats->receivedObjects = progress->received_objects;
    g->stats->receivedBytes = static_cast<qint64>(progress->received_bytes);
    if (rc != 0)
        return rc;
    if (g->limit > 0 && qint64(progress->total_objects) > g->limit) {
        g->stats->overLimit = true;
        return GIT_EUSER;
    }
    return 0;
}

bool coversAllRefs(const QList<QByteArray> &specs)
{
    for (QByteArray s : specs) {
        if (s.startsWith('+'))
            s.remove(0, 1);
        if (s.startsWith("refs/*"))
            return true;
    }
    return false;
}
} // namespace

CheckpointedFetch::CheckpointedFetch(git_repository *repo, git_remote *remote,
                                     AttemptContext &attempt, TransferCallbacks &callbacks,
                                     QString host)
    : m_repo(repo)
    , m_remote(remote)
    , m_attempt(attempt)
    , m_callbacks(callbacks)
    , m_host(std::move(host))
    , m_proxy(repo, QByteArrayLiteral("origin"),
              QString::fromUtf8(git_remote_url(remote) ? git_remote_url(remote) : ""))
    , m_haves(repo, kStepRefPrefix)
{
}

void CheckpointedFetch::arrangeHaves()
{
    const CheckpointHaves::Result r = m_haves.arrange();
    spdlog::info(
        "checkpoint: the next request names {} tips to the server ({} refs, {} of them steps, {} step "
        "refs dropped, {} tips outside any other's history)",
        r.tipsNamed, r.refs - r.removed, r.stepRefs - r.removed, r.removed, r.tipsUncovered);
}

qint64 CheckpointedFetch::packBytesOnDisk(git_repository *repo)
{
    const QDir packs(
        QDir(QFile::decodeName(git_repository_path(repo))).filePath(QStringLiteral("objects/pack")));
    qint64 total = 0;
    for (const QFileInfo &f : packs.entryInfoList({QStringLiteral("pack-*.pack")}, QDir::Files))
        total += f.size();
    return total;
}

QString CheckpointedFetch::note() const
{
    return QStringLiteral("step %1 of %2, %3 kept")
        .arg(m_stepsDone)
        .arg(m_totalSteps)
        .arg(sizeText(m_kept));
}

int CheckpointedFetch::listUnits(QList<CheckpointUnit> *units, bool allRefs)
{
    git_remote_callbacks callbacks;
    git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
    m_callbacks.install(callbacks);
    git_proxy_options proxy;
    git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION);
    m_proxy.apply(proxy);
    int rc = git_remote_connect(m_remote, GIT_DIRECTION_FETCH, &callbacks, &proxy, nullptr);
    if (rc < 0)
        return rc;
    const git_remote_head **heads = nullptr;
    size_t count = 0;
    rc = git_remote_ls(&heads, &count, m_remote);
    if (rc < 0) {
        git_remote_disconnect(m_remote);
        return rc;
    }
    git::Buf branch;
    if (git_remote_default_branch(&branch.buf, m_remote) == 0)
        m_defaultBranch = QByteArray(branch.buf.ptr, static_cast<int>(branch.buf.size));
    m_advertised.clear();
    for (size_t i = 0; i < count; ++i)
        if (!QByteArray(heads[i]->name).endsWith("^{}"))
            m_advertised << QByteArray(heads[i]->name);
    // The server's own refs/repodeck-steps/* are refs like any other (a
    // mirror keeps them): the steps then go elsewhere.
    m_stepPrefix = checkpoint::stepPrefixFor(m_advertised);
    m_haves.setStepPrefix(m_stepPrefix);
    if (m_stepPrefix != kStepRefPrefix)
        spdlog::info("checkpoint: the server has refs under {}; the steps' refs go under {}",
                     kStepRefPrefix, m_stepPrefix.toStdString());
    git_odb *rawOdb = nullptr;
    git_repository_odb(&rawOdb, m_repo);
    std::unique_ptr<git_odb, void (*)(git_odb *)> odb(rawOdb, git_odb_free);
    int present = 0;
    *units = checkpoint::unitsFrom(heads, count, odb.get(), m_defaultBranch, allRefs, &present,
                                   m_stepPrefix);
    git_remote_disconnect(m_remote);
    return 0;
}

void CheckpointedFetch::dropPresent(QList<CheckpointUnit> *units) const
{
    git_odb *rawOdb = nullptr;
    if (git_repository_odb(&rawOdb, m_repo) < 0)
        return;
    std::unique_ptr<git_odb, void (*)(git_odb *)> odb(rawOdb, git_odb_free);
    // One refresh (a rescan of objects/pack), then lookups without one:
    // libgit2 rescans on every miss, once per unit still missing.
    git_odb_refresh(odb.get());
    units->erase(std::remove_if(
                     units->begin(), units->end(),
                     [&](const CheckpointUnit &u) {
        return git_odb_exists_ext(odb.get(), &u.peeled, GIT_ODB_LOOKUP_NO_REFRESH) == 1;
                     }),
                 units->end());
}

CheckpointedFetch::Step CheckpointedFetch::fetchStep(const QList<CheckpointUnit> &units,
                                                     qint64 limit, StepStats *stats, int *rc)
{
    QList<QByteArray> specs;
    for (const CheckpointUnit &u : units)
        specs << QByteArray("+") + u.names.first() + ':' + m_stepPrefix
                     + checkpoint::oidHex(u.peeled).toLatin1();
    QList<char *> pointers;
    for (QByteArray &s : specs)
        pointers << s.data();
    git_strarray array{pointers.data(), static_cast<size_t>(pointers.size())};

    git_fetch_options opts;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    m_callbacks.install(opts.callbacks);
    StepGuard guard{opts.callbacks.transfer_progress, limit, stats};
    opts.callbacks.transfer_progress = guardedProgress;
    m_proxy.apply(opts.proxy_opts);
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE; // auto-following would pull everything
    opts.update_fetchhead = 0;
    opts.prune = GIT_FETCH_NO_PRUNE;
    *stats = {};
    t_guard = &guard;
    // A request that may be hung up at its pack header: a small receive
    // window keeps what is in flight by then small (it is the link's
    // bytes). Large enough not to slow a step that goes on.
    m_attempt.setReceiveBufferHint(limit > 0 ? kLimitedStepReceiveBuffer : 0);
    *rc = git_remote_fetch(m_remote, &array, &opts, "repodeck: checkpoint step");
    m_attempt.setReceiveBufferHint(0);
    t_guard = nullptr;
    if (*rc == 0)
        return Step::Done;
    if (stats->overLimit && !m_attempt.isCancelled()) {
        git_error_clear();
        return Step::OverLimit;
    }
    return Step::Failed;
}

AttemptOutcome CheckpointedFetch::run(bool prune, bool allTags)
{
    if (!m_proxy.error().isEmpty())
        return AttemptOutcome::failed(http::proxyFailure(m_proxy));
    QList<CheckpointUnit> todo;
    int rc = listUnits(&todo, coversAllRefs(m_finalSpecs));
    if (rc < 0)
        return AttemptOutcome::failed(captureFailure(rc, &m_attempt, m_host));
    m_state = CheckpointState::load(m_repo);
    m_state.dropStale(QDateTime::currentSecsSinceEpoch());
    m_kept = packBytesOnDisk(m_repo);

    // Units an earlier attempt found too big for the link stay out.
    QList<CheckpointUnit> skipped;
    QStringList leftOut;
    QList<CheckpointUnit> triedAlone; // cut alone before: after everything else
    for (auto it = todo.begin(); it != todo.end();) {
        const CheckpointState::TooBig *t = m_state.findTooBig(it->peeled);
        if (t && t->tentative) {
            CheckpointUnit u = *it;
            u.deferrals = 1;
            u.objects = t->objects;
            triedAlone << u;
            it = todo.erase(it);
            continue;
        }
        if (t) {
            if (it->names.contains(m_defaultBranch) || it->names.contains(m_requiredRef))
                return tooBigFailure(*it, *t);
            leftOut << QStringLiteral("%1 (%2 objects in one piece; the link dropped after %3)")
                           .arg(QString::fromUtf8(it->names.join(", ")), countText(t->objects),
                                sizeText(t->carried));
            skipped << *it;
            it = todo.erase(it);
        } else {
            ++it;
        }
    }

    // What earlier attempts learnt orders the rest: units known to fit go
    // first, units known to be larger than a step last, and units at least
    // as large as one that alone did not come through wait with it (they
    // are likely behind it in history).
    checkpoint::orderByCounts(&todo, m_state, m_state.stepObjects());
    // Units cut alone by the link, smallest first: a unit whose history
    // contains one of them cannot be smaller (`behind` tells).
    struct CutAlone
    {
        CheckpointUnit unit;
        CheckpointState::TooBig record;
    };
    QList<CutAlone> cutAlone;
    for (const CheckpointUnit &u : skipped)
        if (const CheckpointState::TooBig *t = m_state.findTooBig(u.peeled))
            cutAlone << CutAlone{u, *t};
    for (const CheckpointUnit &u : triedAlone)
        if (const CheckpointState::TooBig *t = m_state.findTooBig(u.peeled))
            cutAlone << CutAlone{u, *t};
    std::stable_sort(cutAlone.begin(), cutAlone.end(), [](const CutAlone &a, const CutAlone &b) {
        return a.record.objects < b.record.objects;
    });
    if (!cutAlone.isEmpty()) {
        // A tag too big alone: the tags after it in name order are most
        // likely after it in history. Branches (maintenance lines) are
        // asked for first: their history may bring what it needs. With a
        // unit that can never come through, the branch the result needs
        // goes first of all: if it is behind that unit, nothing else helps.
        std::stable_partition(todo.begin(), todo.end(),
                              [](const CheckpointUnit &u) { return !u.isTag; });
        const bool final = std::any_of(cutAlone.begin(), cutAlone.end(),
                                       [](const CutAlone &c) { return !c.record.tentative; });
        if (final)
            std::stable_partition(todo.begin(), todo.end(), [&](const CheckpointUnit &u) {
                return u.names.contains(m_defaultBranch) || u.names.contains(m_requiredRef);
            });
    }
    bool retryingCutAlone = false; // the units cut alone before are being asked for again

    // Whether `b` (announced alone as b.objects) needs nearly everything
    // `a` (announced alone as `aObjects`) needs: the two asked for together
    // announce at most a tenth of `a` more than `b` alone. (Lines of
    // history that share a stretch, such as maintenance branches forked
    // after it, each need it without containing each other.) -1 when the
    // request failed (rc set).
    auto behind = [&](const CheckpointUnit &b, const CheckpointUnit &a, qint64 aObjects,
                      StepStats *stats, int *rc2) {
        const Step r = fetchStep({a, b}, 1, stats, rc2);
        if (r == Step::Failed)
            return -1;
        return r == Step::OverLimit && stats->totalObjects <= b.objects + aObjects / 10 ? 1 : 0;
    };

    QList<CheckpointUnit> deferred;
    int refusedAlone = 0;            // units refused alone since the last completed step
    int behindInARow = 0;            // units in a row found behind a unit too big for the link
    bool reversed = false;           // the tags were asked for from the other end
    qint64 lastBehindTagObjects = 0; // the last tag found waiting behind one too big
    auto reverseTags = [&] {
        reversed = true;
        // Tags only: the branches stay behind them.
        const auto tagsEnd = std::stable_partition(todo.begin(), todo.end(),
                                                   [](const CheckpointUnit &u) { return u.isTag; });
        std::reverse(todo.begin(), tagsEnd);
        spdlog::info("checkpoint: history runs against the names here; asking from the other end");
    };
    int k = 0;                   // units in the last completed step
    qint64 lastObjects = 0;      // objects it brought
    qint64 lastMs = 0;           // how long it took
    qint64 lastAloneObjects = 0; // the last unit refused alone since then
    int n = 0;                   // units in the next request (0: choose)
    int requests = 0;
    int arranged = -1; // steps done when the refs were last arranged for the negotiation
    const int maxRequests = 8 * static_cast<int>(todo.size()) + 32;
    while (true) {
        dropPresent(&todo);
        if (todo.isEmpty()) {
            dropPresent(&deferred);
            if (deferred.isEmpty()) {
                dropPresent(&triedAlone);
                deferred = triedAlone;
                triedAlone.clear();
                retryingCutAlone = true; // their turn now
            }
            if (deferred.isEmpty())
                break;
            // What was too big alone, smallest first: that is history order.
            // A count from before the last completed step may have shrunk
            // since: such units are asked for again with the limit, and may
            // share a step.
            std::stable_sort(deferred.begin(), deferred.end(),
                             [](const CheckpointUnit &a, const CheckpointUnit &b) {
                return quint64(a.objects) < quint64(b.objects); // never asked alone (-1): last
            });
            bool stale = false;
            for (CheckpointUnit &u : deferred) {
                if (u.measuredAt != m_stepsDone) {
                    u.deferrals = 0;
                    stale = true;
                }
            }
            todo = deferred;
            deferred.clear();
            refusedAlone = 0;
            n = stale ? 0 : 1;
        }
        const qint64 limit = m_state.stepObjects();
        const int size = static_cast<int>(todo.size());
        if (n <= 0 || n > size) {
            const int growth = limit == 0 && lastMs < kFastStepMs ? 8 : 2;
            n = k > 0 ? int(std::min<qint64>(size, qint64(growth) * k)) : (limit == 0 ? 1 : size);
            // Regular histories: as many units as the last step's objects
            // per unit say fit, rather than doubling into a refused request.
            if (k > 0 && limit > 0 && lastObjects > 0)
                n = int(checkpoint::unitsThatFit(limit, k, lastObjects, n));
        }
        if (++requests > maxRequests)
            return AttemptOutcome::failed(SyncError::local(
                QStringLiteral("Checkpointed fetch could not plan its steps (%1).").arg(note()),
                QStringLiteral("Sync again; if this repeats, report it with the log.")));
        if (arranged != m_stepsDone) {
            arrangeHaves();
            arranged = m_stepsDone;
        }
        const QList<int> wanted = checkpoint::spreadWants(n, kMaxWants);
        QList<CheckpointUnit> step;
        for (int i : wanted)
            step << todo.at(i);
        // A unit already put back once goes alone without a limit: it is
        // the smallest step left.
        const qint64 useLimit = n == 1 && step.first().deferrals > 0 ? 0 : limit;
        m_totalSteps = m_stepsDone + (size + int(deferred.size()) + n - 1) / n + 1;
        m_callbacks.setStep(m_stepsDone + 1, m_totalSteps, m_kept);
        StepStats stats;
        QElapsedTimer stepTime;
        stepTime.start();
        const Step result = fetchStep(step, useLimit, &stats, &rc);
        if (result == Step::Failed) {
            const bool last = n == 1 && todo.size() == 1 && deferred.isEmpty()
                              && triedAlone.isEmpty();
            if (last)
                todo.first().deferrals = std::max(
                    1, todo.first().deferrals); // nothing smaller is left
            return stepFailed(rc, n == 1 ? todo.mid(0, 1) : step, stats, last);
        }
        if (result == Step::OverLimit) {
            spdlog::info(
                "checkpoint: {} would be {} objects, more than a step ({}); asking for less",
                checkpoint::unitNames(step).toStdString(), stats.totalObjects, useLimit);
            if (n > 1) {
                const double scale = 0.8 * double(useLimit)
                                     / double(std::max<qint64>(1, stats.totalObjects));
                n = std::clamp(static_cast<int>(n * scale), 1, n - 1);
                continue;
            }
            // One unit over the step size: a step may still be as large as
            // the link carries. Beyond that, put it back behind the others
            // (which may be inside its history and make it smaller).
            CheckpointUnit unit = todo.takeFirst();
            unit.objects = stats.totalObjects;
            unit.measuredAt = m_stepsDone;
            ++unit.deferrals;
            m_state.setCount(unit.peeled, unit.objects);
            if (const int saved = m_state.save(m_repo); saved < 0)
                return stateNotSaved(saved);
            const qint64 estimate = checkpoint::saturatingMul(stats.totalObjects,
                                                              m_state.bytesPerObjectOrDefault());
            // (With no object measured yet the estimate means nothing: the
            // others go first.)
            if (todo.isEmpty()
                || (m_state.bytesPerObject > 0 && estimate <= m_state.linkBytes * 9 / 10)) {
                todo.prepend(unit); // alone, next time without a limit
                n = 1;
                continue;
            }
            // The next unit alone tells which way history runs: fewer objects
            // than this one, and it runs against the names (the rest is
            // asked for from the other end); as many or more, and the units
            // after it are larger still, so probing them is waste: the
            // smallest put back goes now, alone.
            const qint64 previous = lastAloneObjects;
            lastAloneObjects = stats.totalObjects;
            n = 1;
            // Behind a unit that alone did not come through? Then it cannot
            // be smaller: it waits with that unit, or, if that one can never
            // come through, is left out with it (two requests that each
            // stop at the pack header, instead of a cut connection).
            bool waits = false;
            int tested = 0;
            for (const CutAlone &c : cutAlone) {
                if (tested == 2 || c.record.objects * 9 / 10 > unit.objects)
                    break;
                if (retryingCutAlone && c.record.tentative)
                    continue;
                if (!m_advertised.contains(c.unit.names.first())
                    || c.unit.names.first() == unit.names.first())
                    continue;
                ++tested;
                StepStats probe;
                const int isBehind = behind(unit, c.unit, c.record.objects, &probe, &rc);
                if (isBehind < 0)
                    return stepFailed(rc, {unit}, probe, false);
                if (isBehind == 0)
                    continue;
                if (c.record.tentative) {
                    spdlog::info(
                        "checkpoint: {} needs nearly all that {} needs, which did not come through "
                        "alone; it waits with it",
                        unit.names.first().toStdString(), c.unit.names.first().toStdString());
                    triedAlone << unit;
                    waits = true;
                    break;
                }
                CheckpointState::TooBig t = c.record;
                t.oidHex = checkpoint::oidHex(unit.peeled).toLatin1();
                t.objects = unit.objects;
                t.when = QDateTime::currentSecsSinceEpoch();
                m_state.tooBig << t;
                if (const int saved = m_state.save(m_repo); saved < 0)
                    return stateNotSaved(saved);
                if (unit.names.contains(m_defaultBranch) || unit.names.contains(m_requiredRef))
                    return behindTooBigFailure(unit, c.unit, c.record);
                leftOut << QStringLiteral(
                               "%1 (needs nearly all that %2 needs: %3 objects in one piece; the link "
                               "dropped after %4)")
                               .arg(QString::fromUtf8(unit.names.join(", ")),
                                    QString::fromUtf8(c.unit.names.first()),
                                    countText(c.record.objects), sizeText(c.record.carried));
                skipped << unit;
                waits = true;
                break;
            }
            if (waits) {
                // Tags behind it that need less and less: history runs
                // against the names, and the tags at the other end are
                // the small ones (a first cut that came early can leave
                // the newest tag cut alone before the order is known).
                const qint64 previousBehind = lastBehindTagObjects;
                if (unit.isTag)
                    lastBehindTagObjects = unit.objects;
                if (unit.isTag && previousBehind > 0 && unit.objects < previousBehind
                    && !reversed) {
                    reverseTags();
                    behindInARow = 0;
                    continue;
                }
                if (++behindInARow >= kMaxBehindInARow && !retryingCutAlone) {
                    spdlog::info(
                        "checkpoint: {} units in a row are behind one too big for the link; the {} after "
                        "them wait with it",
                        behindInARow, todo.size());
                    triedAlone += todo;
                    todo.clear();
                }
                continue;
            }
            behindInARow = 0;
            deferred << unit;
            // Each refused request costs a connection and the server's
            // counting: after a few, the smallest seen goes now, alone.
            if (++refusedAlone >= kMaxRefusedAlone) {
                std::stable_sort(deferred.begin(), deferred.end(),
                                 [](const CheckpointUnit &a, const CheckpointUnit &b) {
                    return a.objects < b.objects;
                });
                todo.prepend(deferred.takeFirst());
                refusedAlone = 0;
                lastAloneObjects = 0;
                spdlog::info(
                    "checkpoint: {} units refused alone in a row; {} ({} objects) goes alone",
                    kMaxRefusedAlone, todo.first().names.first().toStdString(),
                    todo.first().objects);
                continue;
            }
            if (previous > 0 && stats.totalObjects < previous && !reversed) {
                reverseTags();
            } else if (previous > 0) {
                std::stable_sort(deferred.begin(), deferred.end(),
                                 [](const CheckpointUnit &a, const CheckpointUnit &b) {
                    return a.objects < b.objects;
                });
                todo.prepend(deferred.takeFirst());
                lastAloneObjects = 0;
                refusedAlone = 0;
            }
            continue;
        }
        // Done: learn what an object costs here, and grow the next step.
        if (stats.totalObjects >= 50
            || stats.receivedBytes >= kCutEvidenceBytes) { // enough to measure
            const qint64 perObject = stats.receivedBytes / stats.totalObjects;
            m_state.bytesPerObject = m_state.bytesPerObject > 0
                                         ? std::max(perObject,
                                                    (m_state.bytesPerObject + perObject) / 2)
                                         : perObject;
        }
        if (m_state.linkBytes > 0)
            m_state.linkBytes = std::max(m_state.linkBytes, stats.receivedBytes);
        m_state.maxObjects = 0;
        for (const CheckpointUnit &u : step)
            m_state.setCount(u.peeled, 0); // here now
        if (const int saved = m_state.save(m_repo); saved < 0)
            return stateNotSaved(saved);
        for (auto i = wanted.crbegin(); i != wanted.crend(); ++i)
            todo.removeAt(*i); // the others in the range: dropped as present, or in a later step
        lastMs = stepTime.elapsed();
        refusedAlone = 0;
        behindInARow = 0;
        lastBehindTagObjects = 0;
        k = n;
        lastObjects = stats.totalObjects;
        lastAloneObjects = 0;
        n = 0;
        ++m_stepsDone;
        m_kept = packBytesOnDisk(m_repo);
        spdlog::info("checkpoint {} ({}) done: {} objects, {}; {}", m_stepsDone,
                     checkpoint::unitNames(step).toStdString(), stats.totalObjects,
                     sizeText(stats.receivedBytes).toStdString(), note().toStdString());
    }
    if (arranged != m_stepsDone)
        arrangeHaves();
    setLeftOut(leftOut);
    return finalFetch(prune, allTags, skipped);
}

} // namespace repodeck::core
