#pragma once

#include <QString>

namespace repodeck::core {

// What kind of failure an attempt ended with. Only network, timeout, server
// and rate_limited are worth another attempt; everything else needs a person.
enum class ErrorCategory {
    None,
    Network,
    Timeout,
    Server,
    RateLimited,
    Auth,
    NotFound,
    Tls,
    HostKey,
    Protocol,
    Local,
    Cancelled,
};

QString categoryName(ErrorCategory category);
ErrorCategory categoryFromName(const QString &name);
bool isTransient(ErrorCategory category);

} // namespace repodeck::core
