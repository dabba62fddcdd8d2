#pragma once

#include "sync/SyncTypes.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace repodeck::core {

// What RepoDeck remembers about one repository between runs, so "last
// success" and "last attempt" survive a restart and the details of the last
// failure can still be read the next morning.
struct RepoState
{
    QDateTime lastSuccess;             // the last run that ended without failing
    QDateTime lastAttempt;             // the start of the last attempt
    Outcome lastOutcome = Outcome::None;
    QString reason;                    // FetchedOnly: dirty, diverged, ...
    QString detail;                    // the engine's sentence for people
    SyncError error;                   // Failed: category, message, hint
    int attempts = 0;                  // attempts of the last run
    int consecutiveFailures = 0;       // finished runs that failed in a row
    QList<AttemptRecord> timeline;     // the last run's attempts, oldest first

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

} // namespace repodeck::core
