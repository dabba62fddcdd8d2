#include "cli/SyncReporter.h"

#include "cli/Console.h"
#include "sync/Scheduler.h"
#include "util/RemoteUrl.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace repodeck::core::cli {

namespace {

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QString bytesText(quint64 bytes)
{
    return QLocale::c().formattedDataSize(static_cast<qint64>(bytes), 1,
                                          QLocale::DataSizeTraditionalFormat);
}

QString outcomeText(const RepoResult &r)
{
    switch (r.outcome) {
    case Outcome::Cloned: return QStringLiteral("cloned");
    case Outcome::Updated: return QStringLiteral("updated");
    case Outcome::UpToDate: return QStringLiteral("up to date");
    case Outcome::FetchedOnly: return QStringLiteral("kept local (%1)").arg(r.reason);
    case Outcome::Failed: return QStringLiteral("FAILED (%1)").arg(categoryName(r.error.category));
    case Outcome::Cancelled: return QStringLiteral("cancelled");
    case Outcome::None: break;
    }
    return {};
}

} // namespace

SyncReporter::SyncReporter(Scheduler *scheduler, Mode mode, QObject *parent)
    : QObject(parent)
    , m_mode(mode)
{
    connect(scheduler, &Scheduler::attemptStarted, this,
            [this](const QString &name, int attempt, int max, Trigger, bool connects) {
        m_live[name].attempt = attempt;
        m_live[name].maxAttempts = max;
        if (connects)
            m_live[name].waiting.clear();
        m_live[name].progress = {};
        if (m_mode == Mode::Json) {
            QJsonObject o{{QStringLiteral("event"), QStringLiteral("attempt_start")},
                          {QStringLiteral("repo"), name},
                          {QStringLiteral("attempt"), attempt}};
            if (!connects)
                o.insert(QStringLiteral("held"),
                         true); // counted without a connection: the host is paused
            emitJson(o);
        } else {
            redrawStatus();
        }
    });
    connect(scheduler, &Scheduler::progress, this,
            [this](const QString &name, const TransferProgress &p) {
        m_live[name].progress = p;
        if (m_mode == Mode::Json) {
            QJsonObject o{{QStringLiteral("event"), QStringLiteral("progress")},
                          {QStringLiteral("repo"), name},
                          {QStringLiteral("received_objects"),
                           static_cast<qint64>(p.receivedObjects)},
                          {QStringLiteral("total_objects"), static_cast<qint64>(p.totalObjects)},
                          {QStringLiteral("received_bytes"), static_cast<qint64>(p.receivedBytes)}};
            if (p.phase == Phase::Lfs) { // git-lfs bringing in the LFS files: files and bytes
                o.insert(QStringLiteral("phase"), QStringLiteral("lfs"));
                o.insert(QStringLiteral("total_bytes"), static_cast<qint64>(p.totalBytes));
            }
            if (p.steps > 0) {
                o.insert(QStringLiteral("step"), p.step);
                o.insert(QStringLiteral("steps"), p.steps);
                o.insert(QStringLiteral("kept_bytes"), static_cast<qint64>(p.keptBytes));
            }
            emitJson(o);
        } else if (!m_lastDraw.isValid() || m_lastDraw.elapsed() > 100)
            redrawStatus();
    });
    connect(scheduler, &Scheduler::attemptFinished, this,
            [this](const QString &name, const AttemptRecord &r) {
        if (m_mode == Mode::Json) {
            QJsonObject o{{QStringLiteral("event"), QStringLiteral("attempt_end")},
                          {QStringLiteral("repo"), name},
                          {QStringLiteral("attempt"), r.attempt},
                          {QStringLiteral("ok"), r.ok},
                          {QStringLiteral("category"), orNull(categoryName(r.error.category))},
                          {QStringLiteral("transient"), r.error.transient},
                          {QStringLiteral("message"), orNull(redactUrlsInText(r.error.text()))},
                          {QStringLiteral("retry_in_ms"),
                           r.retryIn.count() >= 0
                               ? QJsonValue(static_cast<qint64>(r.retryIn.count()))
                               : QJsonValue(QJsonValue::Null)},
                          {QStringLiteral("bytes"), r.bytes},
                          {QStringLiteral("duration_ms"), static_cast<qint64>(r.duration.count())}};
            if (r.held)
                o.insert(QStringLiteral("held"), true);
            emitJson(o);
            return;
        }
        if (r.held) {
            // Counted without a connection; the `held` line already said why.
            m_live[name].waiting = r.retryIn.count() >= 0
                                       ? QStringLiteral(
                                             "host paused, attempt %1/%2 counted, next in %3")
                                             .arg(r.attempt)
                                             .arg(r.maxAttempts)
                                             .arg(humanDuration(r.retryIn))
                                       : QStringLiteral("host paused");
            redrawStatus();
            return;
        }
        if (!r.ok && r.retryIn.count() >= 0) {
            clearStatus();
            printOut(QStringLiteral("%1: attempt %2/%3 failed (%4): %5 Retrying in %6.\n")
                         .arg(name)
                         .arg(r.attempt)
                         .arg(r.maxAttempts)
                         .arg(categoryName(r.error.category), redactUrlsInText(r.error.message),
                              humanDuration(r.retryIn)));
            m_live[name].waiting = QStringLiteral("retry in %1").arg(humanDuration(r.retryIn));
            redrawStatus();
        }
    });
    connect(scheduler, &Scheduler::finished, this,
            [this](const QString &name, const RepoResult &r) {
        m_live.remove(name);
        m_results.insert(name, r);
        if (r.outcome == Outcome::Failed)
            ++m_failed;
        if (m_mode == Mode::Json) {
            const bool failed = r.outcome == Outcome::Failed;
            emitJson(
                {{QStringLiteral("event"), QStringLiteral("repo_done")},
                 {QStringLiteral("repo"), name},
                 {QStringLiteral("outcome"), outcomeName(r.outcome)},
                 {QStringLiteral("attempts"), r.attempts},
                 {QStringLiteral("category"), failed ? QJsonValue(categoryName(r.error.category))
                                                     : QJsonValue(QJsonValue::Null)},
                 {QStringLiteral("reason"), orNull(r.reason)},
                 {QStringLiteral("message"),
                  orNull(redactUrlsInText(failed ? r.error.text() : r.detail))}});
            return;
        }
        clearStatus();
        printOut(QStringLiteral("%1: %2%3\n")
                     .arg(name, outcomeText(r),
                          r.attempts > 1 ? QStringLiteral(" after %1 attempts").arg(r.attempts)
                                         : QString()));
        redrawStatus();
    });
    connect(scheduler, &Scheduler::hostStateChanged, this,
            [this](const QString &host, BreakerState state, qint64 reopenInMs, int failures) {
        if (m_mode == Mode::Json) {
            emitJson({{QStringLiteral("event"), QStringLiteral("host_state")},
                      {QStringLiteral("host"), host},
                      {QStringLiteral("state"), breakerStateName(state)},
                      {QStringLiteral("retry_in_ms"), state == BreakerState::Open
                                                          ? QJsonValue(reopenInMs)
                                                          : QJsonValue(QJsonValue::Null)},
                      {QStringLiteral("consecutive_failures"), failures}});
            return;
        }
        if (state == BreakerState::Open) {
            clearStatus();
            printOut(QStringLiteral(
                         "%1: %2 failures in a row; pausing its repositories, next probe in %3.\n")
                         .arg(host)
                         .arg(failures)
                         .arg(humanDuration(Millis(reopenInMs))));
            redrawStatus();
        }
    });
    connect(scheduler, &Scheduler::held, this, [this](const QString &name, const QString &reason) {
        if (m_mode == Mode::Json) {
            emitJson({{QStringLiteral("event"), QStringLiteral("held")},
                      {QStringLiteral("repo"), name},
                      {QStringLiteral("reason"), reason}});
            return;
        }
        m_live[name].waiting = reason;
        redrawStatus();
    });
    connect(scheduler, &Scheduler::queued, this,
            [this](const QString &name) { m_heldReason.remove(name); });
    connect(scheduler, &Scheduler::waitingForLock, this,
            [this](const QString &name, const QString &holder) {
        if (m_mode == Mode::Json) {
            emitJson({{QStringLiteral("event"), QStringLiteral("waiting_for_lock")},
                      {QStringLiteral("repo"), name},
                      {QStringLiteral("holder"), holder}});
            return;
        }
        m_live[name].waiting = QStringLiteral("waiting for %1").arg(holder);
        redrawStatus();
    });
}

void SyncReporter::noteHeld(const QString &name, const QString &reason)
{
    m_heldReason.insert(name, reason);
    if (m_mode == Mode::Json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("held")},
                  {QStringLiteral("repo"), name},
                  {QStringLiteral("reason"), reason},
                  {QStringLiteral("message"),
                   QStringLiteral("the connection is metered and the policy says "
                                  "on_metered wait; --on-metered run syncs it now")}});
    }
}

int SyncReporter::heldCount() const
{
    int n = 0;
    for (auto it = m_heldReason.cbegin(); it != m_heldReason.cend(); ++it)
        n += m_results.contains(it.key()) ? 0 : 1;
    return n;
}

void SyncReporter::noteAfterSync(const QString &name, const HookResult &r)
{
    if (m_mode == Mode::Json) {
        emitJson(
            {{QStringLiteral("event"), QStringLiteral("after_sync")},
             {QStringLiteral("repo"), name},
             {QStringLiteral("ok"), r.ok()},
             {QStringLiteral("exit_code"), r.exitCode},
             {QStringLiteral("timed_out"), r.timedOut},
             {QStringLiteral("killed"), r.killed},
             {QStringLiteral("duration_ms"), r.durationMs},
             {QStringLiteral("message"), orNull(r.error)},
             {QStringLiteral("output"), withoutControlCharacters(redactUrlsInText(r.output))}});
        return;
    }
    if (r.ok())
        return;
    clearStatus();
    printOut(QStringLiteral("%1: %2 (the sync's result stands)\n").arg(name, r.error));
    redrawStatus();
}

void SyncReporter::emitJson(const QJsonObject &object)
{
    printOut(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact))
             + QLatin1Char('\n'));
}

void SyncReporter::clearStatus()
{
    if (m_mode != Mode::Terminal || m_statusWidth == 0)
        return;
    printOut(QLatin1Char('\r') + QString(m_statusWidth, QLatin1Char(' ')) + QLatin1Char('\r'));
    m_statusWidth = 0;
}

void SyncReporter::redrawStatus()
{
    if (m_mode != Mode::Terminal)
        return;
    m_lastDraw.start();
    QStringList parts;
    for (auto it = m_live.cbegin(); it != m_live.cend() && parts.size() < 4; ++it) {
        const Live &l = it.value();
        QString s = QStringLiteral("%1 [%2/%3]").arg(it.key()).arg(l.attempt).arg(l.maxAttempts);
        if (!l.waiting.isEmpty())
            s += QLatin1Char(' ') + l.waiting;
        else if (l.progress.steps > 0)
            s += QStringLiteral(" step %1 of %2, %3 kept")
                     .arg(l.progress.step)
                     .arg(l.progress.steps)
                     .arg(bytesText(l.progress.keptBytes));
        else if (l.progress.totalObjects > 0)
            s += QStringLiteral(" %1% %2")
                     .arg(100 * l.progress.receivedObjects / l.progress.totalObjects)
                     .arg(bytesText(l.progress.receivedBytes));
        parts << s;
    }
    QString line = QStringLiteral("%1 done, %2 active: %3")
                       .arg(m_results.size())
                       .arg(m_live.size())
                       .arg(parts.join(QStringLiteral(" | ")));
    if (line.size() > 150)
        line = line.left(147) + QStringLiteral("...");
    clearStatus();
    printOut(line);
    m_statusWidth = static_cast<int>(line.size());
}

void SyncReporter::printSummary(const QStringList &order, qint64 durationMs)
{
    if (m_mode == Mode::Json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("summary")},
                  {QStringLiteral("total"), static_cast<int>(order.size())},
                  {QStringLiteral("failed"), m_failed},
                  {QStringLiteral("held"), heldCount()},
                  {QStringLiteral("duration_ms"), durationMs}});
        return;
    }
    clearStatus();
    if (order.isEmpty()) {
        printOut(
            QStringLiteral("No repositories to sync. Add one with `repodeck-cli add NAME URL PATH` "
                           "or `repodeck-cli import DIR`.\n"));
        return;
    }
    int width = 12;
    for (const QString &n : order)
        width = std::max(width, static_cast<int>(n.size()) + 2);
    printOut(QStringLiteral("\n%1%2%3%4\n")
                 .arg(QStringLiteral("REPOSITORY").leftJustified(width),
                      QStringLiteral("RESULT").leftJustified(26),
                      QStringLiteral("ATTEMPTS").leftJustified(10),
                      QStringLiteral("WHY / WHAT TO DO")));
    for (const QString &name : order) {
        const RepoResult r = m_results.value(name);
        QString why = r.outcome == Outcome::Failed ? r.error.text() : r.detail;
        QString result = outcomeText(r);
        if (!m_results.contains(name) && m_heldReason.contains(name)) {
            result = QStringLiteral("held (%1)").arg(m_heldReason.value(name));
            why = QStringLiteral(
                "Metered connection: not synced (on_metered wait). Run with --on-metered run to sync now.");
        }
        printOut(QStringLiteral("%1%2%3%4\n")
                     .arg(name.leftJustified(width), result.leftJustified(26),
                          QString::number(r.attempts).leftJustified(10), redactUrlsInText(why)));
    }
    const int held = heldCount();
    printOut(
        QStringLiteral("\n%1 %2, %3 failed%4, %5.\n")
            .arg(order.size())
            .arg(order.size() == 1 ? QStringLiteral("repository") : QStringLiteral("repositories"))
            .arg(m_failed)
            .arg(held > 0 ? QStringLiteral(", %1 held (metered connection)").arg(held) : QString())
            .arg(humanDuration(Millis(durationMs))));
}

} // namespace repodeck::core::cli
