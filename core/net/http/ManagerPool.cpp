#include "net/http/ManagerPool.h"

#include <QHash>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QPointer>
#include <QTimer>

#include <chrono>

namespace repodeck::core::http {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMaxIdlePerProxy = 8;
constexpr auto kIdleLifetime = std::chrono::seconds(60);

struct Idle
{
    QPointer<QNetworkAccessManager> manager;
    Clock::time_point since;
};

// Only ever touched on the network thread.
QHash<QString, QList<Idle>> &idle()
{
    static QHash<QString, QList<Idle>> pool;
    return pool;
}

QString keyOf(const ProxyChoice &proxy)
{
    if (proxy.mode != ProxyChoice::Mode::Explicit)
        return proxy.mode == ProxyChoice::Mode::None ? QStringLiteral("none") : QStringLiteral("system");
    const QNetworkProxy &p = proxy.proxy;
    return QStringLiteral("%1 %2 %3 %4 %5").arg(int(p.type())).arg(p.hostName()).arg(p.port()).arg(p.user(), p.password());
}

void expireIdle()
{
    const Clock::time_point now = Clock::now();
    for (auto it = idle().begin(); it != idle().end();) {
        QList<Idle> &list = it.value();
        for (qsizetype i = list.size() - 1; i >= 0; --i) {
            if (!list[i].manager || now - list[i].since >= kIdleLifetime) {
                delete list[i].manager.data();
                list.removeAt(i);
            }
        }
        it = list.isEmpty() ? idle().erase(it) : std::next(it);
    }
}

void ensureExpiryTimer()
{
    static QTimer *timer = nullptr;
    if (timer)
        return;
    timer = new QTimer; // lives on the network thread, like the pool
    timer->setInterval(std::chrono::duration_cast<std::chrono::milliseconds>(kIdleLifetime / 2));
    QObject::connect(timer, &QTimer::timeout, timer, &expireIdle);
    timer->start();
}

} // namespace

QNetworkAccessManager *ManagerPool::acquire(const ProxyChoice &proxy)
{
    QList<Idle> &list = idle()[keyOf(proxy)];
    while (!list.isEmpty()) {
        const Idle last = list.takeLast(); // the warmest
        if (last.manager)
            return last.manager;
    }
    auto *manager = new QNetworkAccessManager;
    manager->setAutoDeleteReplies(false);
    // Redirects are the transport's decision (initial request only, no downgrade).
    manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    switch (proxy.mode) {
    case ProxyChoice::Mode::System:
        break; // QNetworkProxyFactory::setUseSystemConfiguration(true), set at start-up
    case ProxyChoice::Mode::None:
        manager->setProxy(QNetworkProxy(QNetworkProxy::NoProxy));
        break;
    case ProxyChoice::Mode::Explicit:
        manager->setProxy(proxy.proxy);
        break;
    }
    return manager;
}

void ManagerPool::release(QNetworkAccessManager *manager, const ProxyChoice &proxy, bool reusable)
{
    if (!manager)
        return;
    QList<Idle> &list = idle()[keyOf(proxy)];
    if (!reusable || list.size() >= kMaxIdlePerProxy) {
        manager->deleteLater();
        return;
    }
    list.append({manager, Clock::now()});
    ensureExpiryTimer();
}

void ManagerPool::clear()
{
    for (QList<Idle> &list : idle())
        for (const Idle &i : list)
            delete i.manager.data();
    idle().clear();
}

} // namespace repodeck::core::http
