#pragma once

#include "util/Duration.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace repodeck::core {

enum class Jitter { None, Full, Equal, Decorrelated };

// When a large history is fetched in checkpointed steps (see
// sync/CheckpointedFetch.h): Auto after an attempt failed partway, Always
// from the first attempt, Never.
enum class Checkpoint { Auto, Always, Never };

QString checkpointName(Checkpoint mode);
std::optional<Checkpoint> checkpointFromName(const QString &name);

// How far a server's Retry-After may push the next attempt. Deadline (the
// default): it is a minimum ("not before"), capped only by the deadline; a
// server asking for longer than the deadline leaves ends the sync at once
// (retry::decide). MaxDelay, an explicit opt-in: capped at the policy's max delay.
enum class RetryAfterLimit { MaxDelay, Deadline };

// What scheduled and background syncs do while the operating system marks
// the connection as metered (QNetworkInformation::isMetered): wait until it
// is not (the default), or run as usual (mirrors on servers). Manual syncs
// always run.
enum class OnMetered { Wait, Run };

QString onMeteredName(OnMetered mode); // "wait", "run"
std::optional<OnMetered> onMeteredFromName(const QString &name);

// When the after_sync command runs: only after a sync that did not fail
// (the default), or after any sync that ended (not after a cancel).
enum class AfterSyncOn { Success, Any };

QString jitterName(Jitter jitter);
std::optional<Jitter> jitterFromName(const QString &name);

// A named set of limits for one repository's sync. Values are plain data; the
// scheduler and the network layer read them, nothing here runs.
struct RetryPolicy
{
    QString name = QStringLiteral("default");
    int maxAttempts = 5;
    Millis initialDelay{2000};
    double multiplier = 2.0;
    Millis maxDelay{60'000};
    Jitter jitter = Jitter::Full;
    Millis connectTimeout{15'000}; // DNS + TCP connect
    Millis stallTimeout{60'000};   // no byte received for this long
    Millis attemptTimeout{30 * 60'000};
    Millis deadline{2 * 3'600'000}; // from the first attempt's start to giving up
    Checkpoint checkpoint = Checkpoint::Auto;
    RetryAfterLimit retryAfterLimit = RetryAfterLimit::Deadline;
    Millis interval{0};       // scheduled sync every ...; 0 = only on request
    bool syncOnStart = false; // sync when the app starts
    Millis staleAfter{0};     // freshness target: stale when the last success is older; 0 = none
    // Mirrors: after each fetch also fetch every LFS object of every ref
    // (`git lfs fetch --all`), so the mirror can serve them. JSON
    // `lfs_fetch_all`, written only when true (older files load unchanged).
    bool lfsFetchAll = false;
    OnMetered onMetered = OnMetered::Wait;
    // A command of the user's, run through the platform shell when a sync
    // ends (see sync/AfterSyncHook.h); empty = none.
    QString afterSync;
    AfterSyncOn afterSyncOn = AfterSyncOn::Success;
    Millis afterSyncTimeout{5 * 60'000}; // the command is killed after this

    static RetryPolicy defaults();

    // Empty when usable; otherwise one sentence per problem, naming the field.
    QStringList validate() const;

    QJsonObject toJson() const;
    // Missing keys keep their defaults; wrong types are reported in *error.
    static RetryPolicy fromJson(const QString &name, const QJsonObject &json, QString *error);

    bool operator==(const RetryPolicy &other) const;
    bool operator!=(const RetryPolicy &other) const { return !(*this == other); }
};

} // namespace repodeck::core
