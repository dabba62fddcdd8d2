#include "state/RepoState.h"

#include "util/RemoteUrl.h"

#include <QJsonArray>

#include <limits>

namespace repodeck::core {

namespace {

QString timeText(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime timeFrom(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

bool sameError(const SyncError &a, const SyncError &b)
{
    return a.category == b.category && a.transient == b.transient && a.gitClass == b.gitClass
           && a.gitCode == b.gitCode && a.httpStatus == b.httpStatus && a.message == b.message
           && a.hint == b.hint;
}

bool sameRecord(const AttemptRecord &a, const AttemptRecord &b)
{
    return a.attempt == b.attempt && a.maxAttempts == b.maxAttempts && a.started == b.started
           && a.duration == b.duration && a.bytes == b.bytes && a.ok == b.ok
           && a.retryIn == b.retryIn && sameError(a.error, b.error);
}

QString boundedText(const QJsonValue &v, int max)
{
    if (!v.isString())
        return {};
    QString text = v.toString().left(max);
    if (!text.isEmpty() && text.back().isHighSurrogate())
        text.chop(1); // cut inside a pair: keep the text valid UTF-16
    return withoutControlCharacters(text);
}

// A text field of the state file (hostile input: another program, a
// corrupt disk or an attacker may have written it), cut to what RepoDeck
// itself writes there at most. Line breaks are kept: messages have them.
QString boundedString(const QJsonValue &v, int max)
{
    QString text = v.toString().left(max);
    if (!text.isEmpty() && text.back().isHighSurrogate())
        text.chop(1);
    return text;
}

constexpr int kMaxMessage = 16 * 1024;
constexpr int kMaxName = 256;
constexpr int kMaxTimeline = 1000; // attempts of one run (the policy allows at most 100)

} // namespace

bool AfterSyncRecord::operator==(const AfterSyncRecord &o) const
{
    return started == o.started && durationMs == o.durationMs && exitCode == o.exitCode
           && timedOut == o.timedOut && killed == o.killed && startFailed == o.startFailed
           && error == o.error && output == o.output;
}

QJsonObject afterSyncRecordToJson(const AfterSyncRecord &r)
{
    QJsonObject o{
        {QStringLiteral("started"), timeText(r.started)},
        {QStringLiteral("duration_ms"), r.durationMs},
        {QStringLiteral("exit_code"), r.exitCode},
        {QStringLiteral("ok"), r.ok()},
        {QStringLiteral("output"), r.output},
    };
    if (r.timedOut)
        o.insert(QStringLiteral("timed_out"), true);
    if (r.killed)
        o.insert(QStringLiteral("killed"), true);
    if (r.startFailed)
        o.insert(QStringLiteral("start_failed"), true);
    if (!r.error.isEmpty())
        o.insert(QStringLiteral("error"), r.error);
    return o;
}

AfterSyncRecord afterSyncRecordFromJson(const QJsonObject &o)
{
    AfterSyncRecord r;
    r.started = timeFrom(o.value(QLatin1String("started")));
    if (!r.started.isValid())
        return {}; // no usable record: as if no command had run
    const QJsonValue duration = o.value(QLatin1String("duration_ms"));
    if (duration.isDouble())
        r.durationMs = std::clamp<qint64>(duration.toInteger(), 0, qint64(365) * 24 * 3600 * 1000);
    const QJsonValue code = o.value(QLatin1String("exit_code"));
    if (code.isDouble())
        r.exitCode = static_cast<int>(std::clamp<qint64>(
            code.toInteger(), std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    r.timedOut = o.value(QLatin1String("timed_out")).toBool();
    r.killed = o.value(QLatin1String("killed")).toBool();
    r.startFailed = o.value(QLatin1String("start_failed")).toBool();
    r.error = boundedText(o.value(QLatin1String("error")), AfterSyncRecord::kMaxError);
    r.output = boundedText(o.value(QLatin1String("output")), AfterSyncRecord::kMaxOutput);
    return r;
}

Outcome outcomeFromName(const QString &name)
{
    for (Outcome o : {Outcome::Cloned, Outcome::Updated, Outcome::UpToDate, Outcome::FetchedOnly,
                      Outcome::Failed, Outcome::Cancelled}) {
        if (outcomeName(o) == name)
            return o;
    }
    return Outcome::None;
}

QJsonObject syncErrorToJson(const SyncError &e)
{
    QJsonObject o{
        {QStringLiteral("category"), categoryName(e.category)},
        {QStringLiteral("transient"), e.transient},
        {QStringLiteral("message"), e.message},
        {QStringLiteral("hint"), e.hint},
    };
    if (e.httpStatus != 0)
        o.insert(QStringLiteral("http_status"), e.httpStatus);
    if (e.gitClass != 0 || e.gitCode != 0) {
        o.insert(QStringLiteral("git_class"), e.gitClass);
        o.insert(QStringLiteral("git_code"), e.gitCode);
    }
    return o;
}

SyncError syncErrorFromJson(const QJsonObject &o)
{
    SyncError e;
    e.category = categoryFromName(o.value(QLatin1String("category")).toString());
    e.transient = o.value(QLatin1String("transient")).toBool();
    e.message = boundedString(o.value(QLatin1String("message")), kMaxMessage);
    e.hint = boundedString(o.value(QLatin1String("hint")), kMaxMessage);
    e.httpStatus = o.value(QLatin1String("http_status")).toInt();
    e.gitClass = o.value(QLatin1String("git_class")).toInt();
    e.gitCode = o.value(QLatin1String("git_code")).toInt();
    return e;
}

QJsonObject attemptRecordToJson(const AttemptRecord &r)
{
    QJsonObject o{
        {QStringLiteral("attempt"), r.attempt},
        {QStringLiteral("max_attempts"), r.maxAttempts},
        {QStringLiteral("started"), timeText(r.started)},
        {QStringLiteral("duration_ms"), static_cast<qint64>(r.duration.count())},
        {QStringLiteral("bytes"), r.bytes},
        {QStringLiteral("ok"), r.ok},
        {QStringLiteral("retry_in_ms"), static_cast<qint64>(r.retryIn.count())},
    };
    if (r.error.isError())
        o.insert(QStringLiteral("error"), syncErrorToJson(r.error));
    o.insert(QStringLiteral("trigger"), triggerName(r.trigger));
    if (r.held)
        o.insert(QStringLiteral("held"), true);
    return o;
}

AttemptRecord attemptRecordFromJson(const QJsonObject &o)
{
    AttemptRecord r;
    r.attempt = o.value(QLatin1String("attempt")).toInt();
    r.maxAttempts = o.value(QLatin1String("max_attempts")).toInt();
    r.started = timeFrom(o.value(QLatin1String("started")));
    r.duration = Millis(o.value(QLatin1String("duration_ms")).toInteger());
    r.bytes = o.value(QLatin1String("bytes")).toInteger();
    r.ok = o.value(QLatin1String("ok")).toBool();
    r.retryIn = Millis(o.value(QLatin1String("retry_in_ms")).toInteger(-1));
    r.error = syncErrorFromJson(o.value(QLatin1String("error")).toObject());
    r.trigger = triggerFromName(o.value(QLatin1String("trigger")).toString())
                    .value_or(r.attempt > 1 ? Trigger::Retry : Trigger::Scheduled);
    r.held = o.value(QLatin1String("held")).toBool();
    return r;
}

QJsonObject RepoState::toJson() const
{
    QJsonArray attemptsJson;
    for (const AttemptRecord &r : timeline)
        attemptsJson.append(attemptRecordToJson(r));
    QJsonObject o{
        {QStringLiteral("last_success"), timeText(lastSuccess)},
        {QStringLiteral("last_attempt"), timeText(lastAttempt)},
        {QStringLiteral("outcome"), outcomeName(lastOutcome)},
        {QStringLiteral("attempts"), attempts},
        {QStringLiteral("consecutive_failures"), consecutiveFailures},
        {QStringLiteral("timeline"), attemptsJson},
    };
    if (!reason.isEmpty())
        o.insert(QStringLiteral("reason"), reason);
    if (!detail.isEmpty())
        o.insert(QStringLiteral("detail"), detail);
    if (error.isError())
        o.insert(QStringLiteral("error"), syncErrorToJson(error));
    if (afterSync.isValid())
        o.insert(QStringLiteral("after_sync"), afterSyncRecordToJson(afterSync));
    return o;
}

RepoState RepoState::fromJson(const QJsonObject &o)
{
    RepoState s;
    s.lastSuccess = timeFrom(o.value(QLatin1String("last_success")));
    s.lastAttempt = timeFrom(o.value(QLatin1String("last_attempt")));
    s.lastOutcome = outcomeFromName(o.value(QLatin1String("outcome")).toString());
    s.reason = boundedString(o.value(QLatin1String("reason")), kMaxName);
    s.detail = boundedString(o.value(QLatin1String("detail")), kMaxMessage);
    s.error = syncErrorFromJson(o.value(QLatin1String("error")).toObject());
    s.attempts = o.value(QLatin1String("attempts")).toInt();
    s.consecutiveFailures = o.value(QLatin1String("consecutive_failures")).toInt();
    const QJsonArray attemptsJson = o.value(QLatin1String("timeline")).toArray();
    for (const QJsonValue v : attemptsJson) {
        if (s.timeline.size() == kMaxTimeline)
            break;
        s.timeline.append(attemptRecordFromJson(v.toObject()));
    }
    // Absent in files written before after_sync existed.
    s.afterSync = afterSyncRecordFromJson(o.value(QLatin1String("after_sync")).toObject());
    return s;
}

bool RepoState::operator==(const RepoState &o) const
{
    if (lastSuccess != o.lastSuccess || lastAttempt != o.lastAttempt || lastOutcome != o.lastOutcome
        || reason != o.reason || detail != o.detail || !sameError(error, o.error)
        || attempts != o.attempts || consecutiveFailures != o.consecutiveFailures
        || !(afterSync == o.afterSync) || timeline.size() != o.timeline.size())
        return false;
    for (int i = 0; i < timeline.size(); ++i) {
        if (!sameRecord(timeline.at(i), o.timeline.at(i)))
            return false;
    }
    return true;
}

} // namespace repodeck::core
