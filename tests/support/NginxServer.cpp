#include "NginxServer.h"

#include "GitDaemonServer.h" // pickFreeLocalPort, waitForTcpListener

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>

namespace repodeck::test {

namespace {

constexpr int kStartTimeoutMs = 10'000;
constexpr int kPortAttempts = 3;

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QByteArray quoted(const QString &path)
{
    return '"' + QFile::encodeName(path) + '"';
}

} // namespace

NginxServer::NginxServer() = default;

NginxServer::~NginxServer()
{
    stop();
}

QString NginxServer::executablePath()
{
    // Debian installs it in /usr/sbin, which is not on every user's PATH.
    return QStandardPaths::findExecutable(
        QStringLiteral("nginx"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"),
                                  QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
}

bool NginxServer::start(quint16 upstreamPort, const QByteArray &certificateChainPem,
                        const QByteArray &privateKeyPem)
{
    stop();
    m_error.clear();
    if (executablePath().isEmpty()) {
        m_error = QStringLiteral("nginx is not installed (package nginx; ./dev.sh installs it)");
        return false;
    }
    const QDir dir(m_dir.path());
    if (!m_dir.isValid() || !writeFile(dir.filePath("server.pem"), certificateChainPem)
        || !writeFile(dir.filePath("server.key"), privateKeyPem)) {
        m_error = QStringLiteral("cannot write nginx's files into a temporary directory");
        return false;
    }
    for (const char *sub : {"body", "proxy", "fastcgi", "uwsgi", "scgi"})
        dir.mkpath(QString::fromLatin1(sub));
    for (int i = 0; i < kPortAttempts; ++i) {
        if (startOnce(upstreamPort))
            return true;
        stop(); // most likely another process took the port we picked: try another
    }
    return false;
}

bool NginxServer::startOnce(quint16 upstreamPort)
{
    const QDir dir(m_dir.path());
    m_port = pickFreeLocalPort();
    if (m_port == 0) {
        m_error = QStringLiteral("no free port on 127.0.0.1");
        return false;
    }
    // One process in the foreground: nothing to reap after a crash of the
    // test. Running as root, it keeps root (no worker switches user).
    const QByteArray config =
        "daemon off;\n"
        "master_process off;\n"
        "worker_processes 1;\n"
        "pid " + quoted(dir.filePath("nginx.pid")) + ";\n"
        "error_log " + quoted(dir.filePath("error.log")) + " warn;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "    log_format requests '$connection $request_method $request_uri $server_protocol $status';\n"
        "    access_log " + quoted(dir.filePath("access.log")) + " requests;\n"
        "    client_body_temp_path " + quoted(dir.filePath("body")) + ";\n"
        "    proxy_temp_path " + quoted(dir.filePath("proxy")) + ";\n"
        "    fastcgi_temp_path " + quoted(dir.filePath("fastcgi")) + ";\n"
        "    uwsgi_temp_path " + quoted(dir.filePath("uwsgi")) + ";\n"
        "    scgi_temp_path " + quoted(dir.filePath("scgi")) + ";\n"
        "    client_max_body_size 0;\n" // git's POST bodies can be large
        "    server {\n"
        "        listen 127.0.0.1:" + QByteArray::number(m_port) + " ssl http2;\n"
        "        ssl_certificate " + quoted(dir.filePath("server.pem")) + ";\n"
        "        ssl_certificate_key " + quoted(dir.filePath("server.key")) + ";\n"
        "        location / {\n"
        "            proxy_pass http://127.0.0.1:" + QByteArray::number(upstreamPort) + ";\n"
        "        }\n"
        "    }\n"
        "}\n";
    if (!writeFile(dir.filePath("nginx.conf"), config)) {
        m_error = QStringLiteral("cannot write nginx.conf");
        return false;
    }
    QFile::remove(dir.filePath("error.log"));

    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::ForwardedChannels);
    // -e: the error log from the very start, before the configuration is read.
    m_process->start(executablePath(),
                     {QStringLiteral("-p"), dir.path() + QLatin1Char('/'), QStringLiteral("-c"),
                      dir.filePath("nginx.conf"), QStringLiteral("-e"), dir.filePath("error.log")});
    if (!m_process->waitForStarted(5000)) {
        m_error = QStringLiteral("nginx did not start: %1").arg(m_process->errorString());
        return false;
    }
    QDeadlineTimer deadline(kStartTimeoutMs);
    while (!deadline.hasExpired()) {
        if (waitForTcpListener(m_port, 50))
            return true;
        if (m_process->state() == QProcess::NotRunning) {
            m_error = QStringLiteral("nginx exited: %1").arg(errorLogTail());
            return false;
        }
    }
    m_error = QStringLiteral("nginx did not listen on port %1 within %2 ms: %3")
                  .arg(m_port)
                  .arg(kStartTimeoutMs)
                  .arg(errorLogTail());
    return false;
}

void NginxServer::stop()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate(); // SIGTERM: nginx's fast shutdown
        if (!m_process->waitForFinished(3000)) {
            m_process->kill();
            m_process->waitForFinished(3000);
        }
    }
    m_process.reset();
}

QString NginxServer::url(const QString &repoName, const QString &host) const
{
    return QStringLiteral("https://%1:%2/%3").arg(host).arg(m_port).arg(repoName);
}

QStringList NginxServer::accessLog() const
{
    QFile f(QDir(m_dir.path()).filePath("access.log"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QString NginxServer::errorLogTail() const
{
    QFile f(QDir(m_dir.path()).filePath("error.log"));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("(no error log)");
    const QByteArray all = f.readAll().trimmed();
    return QString::fromUtf8(all.right(2000));
}

} // namespace repodeck::test
