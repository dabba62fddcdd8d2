#pragma once

#include <QString>

class QObject;

namespace repodeck::core::http {

// The one thread per process on which every socket (HttpConnection) of the Qt
// HTTP transport lives, with its own event loop: libgit2 calls the transport
// on worker threads that block and run no event loop, so Qt Network's
// sockets cannot live there.
//
// The thread needs a QCoreApplication. git::initialize() starts it when one
// exists; otherwise (the GUI initialises libgit2 before QApplication) it
// starts on first use. It is stopped by a QCoreApplication post routine.
// (A process without any QCoreApplication gets libgit2's own HTTP client:
// see createQtHttpTransport.)
class NetworkThread
{
public:
    // Starts the thread if needed. Returns the object living in it (the
    // parent-less receiver for queued calls), or nullptr with `error` set.
    static QObject *context(QString *error = nullptr);

    // Whether code runs on the network thread (for assertions).
    static bool isCurrent();
};

} // namespace repodeck::core::http
