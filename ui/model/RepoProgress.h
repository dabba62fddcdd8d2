#pragma once

#include "sync/SyncTypes.h"

namespace repodeck::ui {

// A row's progress bar: how far a repository's running attempt is, 0..100
// for the phase it is in (objects received, deltas resolved, LFS bytes;
// checking out counts as done), or -1 while the size of the work is not known
// yet (connecting, or before the pack announced its object count).
int progressPercent(const core::TransferProgress &progress);

} // namespace repodeck::ui
