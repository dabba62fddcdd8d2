#include "model/RepoProgress.h"

namespace repodeck::ui {

int progressPercent(const core::TransferProgress &p)
{
    switch (p.phase) {
    case core::Phase::Connecting: return -1;
    case core::Phase::Receiving:
        return p.totalObjects == 0 ? -1
                                   : static_cast<int>(100 * p.receivedObjects / p.totalObjects);
    case core::Phase::Resolving:
        return p.totalDeltas == 0 ? 100 : static_cast<int>(100 * p.indexedDeltas / p.totalDeltas);
    case core::Phase::CheckingOut: return 100;
    case core::Phase::Lfs:
        return p.totalBytes == 0 ? -1 : static_cast<int>(100 * p.receivedBytes / p.totalBytes);
    }
    return -1;
}

} // namespace repodeck::ui
