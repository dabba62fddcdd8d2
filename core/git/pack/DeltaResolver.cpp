#include "git/pack/DeltaResolver.h"

#include "git/pack/ObjectBuilder.h"

#include <QThread>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>

namespace repodeck::core::git::pack {

namespace {

// What every worker of one run shares (read-only but for the claims).
// Children are found by binary search in sorted arrays (4 bytes a delta),
// not kept in a container per object: packs hold millions of objects.
struct RunState
{
    std::vector<quint32> ofsKids; // unresolved offset deltas, by base index (then pack order)
    std::vector<quint32> refKids; // unresolved REF_DELTAs, by base id (then pack order)
    std::vector<quint32>
        weight; // entries in the subtree (offset deltas only): visit light first; empty: no offset deltas
    std::unique_ptr<std::atomic<bool>[]> claimed;
    const std::vector<quint32> *roots = nullptr;
    std::atomic<size_t> nextRoot{0};
};

int compareIds(const unsigned char *a, const unsigned char *b)
{
    return std::memcmp(a, b, GIT_OID_RAWSZ);
}

} // namespace

// One thread's depth-first walk. A frame's bytes are kept while it has
// children to visit; the lightest children go first, so the one visited
// last (then its parent is let go first) is the heaviest and few frames
// are ever kept at once. Over the memory budget the lowest kept frames are
// dropped and rebuilt from their ancestors when they are needed again.
// Objects over the stream threshold never are in memory whole: they are
// built piece by piece into their hash and, when kept, a spill file (with
// a disk budget of its own, enforced the same way).
class DeltaResolver::Worker
{
public:
    Worker(DeltaResolver &r, RunState &s, quint64 budget)
        : m_r(r)
        , m_s(s)
        , m_budget(budget)
        , m_builder(r.m_pack, r.m_packSize, r.m_entries, r.m_options, r.m_stop, r.m_work,
                    r.m_streamed)
    {
    }

    void run()
    {
        while (!m_r.m_stop) {
            const size_t i = m_s.nextRoot++;
            if (i >= m_s.roots->size())
                break;
            resolveTree((*m_s.roots)[i]);
            releaseAll();
        }
        releaseAll();
    }

private:
    struct Frame
    {
        quint32 entry;
        StoredObject data;
        bool held = false;
        std::vector<quint32> children;
        size_t next = 0;
    };

    const PackEntry &entry(quint32 i) const { return m_r.m_entries[i]; }

    std::pair<const quint32 *, const quint32 *> ofsChildren(quint32 i) const
    {
        const auto &kids = m_s.ofsKids;
        const PackTable &t = m_r.m_entries;
        const auto *lo = std::lower_bound(kids.data(), kids.data() + kids.size(), i,
                                          [&](quint32 k, quint32 base) {
            return t[k].base < base;
        });
        const auto *hi = std::upper_bound(lo, kids.data() + kids.size(), i,
                                          [&](quint32 base, quint32 k) {
            return base < t[k].base;
        });
        return {lo, hi};
    }
    std::pair<const quint32 *, const quint32 *> refChildren(const git_oid &id) const
    {
        const auto &kids = m_s.refKids;
        const auto *lo = std::lower_bound(kids.data(), kids.data() + kids.size(), id.id,
                                          [&](quint32 k, const unsigned char *v) {
            return compareIds(m_r.refBase(k), v) < 0;
        });
        const auto *hi = std::upper_bound(lo, kids.data() + kids.size(), id.id,
                                          [&](const unsigned char *v, quint32 k) {
            return compareIds(v, m_r.refBase(k)) < 0;
        });
        return {lo, hi};
    }

    // Whether a result may be the base of other deltas (a REF_DELTA's base
    // is only known by id, after hashing: any REF_DELTA counts).
    bool mayHaveChildren(quint32 i) const
    {
        const auto ofs = ofsChildren(i);
        return ofs.first != ofs.second || !m_s.refKids.empty();
    }

    // Object `i` built by this worker's builder; its failure becomes the run's.
    bool build(quint32 i, const StoredObject *base, git_object_t type, bool keep, git_oid *oid,
               StoredObject &out)
    {
        if (m_builder.build(i, base, type, keep, oid, out))
            return true;
        // Over the process's spill budget: this worker's own spilled bases
        // (but the one being built on) are let go, then it tries once more.
        if (m_builder.failure().isIo && m_builder.failure().io.budget > 0 && dropSpilled(base)
            && m_builder.build(i, base, type, keep, oid, out))
            return true;
        const BuildFailure &f = m_builder.failure();
        if (f.isIo)
            m_r.failWithIo(f.io);
        else if (!f.message.isEmpty())
            m_r.failWith(f.message); // empty: stopped, whoever stopped it said why
        return false;
    }

    bool resolved(quint32 i, const git_oid &oid, quint8 type, qint64 parent)
    {
        PackEntry &e = m_r.m_entries[i];
        m_r.m_entries.oid(i) = oid;
        e.objectType = type;
        if (parent >= 0)
            e.base = static_cast<quint32>(parent);
        if (parent >= 0 && git_oid_equal(&oid, &m_r.m_entries.oid(static_cast<size_t>(parent)))) {
            // A delta that rebuilds its own base (what loops libgit2 1.5.1).
            m_r.failWith(
                QStringLiteral("corrupt pack: the delta at offset %1 rebuilds its own base %2")
                    .arg(e.offset)
                    .arg(QString::fromLatin1(git_oid_tostr_s(&oid))));
            return false;
        }
        e.resolved = true;
        ++m_r.m_indexed;
        return true;
    }

    std::vector<quint32> childrenOf(quint32 i) const
    {
        std::vector<quint32> out;
        const auto ofs = ofsChildren(i);
        for (const quint32 *c = ofs.first; c != ofs.second; ++c)
            if (!m_s.claimed[*c])
                out.push_back(*c);
        if (!m_s.refKids.empty()) {
            const auto ref = refChildren(m_r.m_entries.oid(i));
            for (const quint32 *c = ref.first; c != ref.second; ++c)
                if (!m_s.claimed[*c])
                    out.push_back(*c);
        }
        if (!m_s.weight.empty())
            std::stable_sort(out.begin(), out.end(),
                             [&](quint32 a, quint32 b) { return m_s.weight[a] < m_s.weight[b]; });
        return out;
    }

    void hold(Frame &f)
    {
        f.held = true;
        if (f.data.spilled())
            m_r.noteSpilled(static_cast<qint64>(f.data.size));
        else
            m_r.noteHeld(static_cast<qint64>(f.data.bytes.size()));
    }
    void release(Frame &f)
    {
        if (f.held) {
            if (f.data.spilled())
                m_r.noteSpilled(-static_cast<qint64>(f.data.size));
            else
                m_r.noteHeld(-static_cast<qint64>(f.data.bytes.size()));
        }
        f.held = false;
        f.data.clear();
    }
    void releaseAll()
    {
        for (Frame &f : m_stack)
            release(f);
        m_stack.clear();
    }

    bool dropSpilled(const StoredObject *keep)
    {
        bool dropped = false;
        for (Frame &f : m_stack) {
            if (f.held && f.data.spilled() && &f.data != keep) {
                release(f);
                ++m_r.m_rebuilt;
                dropped = true;
            }
        }
        return dropped;
    }

    // Over budget: drop the lowest kept frames of this worker (never the
    // top one), in memory or on disk, whichever budget is exceeded.
    void enforceBudget()
    {
        for (size_t i = 0; i + 1 < m_stack.size(); ++i) {
            Frame &f = m_stack[i];
            const bool over = f.data.spilled() ? m_r.m_spilled > m_r.m_options.diskBudget
                                               : m_r.m_held > m_budget;
            if (f.held && over) {
                release(f);
                ++m_r.m_rebuilt;
            }
        }
    }

    // Rebuilds the bytes of a dropped frame from the nearest kept ancestor
    // (or by inflating the whole object at the root of its tree).
    bool restore(size_t k)
    {
        std::vector<quint32> chain{m_stack[k].entry};
        qint64 at = entry(m_stack[k].entry).parent();
        ptrdiff_t j = static_cast<ptrdiff_t>(k) - 1;
        const StoredObject *base = nullptr;
        while (at >= 0) {
            ptrdiff_t s = j;
            while (s >= 0 && m_stack[static_cast<size_t>(s)].entry != at)
                --s;
            if (s >= 0) {
                if (m_stack[static_cast<size_t>(s)].held) {
                    base = &m_stack[static_cast<size_t>(s)].data;
                    break;
                }
                j = s - 1;
            }
            chain.push_back(static_cast<quint32>(at));
            at = entry(static_cast<quint32>(at)).parent();
        }
        const auto type = static_cast<git_object_t>(entry(m_stack[k].entry).objectType);
        StoredObject cur, next;
        size_t c = chain.size();
        if (!base) {
            if (!build(chain.back(), nullptr, type, true, nullptr, cur))
                return false;
            --c;
            base = &cur;
        }
        while (c-- > 0) {
            if (m_r.m_stop || !build(chain[c], base, type, true, nullptr, next))
                return false;
            std::swap(cur, next);
            base = &cur;
        }
        m_stack[k].data = std::move(cur);
        hold(m_stack[k]);
        enforceBudget();
        return true;
    }

    void resolveTree(quint32 root)
    {
        if (m_s.claimed[root].exchange(true))
            return;
        StoredObject data;
        const quint8 type = entry(root).type;
        git_oid oid;
        if (!build(root, nullptr, static_cast<git_object_t>(type), mayHaveChildren(root), &oid,
                   data)
            || !resolved(root, oid, type, -1))
            return;
        std::vector<quint32> kids = childrenOf(root);
        if (kids.empty())
            return;
        m_stack.push_back(Frame{root, std::move(data), false, std::move(kids), 0});
        hold(m_stack.back());
        while (!m_stack.empty() && !m_r.m_stop) {
            const size_t top = m_stack.size() - 1;
            Frame &f = m_stack[top];
            if (f.next >= f.children.size()) {
                release(f);
                m_stack.pop_back();
                continue;
            }
            const quint32 child = f.children[f.next++];
            if (m_s.claimed[child].exchange(true))
                continue;
            if (!f.held && !restore(top))
                return;
            Frame &g = m_stack[top];
            const quint8 childType = m_r.m_entries[g.entry].objectType;
            StoredObject result;
            if (!build(child, &g.data, static_cast<git_object_t>(childType), mayHaveChildren(child),
                       &oid, result)
                || !resolved(child, oid, childType, g.entry))
                return;
            ++m_r.m_indexedDeltas;
            if (g.next >= g.children.size()) {
                release(g); // its last child: let it go before descending
                m_stack.pop_back();
            }
            std::vector<quint32> grandKids = childrenOf(child);
            if (grandKids.empty())
                continue; // a leaf is never kept
            if (result.size > m_r.m_options.streamThreshold && !result.spilled()) {
                // Streamed only into its hash (a REF_DELTA's base, known
                // now): rebuilt on demand like a dropped frame.
                m_stack.push_back(Frame{child, StoredObject{}, false, std::move(grandKids), 0});
                continue;
            }
            m_stack.push_back(Frame{child, std::move(result), false, std::move(grandKids), 0});
            hold(m_stack.back());
            enforceBudget();
        }
    }

    DeltaResolver &m_r;
    RunState &m_s;
    quint64 m_budget;
    std::vector<Frame> m_stack;
    ObjectBuilder m_builder;
};

DeltaResolver::DeltaResolver(const unsigned char *pack, size_t packSize, PackTable &entries,
                             ResolveOptions options)
    : m_pack(pack)
    , m_packSize(packSize)
    , m_entries(entries)
    , m_options(std::move(options))
{
}

void DeltaResolver::failWith(const QString &why)
{
    std::lock_guard lock(m_errorMutex);
    if (m_error.isEmpty())
        m_error = why;
    m_stop = true;
}

void DeltaResolver::failWithIo(const IoFailure &failure)
{
    {
        std::lock_guard lock(m_errorMutex);
        if (m_error.isEmpty())
            m_ioError = true;
    }
    failWith(failure.message());
}

void DeltaResolver::noteSpilled(qint64 delta)
{
    const quint64 now = m_spilled.fetch_add(static_cast<quint64>(delta))
                        + static_cast<quint64>(delta);
    quint64 peak = m_peakSpilled;
    while (now > peak && !m_peakSpilled.compare_exchange_weak(peak, now)) {
    }
}

void DeltaResolver::noteHeld(qint64 delta)
{
    const quint64 now = m_held.fetch_add(static_cast<quint64>(delta)) + static_cast<quint64>(delta);
    quint64 peak = m_peakHeld;
    while (now > peak && !m_peakHeld.compare_exchange_weak(peak, now)) {
    }
}

size_t DeltaResolver::unresolvedCount() const
{
    return static_cast<size_t>(std::count_if(m_entries.begin(), m_entries.end(),
                                             [](const PackEntry &e) { return !e.resolved; }));
}

const unsigned char *DeltaResolver::refBase(quint32 i) const
{
    return m_pack + m_entries[i].data() - GIT_OID_RAWSZ;
}

std::vector<git_oid> DeltaResolver::missingBases() const
{
    // Sorted arrays, not hash maps: a thin pack may hold millions of objects.
    std::vector<quint32> resolved;
    std::vector<quint32> wanted;
    for (size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].resolved)
            resolved.push_back(static_cast<quint32>(i));
        else if (m_entries[i].type == RefDelta)
            wanted.push_back(static_cast<quint32>(i));
    }
    std::sort(resolved.begin(), resolved.end(), [&](quint32 a, quint32 b) {
        return git_oid_cmp(&m_entries.oid(a), &m_entries.oid(b)) < 0;
    });
    // By base id, then pack order: the first of each id is kept, and the
    // bases come out in the order the pack first needs them.
    std::stable_sort(wanted.begin(), wanted.end(),
                     [&](quint32 a, quint32 b) { return compareIds(refBase(a), refBase(b)) < 0; });
    std::vector<quint32> first;
    for (size_t k = 0; k < wanted.size(); ++k) {
        if (k > 0 && compareIds(refBase(wanted[k - 1]), refBase(wanted[k])) == 0)
            continue;
        const unsigned char *id = refBase(wanted[k]);
        const bool have = std::binary_search(resolved.begin(), resolved.end(), id,
                                             [&](auto a, auto b) {
            if constexpr (std::is_same_v<decltype(a), quint32>)
                return compareIds(m_entries.oid(a).id, b) < 0;
            else
                return compareIds(a, m_entries.oid(b).id) < 0;
        });
        if (!have)
            first.push_back(wanted[k]);
    }
    std::sort(first.begin(), first.end());
    std::vector<git_oid> out;
    out.reserve(first.size());
    for (quint32 i : first)
        out.push_back(PackTable::baseOid(m_pack, m_entries[i]));
    return out;
}

int DeltaResolver::run(const std::vector<quint32> &roots)
{
    const size_t n = m_entries.size();
    m_entries.prepareIds();
    RunState s;
    s.claimed.reset(new std::atomic<bool>[n]);
    s.roots = &roots;
    for (size_t i = 0; i < n; ++i) {
        const PackEntry &e = m_entries[i];
        s.claimed[i] = e.resolved;
        if (e.resolved)
            continue;
        if (e.type == OfsDelta)
            s.ofsKids.push_back(static_cast<quint32>(i));
        else if (e.type == RefDelta)
            s.refKids.push_back(static_cast<quint32>(i));
    }
    s.ofsKids.shrink_to_fit();
    s.refKids.shrink_to_fit();
    std::stable_sort(s.ofsKids.begin(), s.ofsKids.end(),
                     [&](quint32 a, quint32 b) { return m_entries[a].base < m_entries[b].base; });
    std::stable_sort(s.refKids.begin(), s.refKids.end(),
                     [&](quint32 a, quint32 b) { return compareIds(refBase(a), refBase(b)) < 0; });
    if (!s.ofsKids.empty()) {
        s.weight.assign(n, 1);
        // An offset delta's base always comes before it in the pack.
        for (size_t i = n; i-- > 0;)
            if (m_entries[i].type == OfsDelta && !m_entries[i].resolved)
                s.weight[m_entries[i].base] += s.weight[i];
    }

    const int threads = m_options.threads > 0 ? m_options.threads
                                              : std::clamp(QThread::idealThreadCount(), 1, 8);
    std::mutex mutex;
    std::condition_variable done;
    int running = 0;
    auto body = [&] {
        try {
            Worker w(*this, s, m_options.memoryBudget);
            w.run();
        } catch (const std::exception &ex) {
            failWith(
                QStringLiteral("indexing the pack failed: %1").arg(QString::fromUtf8(ex.what())));
        }
        std::lock_guard lock(mutex);
        --running;
        done.notify_all();
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        try {
            {
                std::lock_guard lock(mutex);
                ++running;
            }
            pool.emplace_back(body);
        } catch (const std::system_error &) {
            std::lock_guard lock(mutex);
            --running; // fewer workers; the others do the job
        }
    }
    if (pool.empty()) {
        failWith(QStringLiteral("cannot start a thread to index the pack"));
        return -1;
    }

    auto snapshot = [&] { return ResolveProgress{m_indexed, m_indexedDeltas, m_work}; };
    int callbackRc = 0;
    {
        // This thread reports progress (the callback belongs to it, and it
        // carries the attempt's cancel and time limits to the workers).
        std::unique_lock lock(mutex);
        while (running > 0) {
            done.wait_for(lock, std::chrono::milliseconds(100));
            if (callbackRc == 0 && m_options.progress) {
                lock.unlock();
                callbackRc = m_options.progress(snapshot());
                lock.lock();
                if (callbackRc != 0)
                    m_stop = true;
            }
        }
    }
    for (std::thread &t : pool)
        t.join();
    // The workers may finish before the first report: the callback still
    // gets its say (a cancel) before anything is written.
    if (callbackRc == 0 && m_options.progress)
        callbackRc = m_options.progress(snapshot());
    if (callbackRc != 0)
        return callbackRc;
    if (!m_error.isEmpty())
        return -1;
    m_stop = false;
    return 0;
}

} // namespace repodeck::core::git::pack
