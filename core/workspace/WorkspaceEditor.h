#pragma once

#include "workspace/Workspace.h"

#include <functional>

namespace repodeck::core {

// Read-modify-write of the workspace file under a lock file, so the GUI and
// several CLI runs editing at once never lose each other's changes.
// `edit` returns an error text to abort without writing (empty to save).
// Returns an error text, or empty on success.
QString editWorkspace(const QString &path, const std::function<QString(Workspace &)> &edit,
                      WorkspaceError *loadError = nullptr);

} // namespace repodeck::core
