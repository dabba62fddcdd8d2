#pragma once

#include <QString>

class QObject;
class QTcpSocket;

namespace repodeck::test {

class HttpGitServer;

// One accepted connection of HttpGitServer (in its thread): reads one
// request, answers it with the fault the test set or through git
// http-backend as CGI, then closes. Owned by `parent`; takes the socket.
QObject *startHttpGitConnection(QTcpSocket *socket, HttpGitServer *owner,
                                const QString &projectRoot, const QString &backend,
                                quint16 serverPort, QObject *parent);

// Where git keeps its helper programs (git-http-backend is not on PATH);
// empty to run "git http-backend".
QString findHttpBackend();

} // namespace repodeck::test
