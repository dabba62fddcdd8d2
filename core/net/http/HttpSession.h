#pragma once

#include "net/http/HttpExchange.h"
#include "net/http/ProxySettings.h"

#include <QObject>
#include <QSet>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QSslError;

namespace repodeck::core::http {

// The network-thread half of one transport: a QNetworkAccessManager that no
// other transport uses meanwhile (taken from ManagerPool, so attempts never
// queue behind each other in Qt's per-host connection limit) and the replies
// it runs, each feeding its HttpExchange. Every method runs on the network
// thread; HttpClient posts to it.
class HttpSession : public QObject
{
public:
    explicit HttpSession(ProxyChoice proxy);
    ~HttpSession() override;

    void start(const std::shared_ptr<HttpExchange> &exchange, const HttpRequestSpec &spec);
    // The worker took data: copy more out of the reply.
    void pump(const std::shared_ptr<HttpExchange> &exchange);
    // The worker is done with the exchange: abort the reply if it still runs.
    void release(const std::shared_ptr<HttpExchange> &exchange);
    // A certificate (SHA-256 of its DER) libgit2's certificate_check callback accepted.
    void trustCertificate(const QByteArray &sha256);

private:
    QNetworkAccessManager *manager();
    void captureHead(QNetworkReply *reply, HttpExchange &exchange);
    void drain(QNetworkReply *reply, const std::shared_ptr<HttpExchange> &exchange);
    void onSslErrors(QNetworkReply *reply, HttpExchange &exchange, const QList<QSslError> &errors);

    ProxyChoice m_proxy;
    QNetworkAccessManager *m_manager = nullptr; // from ManagerPool, returned there
    QSet<QByteArray> m_trusted;
};

} // namespace repodeck::core::http
