#pragma once

#include "net/http/HttpExchange.h"
#include "net/http/ProxySettings.h"

#include <QString>

#include <memory>

namespace repodeck::core::http {

class HttpSession;

// The worker-thread half of one transport: sends requests to its
// HttpSession on the network thread and hands back the exchanges to wait on.
// Never blocks: every call is a queued call to the network thread.
class HttpClient
{
public:
    explicit HttpClient(ProxyChoice proxy);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // False (with `error`) when the network thread cannot run.
    bool isValid(QString *error) const;

    std::shared_ptr<HttpExchange> send(const HttpRequestSpec &spec);
    void pump(const std::shared_ptr<HttpExchange> &exchange);
    void release(const std::shared_ptr<HttpExchange> &exchange);
    void trustCertificate(const QByteArray &sha256);

private:
    template<typename F>
    void post(F &&f);

    HttpSession *m_session = nullptr; // lives on the network thread
    QString m_error;
};

} // namespace repodeck::core::http
