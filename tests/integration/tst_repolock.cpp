// RepoDeck's own lock against what a hostile or confused workspace leaves
// where the lock goes: a lock of a dead RepoDeck (taken over), its PID now
// used by another program (taken over), a live RepoDeck in another process
// or PID namespace (never stolen), a lock of another computer on a shared
// folder (never stolen), a link, a named pipe, a folder, a huge file, a
// file without a PID. The processes are real (this binary holding the lock
// in a child, util-linux flock, sleep); the files are made with the system
// calls that make them.
#include "SyncHarness.h"

#include "GitDaemonServer.h"
#include "GitRepoFactory.h"
#include "net/NetworkSetup.h"
#include "sync/RepoLock.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QProcess>
#include <QSysInfo>
#include <QtTest>

#include <functional>
#include <future>

#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

using namespace repodeck;
using namespace repodeck::test;
using core::RepoLock;

namespace {

// In a child: take the lock with RepoDeck's code, say so, hold it until stdin closes.
int holdLock(const char *path)
{
    RepoLock lock;
    if (lock.tryAcquire(QFile::decodeName(path)) != RepoLock::State::Acquired)
        return 3;
    if (::write(STDOUT_FILENO, "held\n", 5) != 5)
        return 4;
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
    return 0;
}

QByteArray ourLockLines(qint64 pid, const QByteArray &app)
{
    return QByteArray::number(pid) + '\n' + app + '\n' + QSysInfo::machineHostName().toUtf8() + '\n'
           + QSysInfo::machineUniqueId() + '\n' + QSysInfo::bootUniqueId() + '\n';
}

qint64 deadPid()
{
    QProcess dead;
    dead.start(QStringLiteral("true"));
    dead.waitForFinished(5000);
    return dead.processId() > 0 ? dead.processId() : 999'999;
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(data);
}

void ageFile(const QString &path, int seconds)
{
    const qint64 then = QDateTime::currentSecsSinceEpoch() - seconds;
    const timeval times[2] = {{static_cast<time_t>(then), 0}, {static_cast<time_t>(then), 0}};
    QCOMPARE(::utimes(QFile::encodeName(path).constData(), times), 0);
}

qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong();
    }
    return 0;
}

// tryAcquire on another thread with a bound: a lock that blocks is a
// failure, not a hung test. `unblock` runs if it did not return in time.
struct Bounded
{
    bool returned = false;
    RepoLock::State state = RepoLock::State::Error;
    QString detail;
    bool previousOwnerDied = false;
};
Bounded acquireWithin(const QString &path, int ms, const std::function<void()> &unblock = {})
{
    auto lock = std::make_shared<RepoLock>();
    auto future = std::async(std::launch::async, [lock, path] { return lock->tryAcquire(path); });
    Bounded b;
    if (future.wait_for(std::chrono::milliseconds(ms)) != std::future_status::ready) {
        for (int i = 0;
             i < 50 && future.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready;
             ++i) {
            if (unblock)
                unblock();
        }
        future.wait();
        return b;
    }
    b.returned = true;
    b.state = future.get();
    b.detail = lock->detail();
    b.previousOwnerDied = lock->previousOwnerDied();
    return b;
}

// Lets a reader blocked in open() on the named pipe `pipe` go, and moves
// the pipe out of the way so that the next open() cannot block again.
void releasePipe(const QString &pipe)
{
    const QString aside = pipe + ".aside";
    QFile::rename(pipe, aside);
    const int fd = ::open(QFile::encodeName(aside).constData(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0)
        ::close(fd);
}

} // namespace

class TestRepoLock : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    int m_counter = 0;

    QString lockPath()
    {
        return m_tmp.filePath(QStringLiteral("l%1/repodeck.lock").arg(++m_counter));
    }
    QString freshDir()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("d%1").arg(++m_counter));
        QDir().mkpath(dir);
        return dir;
    }

    // flock(1) holding flock() on the lock file while it runs a shell that
    // says so: a live process holding the file, the way a live QLockFile
    // owner does.
    static bool holdFlock(QProcess &p, const QString &path)
    {
        // --no-fork: the shell (then sleep) is the process holding it, so killing it lets go.
        p.start(QStringLiteral("flock"),
                {QStringLiteral("--exclusive"), QStringLiteral("--no-fork"), path,
                 QStringLiteral("sh"), QStringLiteral("-c"),
                 QStringLiteral("echo locked; exec sleep 60")});
        return p.waitForStarted(5000) && p.waitForReadyRead(10'000) && p.readLine() == "locked\n";
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QCOMPARE(core::initializeNetwork(), QString());
    }

    void deadOwnerIsTakenOver_data()
    {
        QTest::addColumn<bool>("qt5Format");
        QTest::newRow("PID, program, host, machine and boot id") << false;
        QTest::newRow("PID, program, host (older QLockFile)") << true;
    }
    void deadOwnerIsTakenOver()
    {
        QFETCH(bool, qt5Format);
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        const qint64 pid = deadPid();
        writeFile(path, qt5Format ? QByteArray::number(pid) + "\nrepodeck-cli\n"
                                        + QSysInfo::machineHostName().toUtf8() + "\n"
                                  : ourLockLines(pid, "repodeck-cli"));
        RepoLock lock;
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Acquired);
        QVERIFY(lock.previousOwnerDied());
    }

    // The PID names a live process, but not RepoDeck: the PID was reused.
    void pidReusedByAnotherProgramIsTakenOver()
    {
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        QProcess other;
        other.start(QStringLiteral("sleep"), {QStringLiteral("60")});
        QVERIFY(other.waitForStarted(5000));
        writeFile(path, ourLockLines(other.processId(), "repodeck-cli"));
        RepoLock lock;
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Acquired);
        QVERIFY(lock.previousOwnerDied());
        other.kill();
        other.waitForFinished(5000);
    }

    // A RepoDeck in another process holds it (this binary, taking the lock
    // with RepoLock in a child): never stolen, and the detail names it.
    void liveOwnerInAnotherProcessIsNeverStolen()
    {
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        QProcess child;
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--hold-lock"), path});
        QVERIFY(child.waitForStarted(5000));
        QVERIFY(child.waitForReadyRead(10'000));
        QCOMPARE(child.readLine(), QByteArray("held\n"));
        const QByteArray before = [&] {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        RepoLock lock;
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Busy);
        QVERIFY2(lock.detail().contains(QString::number(child.processId())),
                 qPrintable(lock.detail()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        child.closeWriteChannel();
        QVERIFY(child.waitForFinished(10'000));
        QCOMPARE(child.exitCode(), 0);
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Acquired);
        QVERIFY(!lock.previousOwnerDied());
    }

    // The PID looks dead from here, but a live process holds the file's
    // flock(): a RepoDeck in another PID namespace (a container, a sandbox)
    // sharing the folder. Never stolen.
    void deadLookingOwnerHoldingTheFileIsNeverStolen()
    {
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        writeFile(path, ourLockLines(deadPid(), "repodeck-cli"));
        QProcess holder;
        QVERIFY(holdFlock(holder, path));
        RepoLock lock;
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Busy);
        QVERIFY(QFileInfo::exists(path));
        holder.kill();
        holder.waitForFinished(5000);
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Acquired);
        QVERIFY(lock.previousOwnerDied());
    }

    // A lock of another computer (shared or network home folder): only
    // that computer knows whether its owner runs. Busy, and the detail says
    // what the user can do.
    void lockOfAnotherComputerIsNeverStolen_data()
    {
        QTest::addColumn<QByteArray>("text");
        const QByteArray pid = QByteArray::number(deadPid());
        QTest::newRow("other host name") << QByteArray(pid + "\nrepodeck-cli\nbuild-42.example\n");
        QTest::newRow("other machine id") << QByteArray(pid + "\nrepodeck-cli\nbuild-42.example\n"
                                                              "00000000000000000000000000000042\nboot\n");
    }
    void lockOfAnotherComputerIsNeverStolen()
    {
        QFETCH(QByteArray, text);
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        writeFile(path, text);
        RepoLock lock;
        QCOMPARE(lock.tryAcquire(path), RepoLock::State::Busy);
        QVERIFY2(lock.detail().contains("build-42.example")
                     && lock.detail().contains("another computer") && lock.detail().contains(path),
                 qPrintable(lock.detail()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), text);
    }

    // Not a file RepoDeck could have written: refused at once, never
    // opened through (a named pipe blocked QLockFile's read for ever), the
    // link and what it points to left as they are.
    void notALockFileIsRefusedUntouched_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::newRow("named pipe") << "fifo";
        QTest::newRow("link to a named pipe") << "link to fifo";
        QTest::newRow("link to a stale-looking lock elsewhere") << "link to lock";
        QTest::newRow("dangling link") << "dangling link";
        QTest::newRow("folder") << "folder";
    }
    void notALockFileIsRefusedUntouched()
    {
        QFETCH(QString, shape);
        const QString dir = freshDir();
        const QString path = dir + "/repodeck.lock";
        const QString fifo = dir + "/pipe";
        const QString elsewhere = dir + "/users-file";
        const QByteArray staleLooking = ourLockLines(deadPid(), "repodeck-cli");
        if (shape.contains("fifo"))
            QCOMPARE(::mkfifo(QFile::encodeName(shape == "fifo" ? path : fifo).constData(), 0600),
                     0);
        if (shape == "link to fifo")
            QVERIFY(QFile::link(fifo, path));
        if (shape == "link to lock") {
            writeFile(elsewhere, staleLooking);
            QVERIFY(QFile::link(elsewhere, path));
        }
        if (shape == "dangling link")
            QVERIFY(QFile::link(dir + "/nothing", path));
        if (shape == "folder")
            QVERIFY(QDir().mkpath(path));

        const QString pipe = shape == "fifo" ? path : fifo;
        const Bounded b = acquireWithin(path, 5000, [&] { releasePipe(pipe); });
        QVERIFY2(b.returned, "tryAcquire blocked on the lock path");
        QCOMPARE(b.state, RepoLock::State::Error);
        QVERIFY2(b.detail.contains("not a lock file RepoDeck wrote"), qPrintable(b.detail));
        const QFileInfo after(path);
        QCOMPARE(after.isSymLink(), shape.contains("link"));
        if (shape == "link to lock") {
            QFile f(elsewhere);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(f.readAll(), staleLooking);
        }
        if (shape == "folder")
            QVERIFY(after.isDir());
    }

    // A 256 MiB file (sparse, no newline): QLockFile read its first line whole.
    void hugeLockFileIsRefusedWithoutReadingIt()
    {
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(256LL << 20));
        }
        malloc_trim(0);
        QFile clear(QStringLiteral("/proc/self/clear_refs"));
        if (clear.open(QIODevice::WriteOnly))
            clear.write("5");
        clear.close();
        const qint64 before = statusKiB("VmRSS:");
        QElapsedTimer t;
        t.start();
        RepoLock lock;
        const RepoLock::State state = lock.tryAcquire(path);
        const qint64 grewMiB = (statusKiB("VmHWM:") - before) >> 10;
        qInfo("256 MiB lock file: %lld ms, peak RSS +%lld MiB: %s", t.elapsed(), grewMiB,
              qPrintable(lock.detail()));
        QCOMPARE(state, RepoLock::State::Error);
        QVERIFY2(lock.detail().contains("too large"), qPrintable(lock.detail()));
        QVERIFY2(grewMiB < 32, qPrintable(QString::number(grewMiB)));
        QCOMPARE(QFileInfo(path).size(), 256LL << 20);
    }

    // No PID in it: what a kill between QLockFile's create and write leaves
    // (or garbage). Kept busy for ever before; now taken over once nobody
    // holds it and it is 30 s old, never while someone holds it.
    void lockWithoutAPid_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("ageSecs");
        QTest::addColumn<bool>("held");
        QTest::addColumn<bool>("takenOver");
        QTest::newRow("empty, old") << QByteArray() << 120 << false << true;
        QTest::newRow("garbage, old") << QByteArray("\x01\x02 not a pid\n") << 120 << false << true;
        QTest::newRow("empty, just created") << QByteArray() << 0 << false << false;
        QTest::newRow("empty, old, held") << QByteArray() << 120 << true << false;
    }
    void lockWithoutAPid()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, ageSecs);
        QFETCH(bool, held);
        QFETCH(bool, takenOver);
        const QString path = lockPath();
        QDir().mkpath(QFileInfo(path).path());
        writeFile(path, text);
        QProcess holder;
        if (held)
            QVERIFY(holdFlock(holder, path));
        ageFile(path, ageSecs);
        RepoLock lock;
        const RepoLock::State state = lock.tryAcquire(path);
        if (held) {
            holder.kill();
            holder.waitForFinished(5000);
        }
        QCOMPARE(state, takenOver ? RepoLock::State::Acquired : RepoLock::State::Busy);
        QCOMPARE(lock.previousOwnerDied(), takenOver);
        QVERIFY(QFileInfo::exists(path));
    }

    // End to end: a named pipe planted as .git/repodeck.lock makes the sync
    // fail at once (local, one attempt) instead of hanging its worker.
    void plantedPipeFailsTheSyncAtOnce()
    {
        GitDaemonServer daemon;
        const QString root = freshDir();
        QVERIFY(!GitRepoFactory::createBareRepo(root, "r.git", 1).isEmpty());
        QVERIFY(daemon.start(root));
        const QString work = freshDir() + "/r";
        SyncHarness h;
        const auto cloned = h.syncAndWait(h.spec("p", daemon.url("r.git"), work), fastPolicy(),
                                          15'000);
        QVERIFY2(cloned.outcome == core::Outcome::Cloned, qPrintable(cloned.error.text()));
        const QString pipe = work + "/.git/repodeck.lock";
        QCOMPARE(::mkfifo(QFile::encodeName(pipe).constData(), 0600), 0);
        QElapsedTimer t;
        t.start();
        const auto r = h.syncAndWait(h.spec("p", daemon.url("r.git"), work), fastPolicy(), 15'000);
        for (int i = 0; i < 50 && !h.results.contains("p");
             ++i) { // blocked: let it go so the test can end
            releasePipe(pipe);
            h.waitFor("p", 200);
        }
        QCOMPARE(r.outcome, core::Outcome::Failed);
        QCOMPARE(r.error.category, core::ErrorCategory::Local);
        QCOMPARE(r.attempts, 1);
        QVERIFY2(r.error.message.contains("named pipe"), qPrintable(r.error.text()));
        QVERIFY2(t.elapsed() < 10'000, qPrintable(QString::number(t.elapsed())));
    }
};

int main(int argc, char **argv)
{
    if (argc == 3 && qstrcmp(argv[1], "--hold-lock") == 0)
        return holdLock(argv[2]);
    QCoreApplication app(argc, argv);
    TestRepoLock test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_repolock.moc"
