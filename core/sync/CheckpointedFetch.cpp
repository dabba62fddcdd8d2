#include "sync/CheckpointedFetch.h"

#include "git/GitHandles.h"
#include "git/GitLibrary.h"

#include <QDir>
#include <QFile>
#include <QLocale>
#include <QRegularExpression>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace repodeck::core {

const char *CheckpointedFetch::kStepRefPrefix = "refs/repodeck-steps/";

namespace {
constexpr qint64 kMinStepBytes = 256 * 1024;
const char *kStepBytesKey = "repodeck.checkpointStepBytes";

QString sizeText(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 0, QLocale::DataSizeTraditionalFormat);
}
} // namespace

CheckpointedFetch::CheckpointedFetch(git_repository *repo, git_remote *remote, AttemptContext &attempt,
                                     TransferCallbacks &callbacks, QString host)
    : m_repo(repo)
    , m_remote(remote)
    , m_attempt(attempt)
    , m_callbacks(callbacks)
    , m_host(std::move(host))
{
}

bool CheckpointedFetch::naturalLess(const QString &a, const QString &b)
{
    static const QRegularExpression chunks(QStringLiteral(R"(\d+|\D+)"));
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

qint64 CheckpointedFetch::packBytesOnDisk(git_repository *repo)
{
    const QDir packs(QDir(QFile::decodeName(git_repository_path(repo))).filePath(QStringLiteral("objects/pack")));
    qint64 total = 0;
    for (const QFileInfo &f : packs.entryInfoList({QStringLiteral("pack-*.pack")}, QDir::Files))
        total += f.size();
    return total;
}

QString CheckpointedFetch::note() const
{
    return QStringLiteral("step %1 of %2, %3 kept").arg(m_stepsDone).arg(m_totalSteps).arg(sizeText(m_kept));
}

int CheckpointedFetch::listMissingTags(QList<Tag> *missing, int *present)
{
    git_remote_callbacks callbacks;
    git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
    m_callbacks.install(callbacks);
    git_proxy_options proxy;
    git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION);
    proxy.type = GIT_PROXY_AUTO;
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
    git_odb *rawOdb = nullptr;
    git_repository_odb(&rawOdb, m_repo);
    std::unique_ptr<git_odb, void (*)(git_odb *)> odb(rawOdb, git_odb_free);
    *present = 0;
    for (size_t i = 0; i < count; ++i) {
        const QString name = QString::fromUtf8(heads[i]->name);
        if (!name.startsWith(QLatin1String("refs/tags/")) || name.endsWith(QLatin1String("^{}")))
            continue;
        if (odb && git_odb_exists(odb.get(), &heads[i]->oid)) {
            ++*present;
            continue;
        }
        missing->append({name, heads[i]->oid});
    }
    git_remote_disconnect(m_remote);
    std::sort(missing->begin(), missing->end(),
              [](const Tag &a, const Tag &b) { return naturalLess(a.name, b.name); });
    return 0;
}

int CheckpointedFetch::fetchRefspec(const QByteArray &refspec)
{
    git_fetch_options opts;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    m_callbacks.install(opts.callbacks);
    opts.proxy_opts.type = GIT_PROXY_AUTO;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE; // auto-following would pull everything
    opts.update_fetchhead = 0;
    opts.prune = GIT_FETCH_NO_PRUNE;
    char *spec = const_cast<char *>(refspec.constData());
    git_strarray specs{&spec, 1};
    return git_remote_fetch(m_remote, &specs, &opts, "repodeck: checkpoint step");
}

qint64 CheckpointedFetch::targetStepBytes() const
{
    git_config *raw = nullptr;
    if (git_repository_config(&raw, m_repo) < 0)
        return 0;
    git::Config config(raw);
    int64_t value = 0;
    if (git_config_get_int64(&value, config.get(), kStepBytesKey) < 0)
        return 0;
    return value;
}

void CheckpointedFetch::rememberStepBytes(qint64 received)
{
    // The link carried `received` before it dropped: aim well below that.
    const qint64 target = std::max(kMinStepBytes, received / 2);
    git_config *raw = nullptr;
    if (git_repository_config(&raw, m_repo) < 0)
        return;
    git::Config config(raw);
    const qint64 previous = targetStepBytes();
    git_config_set_int64(config.get(), kStepBytesKey, previous > 0 ? std::min(previous, target) : target);
}

void CheckpointedFetch::deleteStepRefs()
{
    git_reference_iterator *rawIt = nullptr;
    const QByteArray glob = QByteArray(kStepRefPrefix) + '*';
    if (git_reference_iterator_glob_new(&rawIt, m_repo, glob.constData()) < 0)
        return;
    QList<QByteArray> names;
    git_reference *ref = nullptr;
    while (git_reference_next(&ref, rawIt) == 0) {
        names << QByteArray(git_reference_name(ref));
        git_reference_free(ref);
    }
    git_reference_iterator_free(rawIt);
    for (const QByteArray &n : names)
        git_reference_remove(m_repo, n.constData());
}

AttemptOutcome CheckpointedFetch::run(bool prune, bool allTags)
{
    QList<Tag> missing;
    int present = 0;
    int rc = listMissingTags(&missing, &present);
    if (rc < 0)
        return AttemptOutcome::failed(git::captureFailure(rc, &m_attempt, m_host));

    m_kept = packBytesOnDisk(m_repo);
    const qint64 target = targetStepBytes();
    int stride = 1;
    int index = 0;
    auto strideFor = [&]() {
        const int done = present + index;
        if (target > 0 && done > 0 && m_kept > 0) {
            const qint64 perTag = std::max<qint64>(1, m_kept / done);
            return static_cast<int>(std::clamp<qint64>(target / perTag, 1, missing.size() - index));
        }
        return std::min(stride, static_cast<int>(missing.size()) - index);
    };
    auto estimateTotal = [&](int s) {
        const int left = static_cast<int>(missing.size()) - index;
        return m_stepsDone + (left + s - 1) / std::max(1, s) + 1;
    };

    while (index < missing.size()) {
        const int s = strideFor();
        const Tag &tag = missing.at(index + s - 1);
        m_totalSteps = estimateTotal(s);
        m_callbacks.setStep(m_stepsDone + 1, m_totalSteps, m_kept);
        const qint64 before = m_attempt.bytesReceived();
        const QByteArray refspec = QByteArray("+") + tag.name.toUtf8() + ':' + kStepRefPrefix
                                   + QByteArray::number(present + index + s);
        rc = fetchRefspec(refspec);
        if (rc < 0) {
            SyncError e = git::captureFailure(rc, &m_attempt, m_host);
            if (e.transient)
                rememberStepBytes(m_attempt.bytesReceived() - before);
            e.hint = QStringLiteral("Checkpointed clone: %1; the next attempt continues from there. %2")
                         .arg(note(), e.hint);
            return AttemptOutcome::failed(e);
        }
        index += s;
        ++m_stepsDone;
        m_kept = packBytesOnDisk(m_repo);
        stride = s * 2; // growing strides while the link holds
        spdlog::info("checkpoint {} ({}) done: {}", m_stepsDone, tag.name.toStdString(), note().toStdString());
    }

    // The final, ordinary fetch only brings what the steps did not.
    m_totalSteps = m_stepsDone + 1;
    m_callbacks.setStep(m_totalSteps, m_totalSteps, m_kept);
    git_fetch_options opts;
    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    m_callbacks.install(opts.callbacks);
    opts.proxy_opts.type = GIT_PROXY_AUTO;
    opts.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_PRUNE_UNSPECIFIED;
    opts.download_tags = allTags ? GIT_REMOTE_DOWNLOAD_TAGS_ALL : GIT_REMOTE_DOWNLOAD_TAGS_AUTO;
    QList<QByteArray> specs = m_finalSpecs;
    QList<char *> pointers;
    for (QByteArray &spec : specs)
        pointers << spec.data();
    git_strarray array{pointers.data(), static_cast<size_t>(pointers.size())};
    rc = git_remote_fetch(m_remote, specs.isEmpty() ? nullptr : &array, &opts, "repodeck: fetch");
    if (rc < 0) {
        SyncError e = git::captureFailure(rc, &m_attempt, m_host);
        e.hint = QStringLiteral("Checkpointed clone: %1; the next attempt continues from there. %2").arg(note(), e.hint);
        return AttemptOutcome::failed(e);
    }
    ++m_stepsDone;
    m_kept = packBytesOnDisk(m_repo);
    deleteStepRefs();
    AttemptOutcome out;
    out.outcome = m_callbacks.updatedRefs() > 0 ? Outcome::Updated : Outcome::UpToDate;
    out.detail = hadSteps() ? QStringLiteral("Fetched in %1 checkpointed steps.").arg(m_stepsDone) : QString();
    return out;
}

} // namespace repodeck::core
