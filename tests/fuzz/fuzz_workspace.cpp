// A workspace file from anywhere (hand-edited, synced between machines,
// planted): loading never crashes, and a workspace that loads is saved in a
// form that loads again to the same workspace.
#include "workspace/Workspace.h"

#include <cstdint>
#include <cstdlib>

using repodeck::core::Workspace;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto loaded = Workspace::fromJson(bytes, QStringLiteral("fuzz.json"));
    if (!loaded) {
        if (loaded.error().message.isEmpty())
            std::abort();
        return 0;
    }
    const QByteArray saved = loaded.value().toJson();
    const auto again = Workspace::fromJson(saved, QStringLiteral("fuzz.json"));
    if (!again)
        std::abort(); // saving wrote something loading rejects
    if (again.value().toJson() != saved)
        std::abort();
    return 0;
}
