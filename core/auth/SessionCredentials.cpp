#include "auth/SessionCredentials.h"

#include "auth/CredentialBroker.h"

namespace repodeck::core {

std::shared_ptr<SessionCredentials> SessionCredentials::instance()
{
    static const std::shared_ptr<SessionCredentials> self = [] {
        auto s = std::make_shared<SessionCredentials>();
        addCredentialSource(s);
        return s;
    }();
    return self;
}

std::optional<Credential> SessionCredentials::fill(const CredentialRequest &request)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_byHost.constFind(key(request.protocol, request.host));
    if (it == m_byHost.constEnd()
        || (!request.username.isEmpty() && it->username != request.username))
        return std::nullopt;
    return *it;
}

void SessionCredentials::reject(const CredentialRequest &request, const Credential &credential)
{
    QMutexLocker lock(&m_mutex);
    const QString k = key(request.protocol, request.host);
    const auto it = m_byHost.constFind(k);
    if (it != m_byHost.constEnd() && it->username == credential.username
        && it->secret == credential.secret)
        m_byHost.remove(k);
}

void SessionCredentials::set(const QString &protocol, const QString &host,
                             const Credential &credential)
{
    QMutexLocker lock(&m_mutex);
    m_byHost.insert(key(protocol, host), credential);
}

void SessionCredentials::clear()
{
    QMutexLocker lock(&m_mutex);
    m_byHost.clear();
}

} // namespace repodeck::core
