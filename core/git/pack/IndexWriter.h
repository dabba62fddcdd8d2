#pragma once

#include "git/pack/PackFormat.h"

#include <QByteArray>
#include <QString>

namespace repodeck::core::git::pack {

// A standard version-2 .idx for resolved entries (what git index-pack
// writes, byte for byte). Refuses a pack that holds one object twice.
bool buildIndex(const std::vector<PackEntry> &entries, const QByteArray &packChecksum, QByteArray *idx,
                QString *error);

// The first id that occurs twice among the resolved entries, if any.
bool findDuplicate(const std::vector<PackEntry> &entries, git_oid *duplicate);

} // namespace repodeck::core::git::pack
