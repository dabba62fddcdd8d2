#pragma once

#include "sync/AfterSyncHook.h"
#include "sync/SyncTypes.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QStringList>

namespace repodeck::core {
class Scheduler;
}

namespace repodeck::core::cli {

// Turns scheduler signals into the CLI's output: JSON lines (a contract) or
// a live terminal display followed by a final table.
class SyncReporter : public QObject
{
    Q_OBJECT

public:
    enum class Mode { Json, Terminal, Plain };

    SyncReporter(Scheduler *scheduler, Mode mode, QObject *parent = nullptr);

    void printSummary(const QStringList &order, qint64 durationMs);
    int failedCount() const { return m_failed; }
    int heldCount() const;

    // The session held `name` (reason "metered"): it is reported held unless it runs later.
    void noteHeld(const QString &name, const QString &reason);
    void noteAfterSync(const QString &name, const repodeck::core::HookResult &result);

private:
    struct Live
    {
        int attempt = 0;
        int maxAttempts = 0;
        TransferProgress progress;
        QString waiting;
    };

    void emitJson(const QJsonObject &object);
    void redrawStatus();
    void clearStatus();

    Mode m_mode;
    int m_failed = 0;
    QHash<QString, Live> m_live;
    QHash<QString, RepoResult> m_results;
    QHash<QString, QString> m_heldReason;
    int m_statusWidth = 0;
    QElapsedTimer m_lastDraw;
};

} // namespace repodeck::core::cli
