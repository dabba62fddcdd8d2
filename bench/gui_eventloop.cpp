// Event-loop delay of the real main window under sync traffic.
//
// Builds a workspace of N repositories (default 1,000), opens the real
// MainWindow on it (model, proxy, delegate, details pane, status bar) and
// feeds its scheduler the signal traffic of A concurrent syncs (default 50):
// each reports progress 10 times a second, as the engine's throttle allows,
// attempts start and finish, one in five first attempts fails and waits
// 1 s for its retry, and finished repositories hand their slot to the next.
// A generator thread posts the signals the way the engine's workers do
// (queued to the scheduler's thread), so the GUI thread sees the same events.
//
// The event-loop delay is the lateness of a 10 ms precise timer on the GUI
// thread. Prints p50/p99/max for an idle phase and the loaded phase, the
// traffic that was delivered, the repaints of the table, and the peak RSS.
// By default the table is sorted by state, so the active rows are the ones on
// screen and the proxy re-sorts as states change (the expensive case);
// "name" keeps the name order, where most changing rows are off screen.
//
//   QT_QPA_PLATFORM=offscreen gui_eventloop [seconds=10] [repositories=1000] [active=50] [state|name]

#include "model/RepoTableModel.h"
#include "shell/MainWindow.h"
#include "sync/Scheduler.h"
#include "workspace/Workspace.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <QApplication>
#include <QEventLoop>
#include <QElapsedTimer>
#include <QEvent>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>

#include <sys/resource.h>

using namespace repodeck;
using Clock = std::chrono::steady_clock;

namespace {

struct Lateness
{
    std::vector<double> samples; // ms

    double percentile(double p) const
    {
        if (samples.empty())
            return 0;
        std::vector<double> s = samples;
        std::sort(s.begin(), s.end());
        const size_t i = std::min(s.size() - 1,
                                  static_cast<size_t>(p / 100.0 * static_cast<double>(s.size())));
        return s[i];
    }
    double max() const
    {
        return samples.empty() ? 0 : *std::max_element(samples.begin(), samples.end());
    }
};

// Measures how late a 10 ms timer fires during `ms`. A local event loop:
// QApplication::quit() would close the window being measured.
Lateness measure(int ms)
{
    Lateness result;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(10);
    QElapsedTimer clock;
    qint64 last = 0;
    QObject::connect(&timer, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        result.samples.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - 10.0));
        last = now;
    });
    QEventLoop loop;
    QTimer stop;
    stop.setSingleShot(true);
    QObject::connect(&stop, &QTimer::timeout, &loop, &QEventLoop::quit);
    clock.start();
    timer.start();
    stop.start(ms);
    loop.exec();
    return result;
}

// One simulated sync.
struct Job
{
    int repo = 0;
    int attempt = 1;
    Clock::time_point attemptStart;
    Clock::time_point nextProgress;
    Clock::time_point waitUntil; // waiting for a retry while in the future
    bool waiting = false;
    std::chrono::milliseconds length{3000};
    quint64 totalObjects = 2000;
};

// Posts scheduler signals from its own thread at the rates the engine would.
class TrafficGenerator
{
public:
    TrafficGenerator(core::Scheduler *scheduler, QStringList names, int active)
        : m_scheduler(scheduler)
        , m_names(std::move(names))
        , m_active(active)
    {
    }

    void start()
    {
        m_thread = std::thread([this] { run(); });
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    quint64 posted() const { return m_posted; }

private:
    template<typename F>
    void post(F &&f)
    {
        ++m_posted;
        QMetaObject::invokeMethod(m_scheduler, std::forward<F>(f), Qt::QueuedConnection);
    }

    void begin(Job &job, int repo, Clock::time_point now)
    {
        job = Job();
        job.repo = repo;
        job.attemptStart = now;
        job.nextProgress = now;
        job.length = std::chrono::milliseconds(2000 + (repo * 37) % 3000);
        job.totalObjects = 500 + static_cast<quint64>((repo * 131) % 5000);
        const QString name = m_names.at(repo);
        core::Scheduler *s = m_scheduler;
        post([s, name] {
            emit s->queued(name);
            emit s->attemptStarted(name, 1, 5);
        });
    }

    void run()
    {
        std::vector<Job> jobs(static_cast<size_t>(m_active));
        int next = 0;
        auto now = Clock::now();
        for (Job &job : jobs)
            begin(job, next++ % m_names.size(), now);
        while (!m_stop) {
            now = Clock::now();
            for (Job &job : jobs) {
                const QString name = m_names.at(job.repo);
                core::Scheduler *s = m_scheduler;
                if (job.waiting) {
                    if (now < job.waitUntil)
                        continue;
                    job.waiting = false;
                    ++job.attempt;
                    job.attemptStart = now;
                    job.nextProgress = now;
                    const int attempt = job.attempt;
                    post([s, name, attempt] { emit s->attemptStarted(name, attempt, 5); });
                    continue;
                }
                const auto elapsed = now - job.attemptStart;
                if (elapsed >= job.length) {
                    core::AttemptRecord record;
                    record.attempt = job.attempt;
                    record.maxAttempts = 5;
                    record.started = QDateTime::currentDateTimeUtc();
                    record.duration = std::chrono::duration_cast<core::Millis>(elapsed);
                    record.bytes = static_cast<qint64>(job.totalObjects) * 4096;
                    const bool fail = job.attempt == 1 && job.repo % 5 == 0;
                    if (fail) {
                        record.error.category = core::ErrorCategory::Network;
                        record.error.transient = true;
                        record.error.message = QStringLiteral(
                            "The connection was reset by the peer.");
                        record.retryIn = core::Millis(1000);
                        job.waiting = true;
                        job.waitUntil = now + std::chrono::milliseconds(1000);
                        post([s, name, record] { emit s->attemptFinished(name, record); });
                        continue;
                    }
                    record.ok = true;
                    core::RepoResult result;
                    result.outcome = core::Outcome::Updated;
                    result.attempts = job.attempt;
                    result.finished = QDateTime::currentDateTimeUtc();
                    result.bytes = record.bytes;
                    post([s, name, record, result] {
                        emit s->attemptFinished(name, record);
                        emit s->finished(name, result);
                    });
                    begin(job, next++ % m_names.size(), now);
                    continue;
                }
                if (now >= job.nextProgress) {
                    job.nextProgress += std::chrono::milliseconds(100); // 10 per second
                    const double done = std::chrono::duration<double>(elapsed)
                                        / std::chrono::duration<double>(job.length);
                    core::TransferProgress p;
                    p.phase = core::Phase::Receiving;
                    p.totalObjects = job.totalObjects;
                    p.receivedObjects = static_cast<quint64>(
                        done * static_cast<double>(job.totalObjects));
                    p.receivedBytes = p.receivedObjects * 4096;
                    post([s, name, p] { emit s->progress(name, p); });
                }
            }
            std::this_thread::sleep_until(now + std::chrono::milliseconds(5));
        }
    }

    core::Scheduler *m_scheduler;
    QStringList m_names;
    int m_active;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<quint64> m_posted{0};
};

// Counts the table's repaints.
class PaintCounter : public QObject
{
public:
    int count = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++count;
        return QObject::eventFilter(watched, event);
    }
};

void report(const char *phase, const Lateness &l)
{
    std::printf(
        "%-6s event-loop delay (10 ms timer lateness): p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu samples)\n",
        phase, l.percentile(50), l.percentile(99), l.max(), l.samples.size());
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // keep the window settings out of the user's
    QApplication::setOrganizationName(QStringLiteral("RepoDeckBench"));
    const QStringList args = QApplication::arguments();
    const int seconds = args.size() > 1 ? args.at(1).toInt() : 10;
    const int repositories = args.size() > 2 ? args.at(2).toInt() : 1000;
    const int active = args.size() > 3 ? args.at(3).toInt() : 50;
    const bool byState = args.size() <= 4 || args.at(4) != QLatin1String("name");

    QTemporaryDir dir;
    const QString wsPath = dir.filePath(QStringLiteral("workspace.json"));
    core::Workspace ws;
    QStringList names;
    for (int i = 0; i < repositories; ++i) {
        core::RepoSpec s;
        s.name = QStringLiteral("group%1/repo%2").arg(i / 100).arg(i, 4, 10, QLatin1Char('0'));
        s.url = QStringLiteral("https://git.example.test/%1.git").arg(s.name);
        s.path = dir.filePath(s.name);
        ws.addRepository(s);
        names << s.name;
    }
    if (const QString e = ws.save(wsPath); !e.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(e));
        return 1;
    }

    ui::MainWindow window(wsPath);
    window.resize(1400, 900);
    window.show();
    QElapsedTimer loading;
    loading.start();
    while (window.model()->rowCount() < repositories && loading.elapsed() < 30'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (window.model()->rowCount() != repositories) {
        std::fprintf(stderr, "the workspace did not load\n");
        return 1;
    }
    window.table()->sortByColumn(byState ? ui::RepoTableModel::State : ui::RepoTableModel::Name,
                                 Qt::AscendingOrder);
    window.table()->scrollToTop();
    PaintCounter paints;
    window.table()->viewport()->installEventFilter(&paints);

    quint64 dataChanged = 0;
    QObject::connect(window.model(), &QAbstractItemModel::dataChanged, [&] { ++dataChanged; });
    quint64 signalsSeen = 0;
    QObject::connect(window.scheduler(), &core::Scheduler::queued, [&] { ++signalsSeen; });
    QObject::connect(window.scheduler(), &core::Scheduler::progress, [&] { ++signalsSeen; });
    QObject::connect(window.scheduler(), &core::Scheduler::attemptStarted, [&] { ++signalsSeen; });
    QObject::connect(window.scheduler(), &core::Scheduler::attemptFinished, [&] { ++signalsSeen; });
    QObject::connect(window.scheduler(), &core::Scheduler::finished, [&] { ++signalsSeen; });

    std::printf(
        "RepoDeck GUI event-loop benchmark: %d repositories, %d syncing at once, %d s, sorted by %s, "
        "platform %s\n",
        repositories, active, seconds, byState ? "state" : "name",
        qPrintable(QGuiApplication::platformName()));
    const Lateness idle = measure(2000);

    TrafficGenerator traffic(window.scheduler(), names, active);
    dataChanged = 0;
    paints.count = 0;
    traffic.start();
    const Lateness loaded = measure(seconds * 1000);
    traffic.stop();
    QCoreApplication::processEvents();

    report("idle", idle);
    report("load", loaded);
    std::printf(
        "traffic: %llu scheduler signals delivered (%.0f/s); %llu dataChanged emitted (%.1f/s)\n",
        static_cast<unsigned long long>(signalsSeen), static_cast<double>(signalsSeen) / seconds,
        static_cast<unsigned long long>(dataChanged), static_cast<double>(dataChanged) / seconds);
    std::printf("table repaints: %d (%.1f/s)\n", paints.count,
                static_cast<double>(paints.count) / seconds);
    if (!window.isVisible() || paints.count == 0)
        std::printf(
            "warning: the window was not painted; the figures above do not include painting\n");
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak RSS: %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    return 0;
}
