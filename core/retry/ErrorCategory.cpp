#include "retry/ErrorCategory.h"

#include <array>
#include <utility>

namespace repodeck::core {

namespace {
constexpr std::array<std::pair<ErrorCategory, const char *>, 12> kNames = {{
    {ErrorCategory::None, ""},
    {ErrorCategory::Network, "network"},
    {ErrorCategory::Timeout, "timeout"},
    {ErrorCategory::Server, "server"},
    {ErrorCategory::RateLimited, "rate_limited"},
    {ErrorCategory::Auth, "auth"},
    {ErrorCategory::NotFound, "not_found"},
    {ErrorCategory::Tls, "tls"},
    {ErrorCategory::HostKey, "host_key"},
    {ErrorCategory::Protocol, "protocol"},
    {ErrorCategory::Local, "local"},
    {ErrorCategory::Cancelled, "cancelled"},
}};
} // namespace

QString categoryName(ErrorCategory category)
{
    for (const auto &[value, name] : kNames) {
        if (value == category)
            return QString::fromLatin1(name);
    }
    return {};
}

ErrorCategory categoryFromName(const QString &name)
{
    for (const auto &[value, text] : kNames) {
        if (name == QLatin1String(text))
            return value;
    }
    return ErrorCategory::None;
}

bool isTransient(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Network:
    case ErrorCategory::Timeout:
    case ErrorCategory::Server:
    case ErrorCategory::RateLimited: return true;
    default: return false;
    }
}

} // namespace repodeck::core
