#include "model/StatusText.h"

#include <QLocale>

#include <cmath>

namespace repodeck::ui::text {

using core::ErrorCategory;
using core::Outcome;

QString category(ErrorCategory c)
{
    switch (c) {
    case ErrorCategory::None: return {};
    case ErrorCategory::Network: return QStringLiteral("network");
    case ErrorCategory::Timeout: return QStringLiteral("timeout");
    case ErrorCategory::Server: return QStringLiteral("server error");
    case ErrorCategory::RateLimited: return QStringLiteral("rate limited");
    case ErrorCategory::Auth: return QStringLiteral("authentication");
    case ErrorCategory::NotFound: return QStringLiteral("not found");
    case ErrorCategory::Tls: return QStringLiteral("TLS");
    case ErrorCategory::HostKey: return QStringLiteral("host key");
    case ErrorCategory::Protocol: return QStringLiteral("protocol");
    case ErrorCategory::Local: return QStringLiteral("local");
    case ErrorCategory::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

QString phase(core::Phase p)
{
    switch (p) {
    case core::Phase::Connecting: return QStringLiteral("connecting");
    case core::Phase::Receiving: return QStringLiteral("receiving");
    case core::Phase::Resolving: return QStringLiteral("resolving deltas");
    case core::Phase::CheckingOut: return QStringLiteral("checking out");
    case core::Phase::Lfs: return QStringLiteral("downloading LFS files");
    }
    return {};
}

QString mode(core::RepoMode m)
{
    return m == core::RepoMode::Mirror ? QStringLiteral("mirror") : QStringLiteral("working copy");
}

QString outcome(const core::RepoState &s)
{
    switch (s.lastOutcome) {
    case Outcome::None: return QStringLiteral("idle");
    case Outcome::Cloned: return QStringLiteral("cloned");
    case Outcome::Updated: return QStringLiteral("updated");
    case Outcome::UpToDate: return QStringLiteral("up to date");
    case Outcome::FetchedOnly:
        if (s.reason == QLatin1String(core::reason::Dirty))
            return QStringLiteral("local changes kept");
        return QStringLiteral("fetched only (%1)")
            .arg(QString(s.reason).replace(QLatin1Char('_'), QLatin1Char(' ')));
    case Outcome::Failed: return QStringLiteral("failed: %1").arg(category(s.error.category));
    case Outcome::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

QString state(const RepoStatus &st, const QDateTime &now)
{
    switch (st.activity) {
    case core::Activity::Idle: return outcome(st.last);
    case core::Activity::Queued:
        return st.attempt > 0 ? QStringLiteral("queued for attempt %1 of %2")
                                    .arg(st.attempt + 1)
                                    .arg(st.maxAttempts)
                              : QStringLiteral("queued");
    case core::Activity::Running:
        return QStringLiteral("attempt %1 of %2 · %3")
            .arg(st.attempt)
            .arg(st.maxAttempts)
            .arg(phase(st.progress.phase));
    case core::Activity::Waiting: {
        const qint64 left = std::max<qint64>(0, now.msecsTo(st.retryAt));
        const QString why = category(st.lastAttemptError.category);
        return why.isEmpty()
                   ? QStringLiteral("waiting for retry in %1").arg(countdown(left))
                   : QStringLiteral("waiting for retry in %1 (%2)").arg(countdown(left), why);
    }
    case core::Activity::WaitingLock: return QStringLiteral("waiting for another sync to finish");
    case core::Activity::Held: return QStringLiteral("held: %1").arg(st.heldReason);
    }
    return {};
}

QString problem(const core::RepoState &s)
{
    if (s.lastOutcome == Outcome::Failed) {
        return s.error.message.isEmpty()
                   ? QStringLiteral("The sync failed (%1).").arg(category(s.error.category))
                   : s.error.message;
    }
    if (s.lastOutcome != Outcome::FetchedOnly)
        return {};
    // The engine's detail names files and branches; lead with the plain reason.
    QString headline;
    if (s.reason == QLatin1String(core::reason::Dirty))
        headline = QStringLiteral("Your local changes were kept, so the branch was not updated.");
    else if (s.reason == QLatin1String(core::reason::Diverged))
        headline = QStringLiteral(
            "Your branch and the remote one have both moved on, so nothing was merged.");
    else if (s.reason == QLatin1String(core::reason::Ahead))
        headline = QStringLiteral("Your branch has commits the remote does not have yet.");
    else if (s.reason == QLatin1String(core::reason::Detached))
        headline = QStringLiteral(
            "No branch is checked out (detached HEAD), so nothing was updated.");
    else if (s.reason == QLatin1String(core::reason::NoUpstream))
        headline = QStringLiteral(
            "The current branch follows no remote branch, so it was only fetched.");
    else
        headline = QStringLiteral("The remote was fetched, but the working copy was left alone.");
    return s.detail.isEmpty() ? headline : headline + QLatin1Char(' ') + s.detail;
}

QString fix(const core::RepoState &s)
{
    if (s.lastOutcome == Outcome::FetchedOnly) {
        if (s.reason == QLatin1String(core::reason::Dirty))
            return QStringLiteral("Commit or stash your changes, then sync again.");
        if (s.reason == QLatin1String(core::reason::Diverged))
            return QStringLiteral(
                "Merge or rebase onto the remote branch yourself, then sync again.");
        if (s.reason == QLatin1String(core::reason::Ahead))
            return QStringLiteral("Push your commits when they are ready; nothing else is needed.");
        if (s.reason == QLatin1String(core::reason::Detached))
            return QStringLiteral("Check out a branch, then sync again.");
        if (s.reason == QLatin1String(core::reason::NoUpstream))
            return QStringLiteral(
                "Set an upstream with `git branch --set-upstream-to=origin/<branch>`.");
        return {};
    }
    if (s.lastOutcome != Outcome::Failed)
        return {};
    if (!s.error.hint.isEmpty())
        return s.error.hint;
    switch (s.error.category) {
    case ErrorCategory::Auth:
        return QStringLiteral(
            "Sign in (https: Sign In… above the table) or check your key or token.");
    case ErrorCategory::NotFound:
        return QStringLiteral("Check the URL and that you have access to the repository.");
    case ErrorCategory::Tls:
        return QStringLiteral(
            "Sync it, then Review Certificate… above the table; or install your CA.");
    case ErrorCategory::HostKey:
        return QStringLiteral("Review Host Key… above the table shows its fingerprint.");
    case ErrorCategory::Local:
        return QStringLiteral("Check the destination folder and free disk space.");
    default: return QStringLiteral("Sync again later; the network or the server may recover.");
    }
}

QString progress(const RepoStatus &st)
{
    const core::TransferProgress &p = st.progress;
    const QLocale locale;
    QStringList parts;
    if (p.phase == core::Phase::Connecting && p.receivedBytes == 0)
        return QStringLiteral("connecting…");
    if (p.phase == core::Phase::Lfs) {
        parts << QStringLiteral("LFS");
        if (p.totalObjects > 0)
            parts << QStringLiteral("%1 / %2 files")
                         .arg(locale.toString(p.receivedObjects), locale.toString(p.totalObjects));
        parts << (p.totalBytes > 0
                      ? QStringLiteral("%1 / %2").arg(bytes(static_cast<qint64>(p.receivedBytes)),
                                                      bytes(static_cast<qint64>(p.totalBytes)))
                      : bytes(static_cast<qint64>(p.receivedBytes)));
        if (st.bytesPerSecond > 0.5)
            parts << rate(st.bytesPerSecond);
        return parts.join(QStringLiteral(" · "));
    }
    if (p.phase == core::Phase::Resolving && p.totalDeltas > 0)
        parts << QStringLiteral("%1 / %2 deltas")
                     .arg(locale.toString(p.indexedDeltas), locale.toString(p.totalDeltas));
    else if (p.totalObjects > 0)
        parts << QStringLiteral("%1 / %2 objects")
                     .arg(locale.toString(p.receivedObjects), locale.toString(p.totalObjects));
    parts << bytes(static_cast<qint64>(p.receivedBytes));
    if (st.bytesPerSecond > 0.5)
        parts << rate(st.bytesPerSecond);
    return parts.join(QStringLiteral(" · "));
}

QString count(qint64 n, const QString &singular, const QString &plural)
{
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? singular : plural);
}

QString duration(core::Millis d)
{
    QString text = core::humanDuration(d);
    for (const QLatin1String tail : {QLatin1String(" 0 s"), QLatin1String(" 0 min")}) {
        if (text.endsWith(tail))
            text.chop(tail.size());
    }
    return text;
}

QString bytes(qint64 n)
{
    if (n < 1024)
        return QStringLiteral("%1 B").arg(n);
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int unit = -1;
    while (v >= 1024.0 && unit < 3) {
        v /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(QLocale().toString(v, 'f', v < 10 ? 1 : 0),
                                       QLatin1String(units[unit]));
}

QString rate(double bytesPerSecond)
{
    return bytes(static_cast<qint64>(std::llround(bytesPerSecond))) + QStringLiteral("/s");
}

QString countdown(qint64 ms)
{
    const qint64 secs = (std::max<qint64>(0, ms) + 999) / 1000;
    if (secs < 60)
        return QStringLiteral("%1 s").arg(secs);
    if (secs < 3600)
        return QStringLiteral("%1 min %2 s").arg(secs / 60).arg(secs % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min")
        .arg(secs / 3600)
        .arg((secs % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString timestamp(const QDateTime &time, const QDateTime &now)
{
    if (!time.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    const QDateTime localNow = now.toLocalTime();
    const QLocale locale;
    if (local.date() == localNow.date())
        return locale.toString(local.time(), QStringLiteral("HH:mm:ss"));
    if (local.date().year() == localNow.date().year())
        return locale.toString(local, QStringLiteral("d MMM HH:mm"));
    return local.toString(QStringLiteral("yyyy-MM-dd"));
}

} // namespace repodeck::ui::text
