#!/usr/bin/env bash
# The Windows check of `./dev.sh test`: runs what ./dev.sh windows built
# (build/windows-cross/dist) under wine64, and fails if anything fails:
#   1. the core unit test executables (Qt Test; results read from -o files)
#   2. wine-integration.sh: repodeck-cli.exe against git daemon and
#      git http-backend on 127.0.0.1, and the paths where Windows differs
#   3. wine-installer.sh: the NSIS installer, installed, used and removed
#   4. wine-gui.sh: repodeck.exe on Xvfb syncs three repositories
# Usage: test-under-wine.sh [units|integration|installer|gui]... (default: all)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/installer/windows"
# shellcheck source=wine-env.sh
source "$HERE/wine-env.sh"
[ -x "$WINE" ] || { echo "FAIL: $WINE is missing (apt-get install wine64 wine)" >&2; exit 1; }
[ -f "$DIST/repodeck-cli.exe" ] || { echo "FAIL: no Windows build in $DIST (./dev.sh windows)" >&2; exit 1; }

run_units() {
    local out="$ROOT/build/windows-cross/test-results" failed=0 passed=0 t name rc totals
    rm -rf "$out" && mkdir -p "$out"
    for t in "$DIST"/tst_*.exe; do
        name=$(basename "$t" .exe)
        rc=0
        # Qt Test's console output does not reach a pipe under Wine: a file does.
        (cd "$DIST" && wine_run "./$name.exe" -o "$(winpath "$out/$name.txt"),txt" >/dev/null 2>&1) || rc=$?
        totals=$(sed -n 's/^Totals: //p' "$out/$name.txt" 2>/dev/null || true)
        if [ "$rc" -ne 0 ] || [ -z "$totals" ] || ! [[ "$totals" =~ ^([0-9]+)\ passed,\ 0\ failed ]]; then
            fail "$name (exit $rc, ${totals:-no Totals line}); see $out/$name.txt"
            grep -E '^(FAIL!|   Loc:)' "$out/$name.txt" 2>/dev/null | head -n 20 >&2 || true
            failed=$((failed + 1))
        else
            passed=$((passed + ${BASH_REMATCH[1]}))
            echo "ok: $name: $totals"
        fi
    done
    echo "Windows unit tests under Wine: $passed test functions passed, $failed executables failed"
    [ "$failed" -eq 0 ]
}

parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(units integration installer gui)
rc=0
for part in "${parts[@]}"; do
    start=$SECONDS
    case "$part" in
        units) run_units || rc=1 ;;
        integration) "$HERE/wine-integration.sh" || rc=1 ;;
        installer) "$HERE/wine-installer.sh" || rc=1 ;;
        gui) "$HERE/wine-gui.sh" || rc=1 ;;
        *) echo "unknown part $part" >&2; exit 2 ;;
    esac
    echo "Windows check $part: $((SECONDS - start)) s"
done
wine_stop
[ "$rc" -eq 0 ] && echo "Windows checks under Wine: all passed" || echo "Windows checks under Wine: FAILED" >&2
exit "$rc"
