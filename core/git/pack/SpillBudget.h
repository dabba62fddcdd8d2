#pragma once

#include <QtGlobal>

namespace repodeck::core::git::pack {

// The bytes of spill files (SpillFile) this process holds at once, every
// indexing run and worker together, objects still being built included:
// each file reserves its object's size when it is created and gives it
// back when it is deleted. 4 GiB; REPODECK_PACK_DISK_MB overrides it.
class SpillBudget
{
public:
    static quint64 limit();
    // False (nothing reserved) when `bytes` more would go over the limit.
    static bool reserve(quint64 bytes);
    static void release(quint64 bytes);
    static quint64 inUse();
    // The most ever in use at once (tests, logs).
    static quint64 peak();
};

} // namespace repodeck::core::git::pack
