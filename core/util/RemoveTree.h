#pragma once

#include <QString>

namespace repodeck::core {

// Deletes `path` and everything below it without ever following a link:
// if `path` itself is a symbolic link (or, on Windows, a junction), only the
// link is removed; links inside are removed as links, their targets are left
// alone. Anyone who can write the parent folder (a shared folder, /tmp) can
// put a link where RepoDeck expects its own folder, so recursive deletes in
// RepoDeck go through here, never QDir::removeRecursively (which lists the
// target of a linked top folder and deletes its contents).
// Returns an empty string on success (also when `path` does not exist),
// otherwise what could not be removed and why.
QString removeTreeNoFollow(const QString &path);

} // namespace repodeck::core
