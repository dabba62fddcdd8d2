#!/usr/bin/env bash
# Prints the newest Windows SDK tarball (repodeck-windows-sdk-<date>.tar.xz)
# in ../shared/windows-sdk beside this checkout, or beside the main checkout
# when this is a git worktree of it (git worktree add puts those elsewhere);
# prints nothing when there is none.
set -euo pipefail
cd "$(dirname "$0")/../.."
dirs=(../shared/windows-sdk)
common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
[ -n "$common" ] && dirs+=("$(dirname "$common")/../shared/windows-sdk")
for d in "${dirs[@]}"; do
    for f in "$d"/repodeck-windows-sdk-*.tar.xz; do
        [ -f "$f" ] && printf '%s\t%s\n' "$(basename "$f")" "$(realpath "$f")"
    done
done | sort | tail -n1 | cut -f2
