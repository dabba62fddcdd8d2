#pragma once

#include "cli/CliArgs.h"
#include "workspace/Workspace.h"

namespace repodeck::core::cli {

// `repodeck-cli sync [NAME...] [--jobs N] [--json]`: runs the scheduler's
// event loop until every repository is done or the run is interrupted.
int runSync(const Workspace &workspace, const QString &workspacePath, const CliArgs &args);

// `repodeck-cli status [NAME...] [--json] [--fail-on-stale] [--shard I/N]`.
int runStatus(const Workspace &workspace, const QString &workspacePath, const CliArgs &args);

} // namespace repodeck::core::cli
