// The state file (last results per repository) is shared with repodeck-cli
// and may be truncated or edited: loading never crashes, and what loads is
// saved in a form that loads again unchanged.
#include "state/RepoStateStore.h"

#include <cstdint>
#include <cstdlib>

using repodeck::core::RepoStateStore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto loaded = RepoStateStore::fromJson(bytes);
    if (!loaded)
        return 0;
    const QByteArray saved = loaded.value().toJson();
    const auto again = RepoStateStore::fromJson(saved);
    if (!again)
        std::abort();
    if (again.value().toJson() != saved)
        std::abort();
    return 0;
}
