#include "auth/KeychainBackend.h"

#include <qt6keychain/keychain.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <memory>

// The keychain through QtKeychain (Secret Service on Linux, the macOS
// Keychain).
namespace repodeck::core::keychain {

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

KeychainResult fromJob(QKeychain::Job *job, Operation op)
{
    KeychainResult r;
    switch (job->error()) {
    case QKeychain::NoError:
        r.status = KeychainResult::Ok;
        if (op == Operation::Read)
            r.data = static_cast<QKeychain::ReadPasswordJob *>(job)->binaryData();
        break;
    case QKeychain::EntryNotFound: r.status = KeychainResult::NotFound; break;
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

} // namespace

KeychainResult runBackend(Operation op, const QString &service, const QString &key,
                          const QByteArray &data, int timeoutMs)
{
    KeychainThread *thread = KeychainThread::instance();
    if (!thread)
        return {KeychainResult::Unavailable,
                {},
                QStringLiteral("the keychain needs a running application")};
    auto pending = std::make_shared<Pending>();
    QMetaObject::invokeMethod(
        thread->context(),
        [pending, op, key, data, service] {
        QKeychain::Job *job = nullptr;
        switch (op) {
        case Operation::Read: job = new QKeychain::ReadPasswordJob(service); break;
        case Operation::Write: {
            auto *write = new QKeychain::WritePasswordJob(service);
            write->setBinaryData(data);
            job = write;
            break;
        }
        case Operation::Remove: job = new QKeychain::DeletePasswordJob(service); break;
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
        return {KeychainResult::Failed,
                {},
                QStringLiteral("the keychain did not answer within %1 s (is it locked?)")
                    .arg(timeoutMs / 1000)};
    return pending->result;
}

} // namespace repodeck::core::keychain
