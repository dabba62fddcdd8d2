#include "sync/LfsStep.h"

#include "git/GitHandles.h"
#include "retry/ErrorClassifier.h"
#include "util/RemoteUrl.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

#include <spdlog/spdlog.h>

namespace repodeck::core {

namespace {

constexpr int kSliceMs = 50;
using Index = std::unique_ptr<git_index, git::Deleter<git_index, git_index_free>>;
using Blob = std::unique_ptr<git_blob, git::Deleter<git_blob, git_blob_free>>;
constexpr qsizetype kOutputKeep = 64 * 1024;

git::Repository openRepository(const QString &path)
{
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, QFile::encodeName(path).constData(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr)
        < 0)
        return git::Repository();
    return git::Repository(raw);
}

QString readMarker(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).trimmed();
}

bool writeMarker(const QString &path, const QString &outcome)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(outcome.toUtf8() + '\n');
    return f.commit();
}

// GIT_LFS_PROGRESS lines: "<direction> <n>/<files> <bytes>/<total> <name>".
struct ProgressFile
{
    QString path;
    qint64 offset = 0;
    QByteArray partial;
    QHash<QString, QPair<quint64, quint64>> files; // name -> (bytes so far, total)
    quint64 fileCount = 0;

    // True when something new was read.
    bool poll()
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly) || f.size() <= offset)
            return false;
        f.seek(offset);
        const QByteArray chunk = f.readAll();
        offset += chunk.size();
        partial += chunk;
        qsizetype nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
            parse(QString::fromUtf8(partial.left(nl)));
            partial.remove(0, nl + 1);
        }
        return !chunk.isEmpty();
    }

    void parse(const QString &line)
    {
        const QStringList parts = line.split(QLatin1Char(' '));
        if (parts.size() < 4 || parts[0] != QLatin1String("download"))
            return;
        const QStringList n = parts[1].split(QLatin1Char('/'));
        const QStringList b = parts[2].split(QLatin1Char('/'));
        if (n.size() != 2 || b.size() != 2)
            return;
        fileCount = std::max<quint64>(fileCount, n[1].toULongLong());
        files.insert(parts.mid(3).join(QLatin1Char(' ')), {b[0].toULongLong(), b[1].toULongLong()});
    }

    TransferProgress progress() const
    {
        TransferProgress p;
        p.phase = Phase::Lfs;
        p.totalObjects = fileCount;
        for (const auto &v : files) {
            p.receivedBytes += v.first;
            p.totalBytes += v.second;
            if (v.second > 0 && v.first >= v.second)
                ++p.receivedObjects;
        }
        return p;
    }
};

} // namespace

bool repositoryUsesLfs(const QString &workTree)
{
    git::Repository repo = openRepository(workTree);
    if (!repo)
        return false;
    git_index *rawIndex = nullptr;
    if (git_repository_index(&rawIndex, repo.get()) < 0)
        return false;
    Index index(rawIndex);
    const size_t count = git_index_entrycount(index.get());
    static const QRegularExpression lfsFilter(QStringLiteral("\\bfilter\\s*=\\s*lfs\\b"));
    for (size_t i = 0; i < count; ++i) {
        const git_index_entry *e = git_index_get_byindex(index.get(), i);
        const QByteArray path(e->path);
        if (path != ".gitattributes" && !path.endsWith("/.gitattributes"))
            continue;
        git_blob *rawBlob = nullptr;
        if (git_blob_lookup(&rawBlob, repo.get(), &e->id) < 0)
            continue;
        Blob blob(rawBlob);
        const QByteArray text(static_cast<const char *>(git_blob_rawcontent(blob.get())),
                              static_cast<qsizetype>(git_blob_rawsize(blob.get())));
        if (QString::fromUtf8(text).contains(lfsFilter))
            return true;
    }
    return false;
}

// git-lfs runs git in the repository, and git honours the repository's own
// configuration: for an imported repository that is whoever made it's. A key
// that makes git or git-lfs run a program, write elsewhere or talk to another
// host is refused (RepoDeck's own clones never have one). Returns the key.
QString commandRunningLocalKey(const QString &gitDir)
{
    git_config *raw = nullptr;
    if (git_config_open_ondisk(
            &raw, QFile::encodeName(QDir(gitDir).filePath(QStringLiteral("config"))).constData())
        < 0) {
        git_error_clear();
        return {};
    }
    git::Config config(raw);
    git_config_iterator *it = nullptr;
    if (git_config_iterator_new(&it, config.get()) < 0) {
        git_error_clear();
        return {};
    }
    static const QRegularExpression risky(QStringLiteral(
        "^(core\\.(fsmonitor|hookspath|sshcommand|worktree|askpass|pager|editor|gitproxy|alternaterefscommand)"
        "|include\\..*|includeif\\..*|credential\\..*|url\\..*|http\\..*proxy|remote\\..*\\.proxy"
        "|filter\\.(?!lfs\\.).*|diff\\..*\\.(textconv|command)|merge\\..*\\.driver|gpg\\..*"
        "|lfs\\.customtransfer\\..*|lfs\\.extension\\..*|uploadpack\\..*|sequence\\.editor)$"));
    QString found;
    git_config_entry *entry = nullptr;
    while (found.isEmpty() && git_config_next(&entry, it) == 0) {
        const QString key = QString::fromUtf8(entry->name).toLower();
        if (risky.match(key).hasMatch())
            found = key;
    }
    git_config_iterator_free(it);
    git_error_clear();
    return found;
}

QString lfsPendingMarker(const QString &gitDir)
{
    return QDir(gitDir).filePath(QStringLiteral("repodeck-lfs-pending"));
}

QString redactLfsOutput(const QString &text)
{
    static const QRegularExpression userInfo(
        QStringLiteral("([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s@]+@"));
    static const QRegularExpression authHeader(QStringLiteral("(Authorization:\\s*\\S+\\s+)\\S+"),
                                               QRegularExpression::CaseInsensitiveOption);
    QString out = text;
    out.replace(userInfo, QStringLiteral("\\1"));
    out.replace(authHeader, QStringLiteral("\\1[redacted]"));
    return out;
}

LfsStep::LfsStep(const RepoSpec &spec, const RetryPolicy &policy, AttemptContext &attempt,
                 TransferCallbacks &callbacks)
    : m_spec(spec)
    , m_policy(policy)
    , m_attempt(attempt)
    , m_callbacks(callbacks)
{
}

AttemptOutcome LfsStep::finish(AttemptOutcome out)
{
    if (out.busy || out.outcome == Outcome::None || out.outcome == Outcome::Failed
        || out.outcome == Outcome::Cancelled)
        return out;
    QString gitDir;
    bool bare = false;
    {
        git::Repository repo = openRepository(m_spec.path);
        if (!repo)
            return out;
        gitDir = QFile::decodeName(git_repository_path(repo.get()));
        bare = git_repository_is_bare(repo.get()) == 1;
    }
    const QString marker = lfsPendingMarker(gitDir);
    const QString owed = readMarker(marker);
    const bool changed = out.outcome == Outcome::Cloned || out.outcome == Outcome::Updated;
    const bool mirror = m_spec.mode == RepoMode::Mirror || bare;
    bool needed = false;
    if (mirror)
        needed = m_policy.lfsFetchAll && (changed || !owed.isEmpty());
    else
        needed = !owed.isEmpty()
                 || ((changed
                      || (out.outcome == Outcome::UpToDate
                          && !QFileInfo::exists(
                              QDir(gitDir).filePath(QStringLiteral("lfs/objects")))))
                     && repositoryUsesLfs(m_spec.path));
    if (!needed)
        return out;
    if (owed.isEmpty() && changed && !writeMarker(marker, outcomeName(out.outcome)))
        spdlog::warn("{}: cannot write {}", m_spec.name.toStdString(), marker.toStdString());

    if (const QString key = commandRunningLocalKey(gitDir); !key.isEmpty()) {
        AttemptOutcome o = out;
        o.outcome = Outcome::FetchedOnly;
        o.reason = QLatin1String(reason::LfsUnsafeConfig);
        o.detail
            = QStringLiteral(
                  "The commits were fetched, but the repository's own configuration sets %1, which "
                  "git would act on while git-lfs brings in the LFS files, so RepoDeck did not run "
                  "git-lfs; the LFS files are still pointer files. Remove that setting from %2 (or "
                  "run `git lfs pull` there yourself if you trust it).")
                  .arg(key, QDir(gitDir).filePath(QStringLiteral("config")));
        return o;
    }
    const QString lfs = QStandardPaths::findExecutable(QStringLiteral("git-lfs"));
    const QString git = QStandardPaths::findExecutable(QStringLiteral("git"));
    if (lfs.isEmpty() || git.isEmpty()) {
        AttemptOutcome o = out;
        o.outcome = Outcome::FetchedOnly;
        o.reason = QLatin1String(reason::LfsUnavailable);
        o.detail = mirror
                       ? QStringLiteral(
                           "The commits were fetched, but the policy asks for every Git LFS object and "
                           "git-lfs is not installed (or not on PATH). Install the git-lfs package "
                           "(Debian/Ubuntu: apt install git-lfs; macOS: brew install git-lfs; Windows: "
                           "Git for Windows includes it), then sync again.")
                       : QStringLiteral(
                           "The commits were fetched, but this repository stores files with Git LFS "
                           "and git-lfs is not installed (or not on PATH): those files are still "
                           "pointer files. Install the git-lfs package (Debian/Ubuntu: apt install "
                           "git-lfs; macOS: brew install git-lfs; Windows: Git for Windows includes "
                           "it), then sync again.");
        return o;
    }
    // Without the filters git-lfs leaves the pointers where they are, and
    // says nothing: never report that as done.
    if (!mirror && !ensureFilters(git, lfs))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral(
                "git-lfs's filters are not configured for %1 and `git lfs install --local` failed; "
                "its LFS files are still pointer files.")
                .arg(m_spec.path),
            QStringLiteral(
                "Run `git lfs install` once (it configures git for Git LFS), then sync again.")));
    const QStringList args = mirror ? QStringList{QStringLiteral("fetch"), QStringLiteral("--all"),
                                                  QStringLiteral("origin")}
                                    : QStringList{QStringLiteral("pull")};
    AttemptOutcome child = runChild(lfs, args, gitDir);
    if (child.outcome == Outcome::Failed || child.outcome == Outcome::Cancelled) {
        child.bytes = out.bytes + static_cast<qint64>(m_bytes);
        return child;
    }
    QFile::remove(marker);
    if (out.outcome == Outcome::UpToDate
        && (owed == outcomeName(Outcome::Cloned) || owed == outcomeName(Outcome::Updated)))
        out.outcome = owed == outcomeName(Outcome::Cloned) ? Outcome::Cloned : Outcome::Updated;
    out.bytes += static_cast<qint64>(m_bytes);
    return out;
}

// `git status` can only match the real files to their pointers through
// git-lfs's clean filter. A user who installed git-lfs but never ran `git lfs
// install` has none: then do for this repository what `git lfs install`
// would (`--local`: the filters and hooks in its own config), as git-lfs
// does for a clone.
bool LfsStep::ensureFilters(const QString &git, const QString &lfs)
{
    auto quick = [this](const QString &program, const QStringList &args) {
        QProcess p;
        p.setWorkingDirectory(m_spec.path);
        p.setStandardInputFile(QProcess::nullDevice());
        p.start(program, args);
        if (!p.waitForFinished(30'000)) {
            p.kill();
            p.waitForFinished(2'000);
            return -1;
        }
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    if (quick(git, {QStringLiteral("config"), QStringLiteral("--get-regexp"),
                    QStringLiteral("^filter\\.lfs\\.(process|clean)$")})
        == 0)
        return true;
    spdlog::info("{}: git-lfs's filters are not configured; running `git lfs install --local`",
                 m_spec.name.toStdString());
    return quick(lfs, {QStringLiteral("install"), QStringLiteral("--local")}) == 0;
}

AttemptOutcome LfsStep::runChild(const QString &program, const QStringList &args,
                                 const QString &gitDir)
{
    ProgressFile progress;
    progress.path = QDir(gitDir).filePath(QStringLiteral("repodeck-lfs-progress"));
    QFile::remove(progress.path);

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_LFS_SKIP_SMUDGE"})
        env.remove(QLatin1String(name));
    // Never wait for a person: no terminal prompt, no credential manager dialog.
    env.insert(QStringLiteral("GIT_TERMINAL_PROMPT"), QStringLiteral("0"));
    env.insert(QStringLiteral("GCM_INTERACTIVE"), QStringLiteral("never"));
    env.insert(QStringLiteral("GIT_LFS_PROGRESS"), QDir::toNativeSeparators(progress.path));
    // One try per object per attempt: RepoDeck's policy does the retrying
    // (with its backoff, deadline and host gate), git-lfs keeps what finished.
    // Appended to any GIT_CONFIG_COUNT the user set, which git-lfs reads
    // through `git config`.
    const int count = env.value(QStringLiteral("GIT_CONFIG_COUNT")).toInt();
    env.insert(QStringLiteral("GIT_CONFIG_KEY_%1").arg(count),
               QStringLiteral("lfs.transfer.maxretries"));
    env.insert(QStringLiteral("GIT_CONFIG_VALUE_%1").arg(count), QStringLiteral("1"));
    env.insert(QStringLiteral("GIT_CONFIG_COUNT"), QString::number(count + 1));

    QProcess proc;
    proc.setProgram(program);
    proc.setArguments(args);
    proc.setWorkingDirectory(m_spec.path);
    proc.setProcessEnvironment(env);
    proc.setStandardInputFile(QProcess::nullDevice());
    proc.setProcessChannelMode(QProcess::MergedChannels);

    TransferProgress start;
    start.phase = Phase::Lfs;
    m_callbacks.report(start, true);
    spdlog::info("{}: git-lfs {}", m_spec.name.toStdString(),
                 args.join(QLatin1Char(' ')).toStdString());
    proc.start();
    if (!proc.waitForStarted(10'000))
        return AttemptOutcome::failed(SyncError::local(
            QStringLiteral("Cannot start git-lfs (%1): %2").arg(program, proc.errorString()),
            QStringLiteral("Check the git-lfs installation (`git lfs version`).")));

    QByteArray output;
    QElapsedTimer sinceActivity;
    sinceActivity.start();
    StreamFault fault = StreamFault::None;
    Millis faultLimit{0};
    while (!proc.waitForFinished(kSliceMs)) {
        if (proc.state() == QProcess::NotRunning)
            break;
        const QByteArray more = proc.readAll();
        bool moved = !more.isEmpty();
        output += more;
        if (progress.poll()) {
            moved = true;
            const TransferProgress p = progress.progress();
            if (p.receivedBytes > m_bytes) {
                m_attempt.addBytesReceived(static_cast<qint64>(p.receivedBytes - m_bytes));
                m_bytes = p.receivedBytes;
            }
            m_callbacks.report(p, false);
        }
        if (moved)
            sinceActivity.restart();
        if ((fault = m_attempt.checkInterrupted()) != StreamFault::None) {
            faultLimit = m_attempt.faultLimit();
            break;
        }
        if (sinceActivity.elapsed() >= m_policy.stallTimeout.count()) {
            fault = StreamFault::StallTimeout;
            faultLimit = m_policy.stallTimeout;
            m_attempt.recordFault(fault, faultLimit);
            break;
        }
        if (output.size() > 2 * kOutputKeep)
            output = output.right(kOutputKeep);
    }
    if (proc.state() != QProcess::NotRunning) {
        proc.kill();
        proc.waitForFinished(5'000);
    }
    output += proc.readAll();
    if (progress.poll()) {
        const TransferProgress p = progress.progress();
        if (p.receivedBytes > m_bytes)
            m_bytes = p.receivedBytes;
    }
    QFile::remove(progress.path);
    TransferProgress last = progress.progress();
    m_callbacks.report(last, true);

    const QString text = redactLfsOutput(QString::fromUtf8(output.right(kOutputKeep)));
    if (fault == StreamFault::None && proc.exitStatus() == QProcess::NormalExit
        && proc.exitCode() == 0)
        return {};
    const QString host = RemoteUrl::parse(m_spec.url).host();
    if (fault == StreamFault::None)
        spdlog::warn("{}: git-lfs exited with {}: {}", m_spec.name.toStdString(), proc.exitCode(),
                     text.trimmed().right(2000).toStdString());
    return AttemptOutcome::failed(
        classifyLfsFailure(text, fault, host, formatDuration(faultLimit)));
}

} // namespace repodeck::core
