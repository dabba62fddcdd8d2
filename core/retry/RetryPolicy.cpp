#include "retry/RetryPolicy.h"

#include <QJsonValue>

namespace repodeck::core {

QString jitterName(Jitter jitter)
{
    switch (jitter) {
    case Jitter::None: return QStringLiteral("none");
    case Jitter::Full: return QStringLiteral("full");
    case Jitter::Equal: return QStringLiteral("equal");
    case Jitter::Decorrelated: return QStringLiteral("decorrelated");
    }
    return {};
}

std::optional<Jitter> jitterFromName(const QString &name)
{
    for (Jitter j : {Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated}) {
        if (jitterName(j) == name)
            return j;
    }
    return std::nullopt;
}

QString checkpointName(Checkpoint mode)
{
    switch (mode) {
    case Checkpoint::Auto: return QStringLiteral("auto");
    case Checkpoint::Always: return QStringLiteral("always");
    case Checkpoint::Never: return QStringLiteral("never");
    }
    return {};
}

std::optional<Checkpoint> checkpointFromName(const QString &name)
{
    for (Checkpoint c : {Checkpoint::Auto, Checkpoint::Always, Checkpoint::Never}) {
        if (checkpointName(c) == name)
            return c;
    }
    return std::nullopt;
}

RetryPolicy RetryPolicy::defaults()
{
    return RetryPolicy{};
}

QStringList RetryPolicy::validate() const
{
    QStringList problems;
    if (maxAttempts < 1 || maxAttempts > 100)
        problems << QStringLiteral("max attempts must be between 1 and 100");
    if (initialDelay.count() < 0)
        problems << QStringLiteral("initial delay must not be negative");
    if (multiplier < 1.0 || multiplier > 10.0)
        problems << QStringLiteral("multiplier must be between 1 and 10");
    if (maxDelay < initialDelay)
        problems << QStringLiteral("max delay must be at least the initial delay");
    if (connectTimeout.count() <= 0)
        problems << QStringLiteral("connect timeout must be positive");
    if (stallTimeout.count() <= 0)
        problems << QStringLiteral("stall timeout must be positive");
    if (attemptTimeout.count() <= 0)
        problems << QStringLiteral("attempt timeout must be positive");
    if (deadline.count() <= 0)
        problems << QStringLiteral("deadline must be positive");
    if (staleAfter.count() < 0)
        problems << QStringLiteral("stale after must not be negative");
    if (afterSyncTimeout.count() <= 0)
        problems << QStringLiteral("after sync timeout must be positive");
    if (interval.count() != 0 && interval.count() < 1000)
        problems << QStringLiteral("interval must be 0 (off) or at least 1s");
    return problems;
}

QString onMeteredName(OnMetered mode)
{
    return mode == OnMetered::Run ? QStringLiteral("run") : QStringLiteral("wait");
}

std::optional<OnMetered> onMeteredFromName(const QString &name)
{
    if (name == QLatin1String("wait"))
        return OnMetered::Wait;
    if (name == QLatin1String("run"))
        return OnMetered::Run;
    return std::nullopt;
}

QJsonObject RetryPolicy::toJson() const
{
    QJsonObject o{
        {QStringLiteral("max_attempts"), maxAttempts},
        {QStringLiteral("initial_delay"), formatDuration(initialDelay)},
        {QStringLiteral("multiplier"), multiplier},
        {QStringLiteral("max_delay"), formatDuration(maxDelay)},
        {QStringLiteral("jitter"), jitterName(jitter)},
        {QStringLiteral("connect_timeout"), formatDuration(connectTimeout)},
        {QStringLiteral("stall_timeout"), formatDuration(stallTimeout)},
        {QStringLiteral("attempt_timeout"), formatDuration(attemptTimeout)},
        {QStringLiteral("deadline"), formatDuration(deadline)},
        {QStringLiteral("checkpoint"), checkpointName(checkpoint)},
        {QStringLiteral("retry_after_limit"), retryAfterLimit == RetryAfterLimit::Deadline
                                                  ? QStringLiteral("deadline")
                                                  : QStringLiteral("max_delay")},
        {QStringLiteral("interval"), formatDuration(interval)},
        {QStringLiteral("sync_on_start"), syncOnStart},
        {QStringLiteral("stale_after"), formatDuration(staleAfter)},
        {QStringLiteral("on_metered"), onMeteredName(onMetered)},
    };
    if (lfsFetchAll)
        o.insert(QStringLiteral("lfs_fetch_all"), true);
    // Written only when set, so files stay as they were for those who do not use it.
    if (!afterSync.isEmpty()) {
        o.insert(QStringLiteral("after_sync"), afterSync);
        o.insert(QStringLiteral("after_sync_on"), afterSyncOn == AfterSyncOn::Any
                                                      ? QStringLiteral("any")
                                                      : QStringLiteral("success"));
        o.insert(QStringLiteral("after_sync_timeout"), formatDuration(afterSyncTimeout));
    }
    return o;
}

RetryPolicy RetryPolicy::fromJson(const QString &name, const QJsonObject &json, QString *error)
{
    RetryPolicy p;
    p.name = name;
    QStringList problems;
    auto duration = [&](const char *key, Millis &out) {
        const QJsonValue v = json.value(QLatin1String(key));
        if (v.isUndefined())
            return;
        const auto parsed = v.isString() ? parseDuration(v.toString()) : std::nullopt;
        if (!parsed)
            problems << QStringLiteral("policy \"%1\": %2 is not a duration like \"5s\"")
                            .arg(name, QLatin1String(key));
        else
            out = *parsed;
    };
    if (json.contains(QLatin1String("max_attempts"))) {
        const QJsonValue v = json.value(QLatin1String("max_attempts"));
        if (!v.isDouble())
            problems << QStringLiteral("policy \"%1\": max_attempts is not a number").arg(name);
        else
            p.maxAttempts = v.toInt();
    }
    if (json.contains(QLatin1String("multiplier"))) {
        const QJsonValue v = json.value(QLatin1String("multiplier"));
        if (!v.isDouble())
            problems << QStringLiteral("policy \"%1\": multiplier is not a number").arg(name);
        else
            p.multiplier = v.toDouble();
    }
    if (json.contains(QLatin1String("jitter"))) {
        const auto j = jitterFromName(json.value(QLatin1String("jitter")).toString());
        if (!j)
            problems << QStringLiteral(
                            "policy \"%1\": jitter must be none, full, equal or decorrelated")
                            .arg(name);
        else
            p.jitter = *j;
    }
    if (json.contains(QLatin1String("checkpoint"))) {
        const auto c = checkpointFromName(json.value(QLatin1String("checkpoint")).toString());
        if (!c)
            problems << QStringLiteral("policy \"%1\": checkpoint must be auto, always or never")
                            .arg(name);
        else
            p.checkpoint = *c;
    }
    if (json.contains(QLatin1String("retry_after_limit"))) {
        const QString v = json.value(QLatin1String("retry_after_limit")).toString();
        if (v == QLatin1String("deadline"))
            p.retryAfterLimit = RetryAfterLimit::Deadline;
        else if (v == QLatin1String("max_delay"))
            p.retryAfterLimit = RetryAfterLimit::MaxDelay;
        else
            problems << QStringLiteral(
                            "policy \"%1\": retry_after_limit must be max_delay or deadline")
                            .arg(name);
    }
    if (json.contains(QLatin1String("sync_on_start"))) {
        const QJsonValue v = json.value(QLatin1String("sync_on_start"));
        if (!v.isBool())
            problems << QStringLiteral("policy \"%1\": sync_on_start must be true or false")
                            .arg(name);
        else
            p.syncOnStart = v.toBool();
    }
    if (json.contains(QLatin1String("lfs_fetch_all"))) {
        const QJsonValue v = json.value(QLatin1String("lfs_fetch_all"));
        if (!v.isBool())
            problems << QStringLiteral("policy \"%1\": lfs_fetch_all must be true or false")
                            .arg(name);
        else
            p.lfsFetchAll = v.toBool();
    }
    // Absent in files written before these settings existed: the defaults.
    if (json.contains(QLatin1String("on_metered"))) {
        const auto m = onMeteredFromName(json.value(QLatin1String("on_metered")).toString());
        if (!m)
            problems << QStringLiteral("policy \"%1\": on_metered must be wait or run").arg(name);
        else
            p.onMetered = *m;
    }
    if (json.contains(QLatin1String("after_sync"))) {
        const QJsonValue v = json.value(QLatin1String("after_sync"));
        if (!v.isString())
            problems << QStringLiteral("policy \"%1\": after_sync must be a command (a string)")
                            .arg(name);
        else
            p.afterSync = v.toString();
    }
    if (json.contains(QLatin1String("after_sync_on"))) {
        const QString v = json.value(QLatin1String("after_sync_on")).toString();
        if (v == QLatin1String("success"))
            p.afterSyncOn = AfterSyncOn::Success;
        else if (v == QLatin1String("any"))
            p.afterSyncOn = AfterSyncOn::Any;
        else
            problems << QStringLiteral("policy \"%1\": after_sync_on must be success or any")
                            .arg(name);
    }
    duration("after_sync_timeout", p.afterSyncTimeout);
    duration("interval", p.interval);
    duration("stale_after", p.staleAfter);
    duration("initial_delay", p.initialDelay);
    duration("max_delay", p.maxDelay);
    duration("connect_timeout", p.connectTimeout);
    duration("stall_timeout", p.stallTimeout);
    duration("attempt_timeout", p.attemptTimeout);
    duration("deadline", p.deadline);
    problems << p.validate();
    if (error)
        *error = problems.join(QStringLiteral("; "));
    return p;
}

bool RetryPolicy::operator==(const RetryPolicy &o) const
{
    return name == o.name && maxAttempts == o.maxAttempts && initialDelay == o.initialDelay
           && multiplier == o.multiplier && maxDelay == o.maxDelay && jitter == o.jitter
           && connectTimeout == o.connectTimeout && stallTimeout == o.stallTimeout
           && attemptTimeout == o.attemptTimeout && deadline == o.deadline
           && checkpoint == o.checkpoint && retryAfterLimit == o.retryAfterLimit
           && interval == o.interval && syncOnStart == o.syncOnStart && staleAfter == o.staleAfter
           && lfsFetchAll == o.lfsFetchAll && onMetered == o.onMetered && afterSync == o.afterSync
           && afterSyncOn == o.afterSyncOn && afterSyncTimeout == o.afterSyncTimeout;
}

} // namespace repodeck::core
