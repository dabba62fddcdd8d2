#include "auth/Keychain.h"

#include "auth/CredentialScope.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <spdlog/spdlog.h>

#include <memory>

namespace repodeck::core {

namespace {

// The one thread that talks to the keychain. QtKeychain's jobs are
// asynchronous and need an event loop (D-Bus replies on Linux); sync workers
// have none, so they hand the job to this thread and wait for its answer.
class KeychainThread
{
public:
    static KeychainThread *instance()
    {
        static QMutex mutex;
        QMutexLocker lock(&mutex);
        static KeychainThread *self = nullptr;
        if (!self && QCoreApplication::instance()) {
            self = new KeychainThread;
            qAddPostRoutine([] {
                self->m_thread.quit();
                self->m_thread.wait();
            });
        }
        return self;
    }
    QObject *context() { return &m_context; }

private:
    KeychainThread()
    {
        m_thread.setObjectName(QStringLiteral("keychain"));
        m_context.moveToThread(&m_thread);
        m_thread.start();
    }
    QThread m_thread;
    QObject m_context;
};

struct Pending
{
    QMutex mutex;
    QWaitCondition done;
    bool finished = false;
    KeychainResult result;
};

enum class Operation { Read, Write, Remove };

KeychainResult fromJob(QKeychain::Job *job, Operation op)
{
    KeychainResult r;
    switch (job->error()) {
    case QKeychain::NoError:
        r.status = KeychainResult::Ok;
        if (op == Operation::Read)
            r.data = static_cast<QKeychain::ReadPasswordJob *>(job)->binaryData();
        break;
    case QKeychain::EntryNotFound:
        r.status = KeychainResult::NotFound;
        break;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        r.status = KeychainResult::Unavailable;
        r.error = job->errorString();
        break;
    default:
        r.status = KeychainResult::Failed;
        r.error = job->errorString();
        break;
    }
    return r;
}

KeychainResult run(Operation op, const QString &key, const QByteArray &data, int timeoutMs)
{
    if (qEnvironmentVariable("REPODECK_KEYCHAIN") == QLatin1String("off"))
        return {KeychainResult::Unavailable, {}, QStringLiteral("the keychain is switched off (REPODECK_KEYCHAIN=off)")};
    KeychainThread *thread = KeychainThread::instance();
    if (!thread)
        return {KeychainResult::Unavailable, {}, QStringLiteral("the keychain needs a running application")};
    auto pending = std::make_shared<Pending>();
    const QString service = Keychain::service();
    QMetaObject::invokeMethod(
        thread->context(),
        [pending, op, key, data, service] {
            QKeychain::Job *job = nullptr;
            switch (op) {
            case Operation::Read:
                job = new QKeychain::ReadPasswordJob(service);
                break;
            case Operation::Write: {
                auto *write = new QKeychain::WritePasswordJob(service);
                write->setBinaryData(data);
                job = write;
                break;
            }
            case Operation::Remove:
                job = new QKeychain::DeletePasswordJob(service);
                break;
            }
            job->setAutoDelete(true);
            job->setInsecureFallback(false); // never a plain-text file
            job->setKey(key);
            QObject::connect(job, &QKeychain::Job::finished, [pending, op](QKeychain::Job *j) {
                QMutexLocker lock(&pending->mutex);
                pending->result = fromJob(j, op);
                pending->finished = true;
                pending->done.wakeAll();
            });
            job->start();
        },
        Qt::QueuedConnection);
    QMutexLocker lock(&pending->mutex);
    const QDeadlineTimer deadline(timeoutMs);
    while (!pending->finished && pending->done.wait(&pending->mutex, deadline)) {
    }
    if (!pending->finished)
        return {KeychainResult::Failed, {},
                QStringLiteral("the keychain did not answer within %1 s (is it locked?)").arg(timeoutMs / 1000)};
    return pending->result;
}

} // namespace

QString Keychain::service()
{
    const QString custom = qEnvironmentVariable("REPODECK_KEYCHAIN_SERVICE");
    return custom.isEmpty() ? QStringLiteral("RepoDeck") : custom;
}

KeychainResult Keychain::read(const QString &key, int timeoutMs)
{
    return run(Operation::Read, key, {}, timeoutMs);
}

KeychainResult Keychain::write(const QString &key, const QByteArray &data, int timeoutMs)
{
    return run(Operation::Write, key, data, timeoutMs);
}

KeychainResult Keychain::remove(const QString &key, int timeoutMs)
{
    return run(Operation::Remove, key, {}, timeoutMs);
}

bool Keychain::available(QString *why)
{
    const KeychainResult probe = read(QStringLiteral("repodeck-probe"), 5'000);
    if (probe.status == KeychainResult::Ok || probe.status == KeychainResult::NotFound)
        return true;
    if (why)
        *why = probe.error;
    return false;
}

QString Keychain::unavailableAdvice()
{
#if defined(Q_OS_WIN)
    return QStringLiteral("Windows Credential Manager did not answer.");
#elif defined(Q_OS_MACOS)
    return QStringLiteral("The macOS Keychain did not answer; unlock it in Keychain Access.");
#else
    return QStringLiteral("No Secret Service keychain is running (GNOME Keyring or KWallet on a desktop session; "
                          "on a server, store the token with git's credential helper instead, e.g. "
                          "`git credential approve`).");
#endif
}

// ---------------------------------------------------------------------------

namespace {

QByteArray encode(const Credential &c)
{
    QJsonObject o;
    o.insert(QStringLiteral("username"), c.username);
    o.insert(QStringLiteral("secret"), c.secret);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<Credential> decode(const QByteArray &data)
{
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    const QString secret = o.value(QStringLiteral("secret")).toString();
    if (secret.isEmpty())
        return std::nullopt;
    return Credential{o.value(QStringLiteral("username")).toString(), secret, QStringLiteral("keychain")};
}

} // namespace

QString KeychainCredentials::accountKey(const QString &protocol, const QString &host, const QString &username)
{
    return QStringLiteral("%1://%2@%3").arg(protocol, username, host);
}

QString KeychainCredentials::hostKey(const QString &protocol, const QString &host)
{
    return QStringLiteral("%1://%2").arg(protocol, host);
}

std::optional<Credential> KeychainCredentials::fill(const CredentialRequest &request)
{
    QStringList keys;
    if (!request.username.isEmpty())
        keys << accountKey(request.protocol, request.host, request.username);
    keys << hostKey(request.protocol, request.host);
    for (const QString &key : keys) {
        const KeychainResult r = Keychain::read(key);
        if (r.status == KeychainResult::Unavailable)
            return std::nullopt;
        if (r.status == KeychainResult::Failed) {
            // The key may hold a user name, which is often a token: name the host only.
            spdlog::warn("keychain: reading the login for {} failed: {}",
                         hostKey(request.protocol, request.host).toStdString(), r.error.toStdString());
            return std::nullopt;
        }
        if (!r.ok())
            continue;
        std::optional<Credential> c = decode(r.data);
        if (c && (request.username.isEmpty() || c->username == request.username))
            return c;
    }
    return std::nullopt;
}

void KeychainCredentials::reject(const CredentialRequest &request, const Credential &credential)
{
    for (const QString &key : {accountKey(request.protocol, request.host, credential.username),
                               hostKey(request.protocol, request.host)}) {
        const KeychainResult r = Keychain::read(key);
        if (!r.ok())
            continue;
        const std::optional<Credential> stored = decode(r.data);
        if (stored && stored->username == credential.username && stored->secret == credential.secret) {
            Keychain::remove(key);
            spdlog::info("keychain: removed the rejected login for {}",
                         hostKey(request.protocol, request.host).toStdString());
        }
    }
}

KeychainResult KeychainCredentials::store(const CredentialRequest &request, const Credential &credential,
                                          bool asHostDefault)
{
    for (const QString &field : {request.protocol, request.host, credential.username}) {
        if (!isSafeCredentialField(field))
            return {KeychainResult::Failed, {},
                    QStringLiteral("the host or user name holds a line break or NUL character; nothing was stored")};
    }
    const QByteArray value = encode(credential);
    KeychainResult r = Keychain::write(accountKey(request.protocol, request.host, credential.username), value);
    if (r.ok() && asHostDefault)
        r = Keychain::write(hostKey(request.protocol, request.host), value);
    return r;
}

} // namespace repodeck::core
