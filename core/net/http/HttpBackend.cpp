#include "net/http/HttpBackend.h"

#include "net/http/QtHttpTransport.h"

#include <QSettings>

#include <atomic>
#include <mutex>
#include <optional>

#include <git2.h>
#include <git2/sys/transport.h>
#include <spdlog/spdlog.h>

namespace repodeck::core::http {

namespace {

std::mutex g_mutex;
std::atomic<HttpBackend> g_active{HttpBackend::Libgit2}; // libgit2's own until registered

// libgit2 1.5.1 appends "://" itself (its header still says "ending in ://").
const char *const kSchemes[] = {"http", "https"};

std::optional<HttpBackend> parseName(const QString &text)
{
    const QString name = text.trimmed().toLower();
    if (name == QLatin1String("qt"))
        return HttpBackend::Qt;
    if (name == QLatin1String("libgit2"))
        return HttpBackend::Libgit2;
    return std::nullopt;
}

} // namespace

QString httpBackendName(HttpBackend backend)
{
    return backend == HttpBackend::Qt ? QStringLiteral("qt") : QStringLiteral("libgit2");
}

HttpBackend configuredHttpBackend(QString *source)
{
    const QString env = qEnvironmentVariable("REPODECK_HTTP_BACKEND");
    if (!env.isEmpty()) {
        if (const auto b = parseName(env)) {
            if (source)
                *source = QStringLiteral("REPODECK_HTTP_BACKEND");
            return *b;
        }
        spdlog::warn("REPODECK_HTTP_BACKEND={} is neither qt nor libgit2; ignoring it",
                     env.toStdString());
    }
    const QSettings settings(QStringLiteral("RepoDeck"), QStringLiteral("repodeck"));
    const QString stored = settings.value(QStringLiteral("network/httpBackend")).toString();
    if (!stored.isEmpty()) {
        if (const auto b = parseName(stored)) {
            if (source)
                *source = QStringLiteral("setting network/httpBackend");
            return *b;
        }
        spdlog::warn("setting network/httpBackend={} is neither qt nor libgit2; ignoring it",
                     stored.toStdString());
    }
    if (source)
        *source = QStringLiteral("default");
    return HttpBackend::Qt;
}

bool useHttpBackend(HttpBackend backend, QString *error)
{
    std::lock_guard lock(g_mutex);
    if (g_active.load() == backend)
        return true;
    for (const char *scheme : kSchemes) {
        int rc = 0;
        if (backend == HttpBackend::Qt)
            rc = git_transport_register(scheme, createQtHttpTransport, nullptr);
        else
            rc = git_transport_unregister(scheme);
        if (rc < 0) {
            const git_error *e = git_error_last();
            if (error)
                *error = QStringLiteral("cannot switch %1:// to the %2 HTTP backend: %3")
                             .arg(QString::fromLatin1(scheme), httpBackendName(backend),
                                  QString::fromUtf8(e ? e->message : "unknown error"));
            return false;
        }
    }
    g_active.store(backend);
    return true;
}

HttpBackend activeHttpBackend()
{
    return g_active.load();
}

} // namespace repodeck::core::http
