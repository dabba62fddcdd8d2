#pragma once

#include "model/RepoStatus.h"
#include "workspace/RepoSpec.h"

#include <QDateTime>
#include <QString>

namespace repodeck::ui {

// Everything the GUI says about a status, in one place so the table, the
// details pane, the tray and the exports use the same words.
namespace text {

// What the state column shows: "attempt 2 of 5 · receiving",
// "waiting for retry in 12 s (network)", "up to date", "failed: not found".
QString state(const RepoStatus &status, const QDateTime &now);
// "cloned", "local changes kept", "fetched only (diverged)", "failed: timeout".
QString outcome(const core::RepoState &state);
QString category(core::ErrorCategory category);
QString phase(core::Phase phase);

// Reason in plain words and the action that fixes it, for fetched_only and
// failed results; both empty for the others.
QString problem(const core::RepoState &state);
QString fix(const core::RepoState &state);

// "1,234 / 5,000 objects · 12.3 MiB · 1.2 MiB/s" (the percentage is
// model/RepoProgress's).
QString progress(const RepoStatus &status);

// "1 repository", "3 repositories": English plurals without a translation
// file (tr()'s %n needs one to choose the form).
QString count(qint64 n, const QString &singular, const QString &plural);
// core::humanDuration without the zero tails of round values: "1 min", "6 h".
QString duration(core::Millis duration);

QString bytes(qint64 bytes);
QString rate(double bytesPerSecond);
// "12 s", "3 min 05 s": a countdown that ticks once a second.
QString countdown(qint64 ms);
// Today: "14:05:09"; this year: "27 Nov 14:05"; otherwise "2025-03-02".
QString timestamp(const QDateTime &time, const QDateTime &now);
QString mode(core::RepoMode mode);

} // namespace text

} // namespace repodeck::ui
