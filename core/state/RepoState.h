#pragma once

#include "sync/SyncTypes.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace repodeck::core {

// The after_sync command of the last run: when it started, how it ended and
// the last lines it printed (redacted, without control characters). Never
// the command itself, which is the user's text and may carry a token.
struct AfterSyncRecord
{
    static constexpr int kMaxOutput = 4096 + 8; // AfterSyncHooks::kOutputCap and "...\n"
    static constexpr int kMaxError = 512;

    QDateTime started; // invalid: no command ran for the last run
    qint64 durationMs = 0;
    int exitCode = -1;
    bool timedOut = false;
    bool killed = false; // on cancel or shutdown
    bool startFailed = false;
    QString error; // for people; empty when it exited 0
    QString output;

    bool isValid() const { return started.isValid(); }
    bool ok() const { return exitCode == 0 && !timedOut && !killed && !startFailed; }
    bool operator==(const AfterSyncRecord &o) const;
};

// What RepoDeck remembers about one repository between runs, so "last
// success" and "last attempt" survive a restart and the details of the last
// failure can still be read the next morning.
struct RepoState
{
    QDateTime lastSuccess; // the last run that ended without failing
    QDateTime lastAttempt; // the start of the last attempt
    Outcome lastOutcome = Outcome::None;
    QString reason;                // FetchedOnly: dirty, diverged, ...
    QString detail;                // the engine's sentence for people
    SyncError error;               // Failed: category, message, hint
    int attempts = 0;              // attempts of the last run
    int consecutiveFailures = 0;   // finished runs that failed in a row
    QList<AttemptRecord> timeline; // the last run's attempts, oldest first
    AfterSyncRecord afterSync;     // the last run's after_sync command, if one ran

    QJsonObject toJson() const;
    static RepoState fromJson(const QJsonObject &json);
    bool operator==(const RepoState &other) const;
    bool operator!=(const RepoState &other) const { return !(*this == other); }
};

// Shared by the state file and the details pane's JSON export, so both read
// the same way.
QJsonObject attemptRecordToJson(const AttemptRecord &record);
AttemptRecord attemptRecordFromJson(const QJsonObject &json);
QJsonObject syncErrorToJson(const SyncError &error);
SyncError syncErrorFromJson(const QJsonObject &json);
Outcome outcomeFromName(const QString &name);
// "after_sync" in the state file and in `repodeck-cli status --json`. Reading
// treats the file as hostile: wrong types give defaults, texts are cut to
// their bounds and stripped of control characters.
QJsonObject afterSyncRecordToJson(const AfterSyncRecord &record);
AfterSyncRecord afterSyncRecordFromJson(const QJsonObject &json);

} // namespace repodeck::core
