#pragma once

#include "git/pack/PackFile.h"
#include "git/pack/PackFormat.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace repodeck::core::git::pack {

// A standard version-2 .idx for resolved entries (what git index-pack
// writes, byte for byte), handed to `sink` piece by piece (64 KiB at a
// time): the index is never held whole beside the entries. Refuses a pack
// that holds one object twice. False when the sink fails (then `*error`
// stays empty) or with `*error` saying why.
bool writeIndex(const PackTable &entries, const QByteArray &packChecksum,
                const std::function<bool(const char *, size_t)> &sink, QString *error);

// The same index in memory (small packs, tests).
bool buildIndex(const PackTable &entries, const QByteArray &packChecksum, QByteArray *idx,
                QString *error);

// The same index written to a temporary file beside `path`, synced and
// renamed there. `*failure` is set when a file operation failed.
bool writeIndexFile(const PackTable &entries, const QByteArray &packChecksum, const QString &path,
                    QString *error, IoFailure *failure, bool *isIo);

// The first id that occurs twice among the resolved entries, if any.
bool findDuplicate(const PackTable &entries, git_oid *duplicate);

} // namespace repodeck::core::git::pack
