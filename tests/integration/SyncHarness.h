#pragma once

// Runs a Scheduler in the test thread and collects what it reports, so tests
// can wait on results with a bound instead of sleeping.

#include "retry/RetryPolicy.h"
#include "sync/Scheduler.h"
#include "workspace/RepoSpec.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSignalSpy>

namespace repodeck::test {

// Millisecond policies keep the suite fast while exercising every code path.
inline core::RetryPolicy fastPolicy(int attempts = 4)
{
    core::RetryPolicy p;
    p.name = QStringLiteral("test");
    p.maxAttempts = attempts;
    p.initialDelay = core::Millis(20);
    p.multiplier = 2.0;
    p.maxDelay = core::Millis(100);
    p.jitter = core::Jitter::Equal;
    p.connectTimeout = core::Millis(2000);
    p.stallTimeout = core::Millis(2000);
    p.attemptTimeout = core::Millis(30'000);
    p.deadline = core::Millis(60'000);
    return p;
}

class SyncHarness : public QObject
{
    Q_OBJECT

public:
    SyncHarness()
    {
        connect(&scheduler, &core::Scheduler::attemptFinished, this,
                [this](const QString &n, const core::AttemptRecord &r) { attempts[n].append(r); });
        connect(&scheduler, &core::Scheduler::attemptStarted, this,
                [this](const QString &n, int, int) { ++started[n]; });
        connect(&scheduler, &core::Scheduler::progress, this,
                [this](const QString &n, const core::TransferProgress &p) {
            ++progressEvents[n];
            if (p.steps > 0)
                maxSteps[n] = std::max(maxSteps.value(n), p.steps);
        });
        connect(&scheduler, &core::Scheduler::finished, this,
                [this](const QString &n, const core::RepoResult &r) { results.insert(n, r); });
        scheduler.setSeed(1);
    }

    core::RepoSpec spec(const QString &name, const QString &url, const QString &path,
                        core::RepoMode mode = core::RepoMode::WorkingCopy)
    {
        core::RepoSpec s;
        s.name = name;
        s.url = url;
        s.path = path;
        s.mode = mode;
        return s;
    }

    // Syncs and waits (bounded) for the result.
    core::RepoResult syncAndWait(const core::RepoSpec &s, const core::RetryPolicy &p,
                                 int timeoutMs = 30'000)
    {
        results.remove(s.name);
        attempts.remove(s.name);
        scheduler.sync(s, p);
        return waitFor(s.name, timeoutMs);
    }

    core::RepoResult waitFor(const QString &name, int timeoutMs = 30'000)
    {
        QSignalSpy spy(&scheduler, &core::Scheduler::finished);
        QElapsedTimer t;
        t.start();
        while (!results.contains(name) && t.elapsed() < timeoutMs)
            spy.wait(std::max<qint64>(1, timeoutMs - t.elapsed()));
        return results.value(name);
    }

    core::Scheduler scheduler;
    QHash<QString, QList<core::AttemptRecord>> attempts;
    QHash<QString, int> started;
    QHash<QString, int> progressEvents;
    QHash<QString, int> maxSteps;
    QHash<QString, core::RepoResult> results;
};

} // namespace repodeck::test
