#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace repodeck::core::git {

// What a tree entry's mode asks a checkout to make. Modes are git's five,
// plus 100664 (early git wrote it; git and libgit2 check it out as a file).
enum class EntryKind { File, Executable, Link, Tree, Submodule, Unknown };
EntryKind entryKind(uint32_t mode);

// Why a tree entry called `name` (one path component, as the server sent
// it) must not be written to a work tree, or nullptr when it may. The rules
// are git's (verify_path() and fsck's tree checks): no empty name, `.`,
// `..` or `/`; no `.git` in any spelling a file system reads as `.git`
// (any case, NTFS trailing dots, spaces and streams, `git~1`, HFS+
// ignorable code points; also after a `\`, which Windows reads as a
// separator); no symbolic link called `.gitmodules`, `.gitattributes`,
// `.gitignore` or `.mailmap` in those spellings. NTFS and HFS+ rules apply on
// every platform, as git fsck applies them: the clone may be copied or
// shared to such a disk later.
const char *refusedName(std::string_view name, EntryKind kind);

// Names that case-insensitive or normalising file systems (Windows, macOS,
// casefolded Linux folders) store as one file have the same folded name:
// Unicode case folding, NFC, HFS+ ignorable code points dropped, NTFS
// trailing dots and spaces dropped.
std::string foldedName(std::string_view name);

// A server's path for a message: printable, quoted; control characters and
// invalid UTF-8 as \xNN (nothing a terminal would act on).
std::string printablePath(std::string_view path);

} // namespace repodeck::core::git
