#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QVarLengthArray>
#include <QVector>

#include <git2.h>

namespace repodeck::core {

// What a checkpoint step tells the server it already has.
//
// libgit2 1.5.1's fetch negotiation (smart_protocol.c) walks every ref under
// refs/ (tags peeled, symbolic refs resolved) and sends the commits as
// "have" lines in batches of 20; after the first batch the server answers
// with an ACK it stops and says "done". The walk is unsorted: it starts with
// the ref tips (in an order that depends on ref order and dates), and a
// popped commit's parents go before every older entry, so the ancestors of a
// recent tip can come before other tips. The server learns exactly the first
// 20 commits of that walk (and their history): with more than 20 tips, or
// with a recent line's ancestors in front, other tips are never named.
//
// The steps' refs (refs/repodeck-steps/...) are ours to arrange: after each
// step, refs that are in another ref's history add nothing and are deleted,
// and of the rest only as many are kept, most advanced history first
// (generation), as the first batch names them all, checked by walking the
// commits the way libgit2 does. The objects stay in their packs; the next
// steps and the final fetch find them by id.
class CheckpointHaves
{
public:
    static constexpr int kBatch = 20;

    CheckpointHaves(git_repository *repo, QByteArray stepPrefix);

    struct Result
    {
        int refs = 0;          // refs libgit2 walks
        int stepRefs = 0;      // of which ours
        int removed = 0;       // step refs deleted
        int tipsNamed = 0;     // distinct tips in the first batch of haves
        int tipsUncovered = 0; // distinct tips that are in no other tip's history
    };
    Result arrange();
    // The namespace of the steps' refs (chosen once the server's refs are known).
    void setStepPrefix(const QByteArray &prefix) { m_prefix = prefix; }

private:
    struct Node
    {
        git_oid oid{};
        qint64 time = 0;
        int generation = 0; // 1 + the longest parent chain; 0: not yet computed
        bool loaded = false;
        QVarLengthArray<int, 2> parents;
    };
    struct Ref
    {
        QByteArray name;
        int node = -1;
        bool step = false;
    };

    int nodeFor(const git_oid &oid);
    void load(int start);
    int generation(int start);
    QList<Ref> refs();
    QList<int> walk(const QList<int> &tipsInRefOrder, int batch) const;

    git_repository *m_repo;
    QByteArray m_prefix;
    QHash<QByteArray, int> m_index; // raw oid -> node
    QVector<Node> m_nodes;
};

} // namespace repodeck::core
