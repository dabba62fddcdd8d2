#include "state/StateEditor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>

namespace repodeck::core {

QString editStateStore(const QString &path, const std::function<void(RepoStateStore &)> &edit,
                       QString *notice)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QLockFile lock(path + QStringLiteral(".lock"));
    lock.setStaleLockTime(0);
    if (!lock.tryLock(10'000))
        return QStringLiteral(
                   "%1 is being written by another RepoDeck process; results of this run were not saved.")
            .arg(path);
    auto loaded = RepoStateStore::load(path);
    // A damaged state file is only a cache of past results: start afresh
    // rather than fail a sync, but never silently: keep the old one aside.
    RepoStateStore store;
    if (loaded)
        store = loaded.value();
    else {
        const QString aside = path + QStringLiteral(".damaged");
        QFile::remove(aside);
        QFile::rename(path, aside);
        if (notice)
            *notice = QStringLiteral(
                          "the state file %1 could not be read (%2); it was kept as %3 and a new one "
                          "was started (only past results are lost, no repository is affected)")
                          .arg(path, loaded.error(), aside);
    }
    edit(store);
    return store.save(path);
}

void recordResult(RepoState &state, const RepoResult &result, const QList<AttemptRecord> &timeline)
{
    if (result.outcome == Outcome::Cancelled && timeline.isEmpty())
        return; // nothing happened
    if (!timeline.isEmpty())
        state.lastAttempt = timeline.last().started;
    state.lastOutcome = result.outcome;
    state.reason = result.reason;
    state.detail = result.detail;
    state.error = result.error;
    state.attempts = result.attempts;
    state.timeline = timeline;
    state.afterSync = {}; // this run's command, if any, is recorded when it ends
    if (result.outcome == Outcome::Failed) {
        ++state.consecutiveFailures;
    } else if (result.outcome != Outcome::Cancelled) {
        state.consecutiveFailures = 0;
        state.lastSuccess = result.finished;
    }
}

} // namespace repodeck::core
