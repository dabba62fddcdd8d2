#include "GitDaemonServer.h"

#include "GitRepoFactory.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QtDebug>

#include <optional>

namespace repodeck::test {

namespace {

constexpr int kStartTimeoutMs = 10'000;
constexpr int kPortAttempts = 3;

// Linux: whether 127.0.0.1:port (or 0.0.0.0:port) is in LISTEN state, read
// from /proc/net/tcp. Returns nullopt where that file does not exist.
std::optional<bool> procListening(quint16 port)
{
    QFile table(QStringLiteral("/proc/net/tcp"));
    if (!table.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray portHex = QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
    const QList<QByteArray> lines = table.readAll().split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> fields = lines.at(i).simplified().split(' ');
        if (fields.size() < 4 || fields.at(3) != "0A") // 0A = TCP_LISTEN
            continue;
        const QByteArray local = fields.at(1);
        if (local == "0100007F:" + portHex || local == "00000000:" + portHex)
            return true;
    }
    return false;
}

} // namespace

quint16 pickFreeLocalPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

bool waitForTcpListener(quint16 port, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        // Prefer looking over touching: git daemon logs "the remote end hung
        // up unexpectedly" for every probe connection that sends nothing,
        // which would litter passing test logs with fatal-looking lines.
        if (const std::optional<bool> listening = procListening(port)) {
            if (*listening)
                return true;
        } else {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, port);
            // A refused connect fails at once; the cap only matters if the
            // SYN goes unanswered, and keeps the overall bound honest.
            if (socket.waitForConnected(qBound<int>(1, int(deadline.remainingTime()), 500))) {
                socket.abort();
                return true;
            }
        }
        // Not listening yet: poll again shortly instead of spinning on the
        // CPU the server needs to start.
        QThread::msleep(20);
    }
    return false;
}

GitDaemonServer::GitDaemonServer() = default;

GitDaemonServer::~GitDaemonServer()
{
    stop();
}

bool GitDaemonServer::start(const QString &baseDir)
{
    stop();
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        const quint16 port = pickFreeLocalPort();
        if (port != 0 && startOnce(baseDir, port))
            return true;
    }
    return false;
}

bool GitDaemonServer::startOnce(const QString &baseDir, quint16 port)
{
    // The whitelist check compares resolved paths, so a symlinked temp dir
    // would make every repository "not exported".
    const QString base = QFileInfo(baseDir).canonicalFilePath();
    if (base.isEmpty()) {
        qWarning() << "GitDaemonServer: no such directory" << baseDir;
        return false;
    }

    m_process = std::make_unique<QProcess>();
    QStringList args{QStringLiteral("--reuseaddr"), QStringLiteral("--export-all"),
                     QStringLiteral("--base-path=") + base, QStringLiteral("--listen=127.0.0.1"),
                     QStringLiteral("--port=") + QString::number(port),
                     QStringLiteral("--informative-errors"),
                     QStringLiteral("--enable=receive-pack"),
                     // The default cap of 32 makes the daemon kill older
                     // clients when exceeded: a fault nobody asked for.
                     QStringLiteral("--max-connections=0"), base};
    // Run git-daemon itself, not the `git daemon` wrapper: the wrapper is a
    // separate parent process, and killing it (our last resort in stop())
    // would leave the real daemon listening as an orphan.
    const QString daemon = GitRepoFactory::execPath() + QStringLiteral("/git-daemon");
    if (QFileInfo(daemon).isExecutable()) {
        m_process->setProgram(daemon);
    } else {
        m_process->setProgram(QStringLiteral("git"));
        args.prepend(QStringLiteral("daemon"));
    }
    m_process->setArguments(args);
    QProcessEnvironment env = GitRepoFactory::environment();
    // Pushes would otherwise run `gc --auto` detached, racing with cleanup.
    env.insert(QStringLiteral("GIT_CONFIG_COUNT"), QStringLiteral("1"));
    env.insert(QStringLiteral("GIT_CONFIG_KEY_0"), QStringLiteral("gc.auto"));
    env.insert(QStringLiteral("GIT_CONFIG_VALUE_0"), QStringLiteral("0"));
    m_process->setProcessEnvironment(env);
    // Nobody reads pipes while the test thread blocks; a full stderr pipe would
    // freeze the daemon. Forwarding also puts its complaints in the test log.
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->start();
    if (!m_process->waitForStarted(kStartTimeoutMs)) {
        qWarning() << "GitDaemonServer: cannot start git daemon:" << m_process->errorString();
        m_process.reset();
        return false;
    }

    QDeadlineTimer deadline(kStartTimeoutMs);
    while (!deadline.hasExpired()) {
        // The daemon exits at once if the port was taken in the meantime.
        if (m_process->state() != QProcess::Running || m_process->waitForFinished(0))
            break;
        if (waitForTcpListener(port, 200)) {
            m_port = port;
            return true;
        }
    }
    stop();
    return false;
}

void GitDaemonServer::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(3'000)) {
            m_process->kill();
            m_process->waitForFinished(3'000);
        }
    }
    m_process.reset();
    m_port = 0;
}

bool GitDaemonServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

quint16 GitDaemonServer::port() const
{
    return m_port;
}

QString GitDaemonServer::url(const QString &repoName) const
{
    return QStringLiteral("git://127.0.0.1:%1/%2").arg(m_port).arg(repoName);
}

} // namespace repodeck::test
