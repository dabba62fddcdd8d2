#include "git/pack/SpillBudget.h"

#include <QString>

#include <atomic>

namespace repodeck::core::git::pack {

namespace {

std::atomic<quint64> g_inUse{0};
std::atomic<quint64> g_peak{0};

} // namespace

quint64 SpillBudget::limit()
{
    static const quint64 bytes = [] {
        bool ok = false;
        const quint64 mib = qEnvironmentVariable("REPODECK_PACK_DISK_MB").toULongLong(&ok);
        return ok && mib > 0 ? mib << 20 : quint64(4) << 30;
    }();
    return bytes;
}

bool SpillBudget::reserve(quint64 bytes)
{
    const quint64 max = limit();
    quint64 now = g_inUse.load();
    do {
        if (bytes > max || now > max - bytes)
            return false;
    } while (!g_inUse.compare_exchange_weak(now, now + bytes));
    quint64 peak = g_peak.load();
    while (now + bytes > peak && !g_peak.compare_exchange_weak(peak, now + bytes)) {
    }
    return true;
}

void SpillBudget::release(quint64 bytes)
{
    g_inUse.fetch_sub(bytes);
}

quint64 SpillBudget::inUse()
{
    return g_inUse.load();
}

quint64 SpillBudget::peak()
{
    return g_peak.load();
}

} // namespace repodeck::core::git::pack
