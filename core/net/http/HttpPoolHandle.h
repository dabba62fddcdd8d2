#pragma once

#include "net/http/HttpExchange.h"
#include "net/http/ProxySettings.h"

#include <QString>

#include <memory>

namespace repodeck::core::http {

class HttpConnectionPool;

// The worker-thread half of one transport: sends requests to its
// HttpConnectionPool on the network thread and hands back the exchanges to wait on.
// Never blocks: every call is a queued call to the network thread.
class HttpPoolHandle
{
public:
    explicit HttpPoolHandle(ProxyChoice proxy);
    ~HttpPoolHandle();
    HttpPoolHandle(const HttpPoolHandle &) = delete;
    HttpPoolHandle &operator=(const HttpPoolHandle &) = delete;

    // False (with `error`) when the network thread cannot run.
    bool isValid(QString *error) const;

    std::shared_ptr<HttpExchange> send(const HttpRequestSpec &spec);
    void pump(const std::shared_ptr<HttpExchange> &exchange);
    void release(const std::shared_ptr<HttpExchange> &exchange);
    void trustCertificate(const QByteArray &sha256);

private:
    template<typename F>
    void post(F &&f);

    HttpConnectionPool *m_pool = nullptr; // lives on the network thread
    QString m_error;
};

} // namespace repodeck::core::http
