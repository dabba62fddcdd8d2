#pragma once

#include "ServerThread.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include <atomic>

namespace repodeck::test {

class LfsServerWorker;

// A small Git LFS server on 127.0.0.1 speaking the batch API (basic transfer,
// download only) for fault tests: git-lfs POSTs <url>/objects/batch and GETs
// each object from the href it is given. Runs in its own thread, so it keeps
// answering while the test thread waits. Every answer closes the connection.
//
// Faults: the next N batch requests get a status (503, 401 with
// WWW-Authenticate, ...); object downloads can stall after half the bytes
// (socket kept open, nothing more sent) or be cut there (connection closed).
class LfsServer
{
public:
    enum class ObjectFault { None, StallHalfway, CutHalfway };

    LfsServer();
    ~LfsServer();
    LfsServer(const LfsServer &) = delete;
    LfsServer &operator=(const LfsServer &) = delete;

    bool start();
    void stop();
    // The lfs.url to configure: http://127.0.0.1:PORT/lfs
    QString url() const;

    // Serves every object found under <dir>/xx/yy/<oid> (a .git/lfs/objects).
    int addObjectsFrom(const QString &lfsObjectsDir);

    void failBatch(int status, int count);                       // the next `count` batch requests
    void setObjectFault(ObjectFault fault, int count = 1 << 30); // the next `count` downloads

    int batchRequests() const { return m_batchRequests.load(); }
    int objectRequests() const { return m_objectRequests.load(); }
    // Object downloads answered completely.
    int objectsServed() const { return m_objectsServed.load(); }
    qint64 bytesServed() const { return m_bytesServed.load(); }

private:
    friend class LfsServerWorker;
    struct Fault
    {
        int status = 0;
        ObjectFault object = ObjectFault::None;
    };
    // Called in the server thread.
    int takeBatchFault();
    ObjectFault takeObjectFault();
    QByteArray object(const QByteArray &oid) const;

    ServerThread m_thread;
    LfsServerWorker *m_worker = nullptr;
    quint16 m_port = 0;
    mutable QMutex m_mutex;
    QHash<QByteArray, QByteArray> m_objects;
    int m_batchStatus = 0;
    int m_batchFailures = 0;
    ObjectFault m_objectFault = ObjectFault::None;
    int m_objectFaults = 0;
    std::atomic<int> m_batchRequests{0};
    std::atomic<int> m_objectRequests{0};
    std::atomic<int> m_objectsServed{0};
    std::atomic<qint64> m_bytesServed{0};
};

} // namespace repodeck::test
