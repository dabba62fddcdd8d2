#include "sync/CheckpointedFetchPlan.h"

#include "git/GitHandles.h"

#include <QHash>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <limits>

namespace repodeck::core {

namespace {
const char *kLinkBytes = "repodeck.checkpointLinkBytes";
const char *kBytesPerObject = "repodeck.checkpointBytesPerObject";
const char *kMaxObjects = "repodeck.checkpointMaxObjects";
const char *kTooBig = "repodeck.checkpointTooBig";
const char *kCounts = "repodeck.checkpointCounts";
const char *kOldStepBytes = "repodeck.checkpointStepBytes"; // before issue 15: half the link
constexpr qint64 kTooBigMemorySeconds = 3600;
constexpr qint64 kDefaultBytesPerObject = 2048; // until a step has measured it
constexpr qint64 kLimit = qint64(1) << 50;      // clamp for values read back

qint64 readInt(git_config *config, const char *key)
{
    int64_t value = 0;
    if (git_config_get_int64(&value, config, key) < 0)
        return 0;
    return std::clamp<qint64>(value, 0, kLimit);
}

bool validHex(const QByteArray &hex)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{40}$"));
    return re.match(QString::fromLatin1(hex)).hasMatch();
}
} // namespace

CheckpointState CheckpointState::load(git_repository *repo)
{
    CheckpointState s;
    git_config *raw = nullptr;
    if (git_repository_config(&raw, repo) < 0)
        return s;
    git::Config config(raw);
    s.linkBytes = readInt(config.get(), kLinkBytes);
    if (s.linkBytes == 0)
        s.linkBytes = 2 * readInt(config.get(), kOldStepBytes);
    s.bytesPerObject = readInt(config.get(), kBytesPerObject);
    s.maxObjects = readInt(config.get(), kMaxObjects);
    git::Buf value;
    if (git_config_get_string_buf(&value.buf, config.get(), kTooBig) == 0) {
        const QByteArray text(value.buf.ptr,
                              static_cast<int>(std::min<size_t>(value.buf.size, 64 * 1024)));
        for (const QByteArray &entry : text.split(' ')) {
            const QList<QByteArray> f = entry.split(',');
            if ((f.size() != 4 && f.size() != 5) || !validHex(f[0]))
                continue;
            TooBig t;
            t.oidHex = f[0];
            t.objects = std::clamp<qint64>(f[1].toLongLong(), 0, kLimit);
            t.carried = std::clamp<qint64>(f[2].toLongLong(), 0, kLimit);
            t.when = std::clamp<qint64>(f[3].toLongLong(), 0, kLimit);
            t.tentative = f.size() == 5 && f[4] == "t";
            s.tooBig << t;
        }
    }
    git::Buf counts;
    if (git_config_get_string_buf(&counts.buf, config.get(), kCounts) == 0) {
        const QByteArray text(counts.buf.ptr,
                              static_cast<int>(std::min<size_t>(counts.buf.size, 256 * 1024)));
        for (const QByteArray &entry : text.split(' ')) {
            const QList<QByteArray> f = entry.split(',');
            bool ok = false;
            const qint64 n = f.size() == 2 ? f[1].toLongLong(&ok) : 0;
            if (!ok || n <= 0 || !validHex(f[0]) || s.counts.size() >= kMaxCounts)
                continue;
            s.counts.insert(f[0], std::min(n, kLimit));
        }
    }
    return s;
}

int CheckpointState::save(git_repository *repo) const
{
    git_config *raw = nullptr;
    int rc = git_repository_config(&raw, repo);
    if (rc < 0)
        return rc;
    git::Config config(raw);
    if ((rc = checkpoint::removeAll(config.get(), kOldStepBytes)) < 0)
        return rc;
    auto put = [&](const char *key, qint64 v) {
        return checkpoint::replaceAll(config.get(), key,
                                      v > 0 ? QByteArray::number(v) : QByteArray());
    };
    if ((rc = put(kLinkBytes, linkBytes)) < 0 || (rc = put(kBytesPerObject, bytesPerObject)) < 0
        || (rc = put(kMaxObjects, maxObjects)) < 0)
        return rc;
    QByteArrayList entries;
    for (const TooBig &t : tooBig)
        entries << t.oidHex + ',' + QByteArray::number(t.objects) + ','
                       + QByteArray::number(t.carried) + ',' + QByteArray::number(t.when)
                       + (t.tentative ? ",t" : "");
    if ((rc = checkpoint::replaceAll(config.get(), kTooBig, entries.join(' '))) < 0)
        return rc;
    QByteArrayList countEntries;
    for (auto it = counts.constBegin(); it != counts.constEnd(); ++it)
        countEntries << it.key() + ',' + QByteArray::number(it.value());
    std::sort(countEntries.begin(), countEntries.end()); // the same file for the same facts
    return checkpoint::replaceAll(config.get(), kCounts, countEntries.join(' '));
}

void CheckpointState::setCount(const git_oid &peeled, qint64 objects)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &peeled);
    if (objects <= 0) {
        counts.remove(QByteArray(hex));
        return;
    }
    if (counts.size() >= kMaxCounts && !counts.contains(QByteArray(hex)))
        return;
    counts.insert(QByteArray(hex), std::min(objects, kLimit));
}

qint64 CheckpointState::countOf(const git_oid &peeled) const
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &peeled);
    return counts.value(QByteArray(hex), -1);
}

int CheckpointState::clear(git_repository *repo)
{
    git_config *raw = nullptr;
    int rc = git_repository_config(&raw, repo);
    if (rc < 0)
        return rc;
    git::Config config(raw);
    for (const char *key :
         {kLinkBytes, kBytesPerObject, kMaxObjects, kTooBig, kCounts, kOldStepBytes})
        if ((rc = checkpoint::removeAll(config.get(), key)) < 0)
            return rc;
    return 0;
}

const CheckpointState::TooBig *CheckpointState::findTooBig(const git_oid &peeled) const
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &peeled);
    for (const TooBig &t : tooBig)
        if (t.oidHex == hex)
            return &t;
    return nullptr;
}

void CheckpointState::dropStale(qint64 now)
{
    tooBig.erase(std::remove_if(
                     tooBig.begin(), tooBig.end(),
                     [&](const TooBig &t) {
        return t.when > now || now - t.when > kTooBigMemorySeconds;
                     }),
                 tooBig.end());
}

qint64 CheckpointState::bytesPerObjectOrDefault() const
{
    return bytesPerObject > 0 ? bytesPerObject : kDefaultBytesPerObject;
}

qint64 CheckpointState::stepObjects() const
{
    if (linkBytes <= 0)
        return 0;
    const qint64 perObject = bytesPerObjectOrDefault();
    qint64 n = std::max<qint64>(1, linkBytes / 2 / perObject);
    if (maxObjects > 0)
        n = std::min(n, maxObjects);
    return std::max<qint64>(1, n);
}

namespace checkpoint {

int removeAll(git_config *config, const char *key)
{
    // Every value: libgit2 refuses to delete (or set) a key that appears
    // more than once ("multivar"), which a hand edit or a merged config
    // file can leave behind; the state would then never be saved again.
    const int rc = git_config_delete_multivar(config, key, ".*");
    if (rc == GIT_ENOTFOUND) {
        git_error_clear();
        return 0;
    }
    return rc;
}

int replaceAll(git_config *config, const char *key, const QByteArray &value)
{
    const int rc = removeAll(config, key);
    if (rc < 0 || value.isEmpty())
        return rc;
    return git_config_set_string(config, key, value.constData());
}

bool naturalLess(const QString &a, const QString &b)
{
    static const QRegularExpression chunks(QStringLiteral("\\d+|\\D+"));
    auto ia = chunks.globalMatch(a);
    auto ib = chunks.globalMatch(b);
    while (ia.hasNext() && ib.hasNext()) {
        const QString ca = ia.next().captured(), cb = ib.next().captured();
        const bool da = ca.at(0).isDigit(), db = cb.at(0).isDigit();
        if (da && db) {
            const qulonglong na = ca.toULongLong(), nb = cb.toULongLong();
            if (na != nb)
                return na < nb;
        } else if (ca != cb) {
            return ca < cb;
        }
    }
    return !ia.hasNext() && ib.hasNext();
}

QList<CheckpointUnit> unitsFrom(const git_remote_head *const *heads, size_t count, git_odb *odb,
                                const QByteArray &defaultBranch, bool allRefs, int *present,
                                const QByteArray &stepPrefix)
{
    // One rescan of objects/pack, not one per missing commit.
    if (odb)
        git_odb_refresh(odb);
    QHash<QByteArray, git_oid> peeled;
    for (size_t i = 0; i < count; ++i) {
        const QByteArray name(heads[i]->name);
        if (name.endsWith("^{}"))
            peeled.insert(name.chopped(3), heads[i]->oid);
    }
    QList<CheckpointUnit> tags, branches, others;
    QHash<QByteArray, QPair<int, int>> byCommit; // commit hex -> (list, index)
    *present = 0;
    for (size_t i = 0; i < count; ++i) {
        const QByteArray name(heads[i]->name);
        if (name.endsWith("^{}") || !name.startsWith("refs/") || name.startsWith(stepPrefix))
            continue;
        const bool tag = name.startsWith("refs/tags/");
        const bool branch = name.startsWith("refs/heads/");
        if (!tag && !branch && !allRefs)
            continue;
        CheckpointUnit u;
        u.names << name;
        u.oid = heads[i]->oid;
        u.peeled = peeled.value(name, heads[i]->oid);
        u.isTag = tag;
        if (odb && git_odb_exists_ext(odb, &u.peeled, GIT_ODB_LOOKUP_NO_REFRESH) == 1) {
            ++*present;
            continue;
        }
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof hex, &u.peeled);
        const int list = tag ? 0 : branch ? 1 : 2;
        QList<CheckpointUnit> &target = list == 0 ? tags : list == 1 ? branches : others;
        const auto seen = byCommit.constFind(QByteArray(hex));
        if (seen != byCommit.constEnd()) {
            QList<CheckpointUnit> &l = seen->first == 0   ? tags
                                       : seen->first == 1 ? branches
                                                          : others;
            l[seen->second].names << name;
            continue;
        }
        byCommit.insert(QByteArray(hex), {list, static_cast<int>(target.size())});
        target << u;
    }
    auto byName = [](const CheckpointUnit &a, const CheckpointUnit &b) {
        return naturalLess(QString::fromUtf8(a.names.first()), QString::fromUtf8(b.names.first()));
    };
    std::sort(tags.begin(), tags.end(), byName);
    // The default branch last: it is usually the newest line, so the others
    // (maintenance branches) are steps towards it.
    std::sort(branches.begin(), branches.end(),
              [&](const CheckpointUnit &a, const CheckpointUnit &b) {
        const bool da = a.names.contains(defaultBranch), db = b.names.contains(defaultBranch);
        if (da != db)
            return db;
        return byName(a, b);
    });
    std::sort(others.begin(), others.end(), byName);
    return tags + branches + others;
}

namespace {
const QByteArray kStepBase = QByteArrayLiteral("refs/repodeck-steps");
}

QByteArray stepPrefixFor(const QList<QByteArray> &advertised)
{
    // "refs/X" of each advertised ref: a candidate folder is taken when a
    // ref is inside it or is named like it (the folder could not be made).
    QSet<QByteArray> taken;
    for (const QByteArray &name : advertised) {
        if (!name.startsWith(kStepBase))
            continue;
        const qsizetype slash = name.indexOf('/', int(qstrlen("refs/")));
        taken.insert(slash < 0 ? name : name.left(slash));
    }
    for (int i = 1;; ++i) { // ends: each taken name rules out one candidate
        const QByteArray folder = i == 1 ? kStepBase : kStepBase + '-' + QByteArray::number(i);
        if (!taken.contains(folder))
            return folder + '/';
    }
}

bool isStepNamespace(const QByteArray &name)
{
    if (name.startsWith(kStepBase + '/'))
        return true;
    if (!name.startsWith(kStepBase + '-'))
        return false;
    const qsizetype slash = name.indexOf('/', kStepBase.size());
    bool ok = false;
    return slash > 0 && name.mid(kStepBase.size() + 1, slash - kStepBase.size() - 1).toInt(&ok) > 1
           && ok;
}

void orderByCounts(QList<CheckpointUnit> *units, const CheckpointState &state, qint64 stepObjects)
{
    QList<CheckpointUnit> fitting, unknown, large;
    for (CheckpointUnit &u : *units) {
        const qint64 known = state.countOf(u.peeled);
        if (known > 0 && (u.objects < 0 || known < u.objects))
            u.objects = known;
        if (u.objects < 0)
            unknown << u;
        else if (stepObjects == 0 || u.objects <= stepObjects)
            fitting << u;
        else
            large << u;
    }
    auto byObjects = [](const CheckpointUnit &a, const CheckpointUnit &b) {
        return a.objects < b.objects;
    };
    std::stable_sort(fitting.begin(), fitting.end(), byObjects);
    std::stable_sort(large.begin(), large.end(), byObjects);
    *units = fitting + unknown + large;
}

qint64 saturatingMul(qint64 a, qint64 b)
{
    if (a <= 0 || b <= 0)
        return 0;
    return a > std::numeric_limits<qint64>::max() / b ? std::numeric_limits<qint64>::max() : a * b;
}

qint64 unitsThatFit(qint64 limit, qint64 units, qint64 objects, qint64 maxUnits)
{
    const qint64 most = std::max<qint64>(1, maxUnits);
    if (limit <= 0 || units <= 0 || objects <= 0)
        return most;
    // limit * 9 / 10 * units / objects: in double (53 bits are plenty for a
    // count clamped to `most`), where the product cannot overflow.
    const double fit = double(limit) * 0.9 * double(units) / double(objects);
    return fit >= double(most) ? most : std::max<qint64>(1, qint64(fit));
}

QList<int> spreadWants(int n, int maxWants)
{
    QList<int> out;
    if (n <= 0)
        return out;
    if (maxWants <= 0 || n <= maxWants) {
        for (int i = 0; i < n; ++i)
            out << i;
        return out;
    }
    for (int j = 1; j <= maxWants; ++j)
        out << int(qint64(j) * n / maxWants
                   - 1); // strictly ascending as n > maxWants; ends at n - 1
    return out;
}

QString sizeText(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

QString countText(qint64 n)
{
    QLocale l = QLocale::c();
    l.setNumberOptions({});
    return l.toString(n);
}

QString oidHex(const git_oid &oid)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &oid);
    return QString::fromLatin1(hex);
}

QString unitNames(const QList<CheckpointUnit> &units)
{
    if (units.isEmpty())
        return {};
    QString first = QString::fromUtf8(units.first().names.first());
    if (units.size() == 1)
        return first;
    return QStringLiteral("%1 .. %2 (%3 refs)")
        .arg(first, QString::fromUtf8(units.last().names.first()))
        .arg(units.size());
}

} // namespace checkpoint

} // namespace repodeck::core
