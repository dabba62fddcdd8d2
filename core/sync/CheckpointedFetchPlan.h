#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <git2.h>

namespace repodeck::core {

// One possible checkpoint of a CheckpointedFetch: an advertised commit (the
// refs that point at it, tags peeled with the server's `^{}` lines). Fetching
// it brings everything it needs that the repository lacks.
struct CheckpointUnit
{
    QList<QByteArray> names; // advertised refs at this commit, the first one fetched
    git_oid oid{};           // what names.first() points at (a tag object or the commit)
    git_oid peeled{};        // the commit
    bool isTag = false;
    // Objects the server announced when this unit alone was asked for
    // (-1: never asked alone). Only shrinks as more history arrives.
    qint64 objects = -1;
    int deferrals = 0; // times put back because it alone was more than a step
    int measuredAt = -1; // steps done when `objects` was announced (-1: read back from an earlier attempt)
};

// What earlier attempts learnt about the link and the history, kept in the
// repository's config (repodeck.checkpoint*) so that the next attempt, or
// the next run, plans from it. Values are ours, but read as untrusted: bad
// ones are ignored or clamped.
struct CheckpointState
{
    qint64 linkBytes = 0;      // most pack bytes the link carried before a cut (0: no cut seen)
    qint64 bytesPerObject = 0; // what an object of this history costs on the wire (0: unknown)
    qint64 maxObjects = 0;     // after a cut: the next step must be below this (0: no limit)
    struct TooBig
    {
        QByteArray oidHex; // the unit's commit
        qint64 objects = 0;
        qint64 carried = 0; // pack bytes that arrived before the cut
        qint64 when = 0;    // seconds since the epoch
        // Cut alone while other units were still untried (they may lie in
        // its history and make it smaller): tried again after all others,
        // and final only when nothing else is left.
        bool tentative = false;
    };
    // Units that failed alone, cut by the link: no smaller step exists.
    QList<TooBig> tooBig;
    // What the server announced for a unit asked for alone (commit hex ->
    // objects), kept across attempts so that a later attempt orders the
    // units by it instead of asking for each again. Counts only shrink as
    // history arrives, so an old one is an upper bound.
    QHash<QByteArray, qint64> counts;
    static constexpr int kMaxCounts = 4096;
    void setCount(const git_oid &peeled, qint64 objects);
    qint64 countOf(const git_oid &peeled) const; // -1: never asked alone

    static CheckpointState load(git_repository *repo);
    // Both return libgit2's error (< 0) when the configuration cannot be
    // written: the caller must say so, as no progress is kept without it.
    int save(git_repository *repo) const;
    static int clear(git_repository *repo);
    // A unit recorded too big for the link lately (older records are
    // forgotten, so a later run tries once more: links change).
    const TooBig *findTooBig(const git_oid &peeled) const;
    void dropStale(qint64 now);

    // Objects one step may bring: half of what the link carries, at the
    // bytes per object seen so far. 0 = no limit (no cut seen yet).
    qint64 stepObjects() const;
    qint64 bytesPerObjectOrDefault() const;
};

// Listing and ordering of the units from a remote's advertisement.
namespace checkpoint {

// Removes every value of `key` (none is fine); sets it to exactly `value`
// (nothing when empty). Unlike git_config_set_*, a key found more than once
// is no error.
int removeAll(git_config *config, const char *key);
int replaceAll(git_config *config, const char *key, const QByteArray &value);

// Version-aware name order: v1.9 < v1.10 < v2.0.
bool naturalLess(const QString &a, const QString &b);

// Groups `heads` (git_remote_ls) into units: tags (natural name order), then
// the other branches by name, then the default branch; for `allRefs`
// (mirrors) every other advertised ref too. Units whose commit is already in
// `odb` are left out and counted in `present`; refs under `stepPrefix` are
// the steps' own and never units.
QList<CheckpointUnit> unitsFrom(
    const git_remote_head *const *heads, size_t count, git_odb *odb,
    const QByteArray &defaultBranch, bool allRefs, int *present,
    const QByteArray &stepPrefix = QByteArrayLiteral("refs/repodeck-steps/"));

// The namespace for the steps' refs: "refs/repodeck-steps/", or, when the
// server has refs of its own there (a mirror must keep them as they are),
// the first of "refs/repodeck-steps-2/", "-3/"... that no advertised ref is
// in or collides with (a ref named like the folder itself).
QByteArray stepPrefixFor(const QList<QByteArray> &advertised);
// Whether `name` is in a namespace stepPrefixFor may choose.
bool isStepNamespace(const QByteArray &name);

// Orders `units` (in name order) by what earlier attempts learnt: units
// known to fit in a step of `stepObjects` first, smallest first (they are
// next in history), then those never asked for alone, in name order, then
// those known to be larger than a step, smallest first (asking for them
// before the rest of history has arrived only spends a request).
void orderByCounts(QList<CheckpointUnit> *units, const CheckpointState &state, qint64 stepObjects);

// a * b for a, b >= 0, at most INT64_MAX (negative inputs count as 0):
// sizes read back or announced by a server are not trusted to be small.
qint64 saturatingMul(qint64 a, qint64 b);
// Units the next step may cover: the last step covered `units` and brought
// `objects`; the step limit is `limit` objects, aimed at 9/10 of it. Between
// 1 and `maxUnits`, whatever the inputs (no overflow, no division by 0).
qint64 unitsThatFit(qint64 limit, qint64 units, qint64 objects, qint64 maxUnits);
// Which of the first `n` units a step asks for by name: all of them up to
// `maxWants`, else `maxWants` spread evenly, the last one always included
// (ascending indices).
QList<int> spreadWants(int n, int maxWants);

QString sizeText(qint64 bytes);
QString countText(qint64 n);
QString oidHex(const git_oid &oid);
// "first" or "first .. last (N refs)", for logs and messages.
QString unitNames(const QList<CheckpointUnit> &units);

// A cut before this much of a pack arrived says nothing about its size.
inline constexpr qint64 kCutEvidenceBytes = 64 * 1024;

} // namespace checkpoint

} // namespace repodeck::core
