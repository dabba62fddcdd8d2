#include "sync/CheckpointedHaves.h"

#include <QSet>

#include <algorithm>
#include <memory>

namespace repodeck::core {

namespace {
QByteArray key(const git_oid &oid)
{
    return QByteArray(reinterpret_cast<const char *>(oid.id), GIT_OID_RAWSZ);
}
} // namespace

CheckpointHaves::CheckpointHaves(git_repository *repo, QByteArray stepPrefix)
    : m_repo(repo)
    , m_prefix(std::move(stepPrefix))
{
}

int CheckpointHaves::nodeFor(const git_oid &oid)
{
    const QByteArray k = key(oid);
    const auto it = m_index.constFind(k);
    if (it != m_index.constEnd())
        return *it;
    Node n;
    git_oid_cpy(&n.oid, &oid);
    m_nodes << n;
    const int index = static_cast<int>(m_nodes.size()) - 1;
    m_index.insert(k, index);
    return index;
}

void CheckpointHaves::load(int start)
{
    QVector<int> stack{start};
    while (!stack.isEmpty()) {
        const int i = stack.takeLast();
        if (m_nodes[i].loaded)
            continue;
        m_nodes[i].loaded = true;
        git_commit *raw = nullptr;
        const git_oid oid = m_nodes[i].oid;
        if (git_commit_lookup(&raw, m_repo, &oid) < 0) {
            git_error_clear();
            continue; // not here (never for a step's closure): a root for our purposes
        }
        std::unique_ptr<git_commit, void (*)(git_commit *)> commit(raw, git_commit_free);
        m_nodes[i].time = git_commit_time(commit.get());
        const unsigned count = git_commit_parentcount(commit.get());
        for (unsigned p = 0; p < count; ++p) {
            const int parent = nodeFor(*git_commit_parent_id(commit.get(), p));
            m_nodes[i].parents << parent;
            if (!m_nodes[parent].loaded)
                stack << parent;
        }
    }
}

int CheckpointHaves::generation(int start)
{
    QVector<int> stack{start};
    while (!stack.isEmpty()) {
        const int i = stack.last();
        if (m_nodes[i].generation > 0) {
            stack.removeLast();
            continue;
        }
        int best = 0;
        bool ready = true;
        for (int p : m_nodes[i].parents) {
            if (m_nodes[p].generation == 0) {
                stack << p;
                ready = false;
            } else {
                best = std::max(best, m_nodes[p].generation);
            }
        }
        if (ready) {
            m_nodes[i].generation = best + 1;
            stack.removeLast();
        }
    }
    return m_nodes[start].generation;
}

QList<CheckpointHaves::Ref> CheckpointHaves::refs()
{
    QList<Ref> out;
    git_reference_iterator *rawIt = nullptr;
    // The glob libgit2's negotiation pushes (git_revwalk__push_glob "refs/*").
    if (git_reference_iterator_glob_new(&rawIt, m_repo, "refs/*") < 0) {
        git_error_clear();
        return out;
    }
    std::unique_ptr<git_reference_iterator, void (*)(git_reference_iterator *)> it(
        rawIt, git_reference_iterator_free);
    git_reference *rawRef = nullptr;
    while (git_reference_next(&rawRef, it.get()) == 0) {
        std::unique_ptr<git_reference, void (*)(git_reference *)> ref(rawRef, git_reference_free);
        Ref r;
        r.name = git_reference_name(ref.get());
        r.step = r.name.startsWith(m_prefix);
        git_oid id;
        if (git_reference_name_to_id(&id, m_repo, r.name.constData()) < 0) {
            git_error_clear();
            continue;
        }
        git_object *rawObj = nullptr, *rawPeeled = nullptr;
        if (git_object_lookup(&rawObj, m_repo, &id, GIT_OBJECT_ANY) < 0) {
            git_error_clear();
            continue;
        }
        const int rc = git_object_peel(&rawPeeled, rawObj, GIT_OBJECT_COMMIT);
        git_object_free(rawObj);
        if (rc < 0) {
            git_error_clear();
            continue; // libgit2 skips what is not a commit, too
        }
        r.node = nodeFor(*git_object_id(rawPeeled));
        git_object_free(rawPeeled);
        load(r.node);
        out << r;
    }
    return out;
}

QList<int> CheckpointHaves::walk(const QList<int> &tipsInRefOrder, int batch) const
{
    // git_commit_list_insert_by_date: before the first strictly older entry.
    auto insertByDate = [this](QList<int> &list, int node) {
        const qint64 t = m_nodes[node].time;
        auto pos = std::find_if(list.begin(), list.end(),
                                [&](int e) { return m_nodes[e].time < t; });
        list.insert(pos, node);
    };
    // git_revwalk__push_commit with insert_by_date: `(insert_by_date &&
    // insert_by_date(...) == NULL) || insert(...) == NULL` inserts each tip by
    // date *and* again at the head (measured: the server's trace shows the
    // haves in exactly this order).
    QList<int> input; // walk->user_input
    for (int tip : tipsInRefOrder) {
        insertByDate(input, tip);
        input.prepend(tip);
    }
    QSet<int> seen;
    QList<int> list; // prepare_walk prepends each new one: oldest first
    for (int tip : input) {
        if (seen.contains(tip))
            continue;
        seen.insert(tip);
        list.prepend(tip);
    }
    QList<int> out;
    while (out.size() < batch && !list.isEmpty()) {
        const int c = list.takeFirst();
        out << c;
        for (int p : m_nodes[c].parents) {
            if (seen.contains(p))
                continue;
            seen.insert(p);
            insertByDate(list, p);
        }
    }
    return out;
}

CheckpointHaves::Result CheckpointHaves::arrange()
{
    const QList<Ref> all = refs();
    Result result;
    result.refs = static_cast<int>(all.size());

    QSet<int> tipSet, fixed;
    for (const Ref &r : all) {
        tipSet.insert(r.node);
        if (r.step)
            ++result.stepRefs;
        else
            fixed.insert(r.node);
    }
    // Tips inside another tip's history: reachable from some tip's parents.
    QVector<bool> covered(m_nodes.size(), false);
    QVector<int> stack;
    for (int t : tipSet)
        for (int p : m_nodes[t].parents)
            stack << p;
    while (!stack.isEmpty()) {
        const int i = stack.takeLast();
        if (covered[i])
            continue;
        covered[i] = true;
        for (int p : m_nodes[i].parents)
            if (!covered[p])
                stack << p;
    }
    for (int t : tipSet)
        if (!covered[t])
            ++result.tipsUncovered;

    QList<int> candidates;
    for (int t : tipSet)
        if (!fixed.contains(t) && !covered[t])
            candidates << t;
    for (int c : candidates)
        generation(c);
    std::sort(candidates.begin(), candidates.end(), [this](int a, int b) {
        const Node &x = m_nodes[a], &y = m_nodes[b];
        if (x.generation != y.generation)
            return x.generation > y.generation;
        if (x.time != y.time)
            return x.time > y.time;
        return key(x.oid) < key(y.oid);
    });

    auto tipsInRefOrder = [&](const QSet<int> &chosen) {
        QList<int> tips;
        for (const Ref &r : all)
            if (!r.step ? true : chosen.contains(r.node))
                tips << r.node;
        return tips;
    };
    QSet<int> chosen;
    const QList<int> fixedOnly = walk(tipsInRefOrder(chosen), kBatch);
    int fixedNamed = 0;
    for (int n : fixedOnly)
        fixedNamed += fixed.contains(n) ? 1 : 0;
    for (int c : candidates) {
        if (fixedNamed + chosen.size() >= kBatch)
            break;
        QSet<int> trial = chosen;
        trial.insert(c);
        const QList<int> haves = walk(tipsInRefOrder(trial), kBatch);
        const QSet<int> sent(haves.cbegin(), haves.cend());
        if (std::all_of(trial.cbegin(), trial.cend(), [&](int n) { return sent.contains(n); }))
            chosen = trial;
    }

    QSet<int> kept;
    for (const Ref &r : all) {
        if (!r.step)
            continue;
        if (chosen.contains(r.node) && !kept.contains(r.node)) {
            kept.insert(r.node);
            continue;
        }
        if (git_reference_remove(m_repo, r.name.constData()) == 0)
            ++result.removed;
        else
            git_error_clear();
    }
    const QList<int> haves = walk(tipsInRefOrder(chosen), kBatch);
    for (int n : haves)
        result.tipsNamed += tipSet.contains(n) && (fixed.contains(n) || chosen.contains(n)) ? 1 : 0;
    return result;
}

} // namespace repodeck::core
