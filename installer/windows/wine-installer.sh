#!/usr/bin/env bash
# The NSIS installer under wine64: RepoDeck-<version>-win64.exe (made by
# build-windows.sh with cpack -G NSIS) installs silently (/S) into a folder
# of our choosing (/D=), the installed repodeck-cli.exe prints its version and
# syncs a real repository from a git daemon on 127.0.0.1, and the uninstaller
# (/S) removes the folder and the Start-menu shortcuts.
# Run by test-under-wine.sh; exits nonzero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=wine-env.sh
source "$ROOT/installer/windows/wine-env.sh"
SERVE=${REPODECK_TEST_SERVE:-$ROOT/build/dev/tests/support/repodeck-test-serve}
installer=$(ls "$ROOT"/build/windows-cross/package/RepoDeck-*-win64.exe 2>/dev/null | tail -n1 || true)
[ -f "$installer" ] || { echo "FAIL: no installer in build/windows-cross/package (build-windows.sh with makensis)" >&2; exit 1; }
version=$(basename "$installer" | sed 's/^RepoDeck-\(.*\)-win64\.exe$/\1/')

T=$(mktemp -d /tmp/rd-wine-nsis.XXXXXX)
FAILURES=0
cleanup() {
    if [ -n "${SRV_PID:-}" ]; then
        local fd=${SRV[1]:-}
        [ -n "$fd" ] && exec {fd}>&-
        wait "$SRV_PID" 2>/dev/null || true
    fi
    [ "$FAILURES" -eq 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
    return 0
}
trap cleanup EXIT
dest="$T/Program Files/RepoDeck"
# Start-menu shortcuts land in the prefix (for all users or this one).
shortcuts() { find "$WINEPREFIX/drive_c" -ipath '*start menu*' -iname '*RepoDeck*' 2>/dev/null; }
[ -z "$(shortcuts)" ] || fail "Start-menu entries for RepoDeck exist before the install: $(shortcuts)"

# NSIS's /D= must come last and unquoted, spaces and all. Wine quotes an
# argument with spaces when it makes the Windows command line (NSIS then
# ignores /D and installs into C:\Program Files), so cmd /c gets the line as
# typed at a Windows prompt.
wine_run cmd /c "$(winpath "$installer") /S /D=$(winpath "$dest")" >/dev/null 2>&1 || fail "the installer exited $?"
timeout 120 "$WINESERVER" -w || fail "the installer did not finish within 120 s"
for f in bin/repodeck.exe bin/repodeck-cli.exe bin/Qt6Core.dll bin/libgit2.dll bin/platforms/qwindows.dll \
         bin/tls/qschannelbackend.dll Uninstall.exe; do
    [ -f "$dest/$f" ] || fail "installed: $f is missing"
done
[ -n "$(shortcuts)" ] && pass "installed into $(winpath "$dest") with Start-menu entries: $(shortcuts | sed 's|.*/||' | tr '\n' ' ')" \
    || fail "the installer made no Start-menu entry"

uninstall_key='Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\RepoDeck'
grep -qiF "[$uninstall_key]" "$WINEPREFIX/system.reg" && pass "installed: Uninstall registry entry" \
    || fail "installed: no Uninstall registry entry"

# The installed CLI, from its own folder's DLLs only.
out=$(wine_run "$dest/bin/repodeck-cli.exe" --version 2>&1 || true)
[[ "$out" == "repodeck-cli $version (libgit2 "* ]] && pass "installed: $out" || fail "installed --version: $out"

export GIT_AUTHOR_NAME=RepoDeck GIT_AUTHOR_EMAIL=ci@example.invalid GIT_COMMITTER_NAME=RepoDeck
export GIT_COMMITTER_EMAIL=ci@example.invalid GIT_CONFIG_NOSYSTEM=1 HOME="$T/home"
mkdir -p "$HOME" "$T/srv"
git init -q -b main "$T/src" && echo "installed" > "$T/src/hello.txt"
git -C "$T/src" add -A && git -C "$T/src" commit -qm first && git clone -q --bare "$T/src" "$T/srv/hello.git"
coproc SRV { exec "$SERVE" "$T/srv"; }
SRV_PID=$SRV_PID
read -r -t 30 -u "${SRV[0]}" git_url || { echo "FAIL: the servers did not start" >&2; exit 1; }
git_url=${git_url#git }
ws="$(winpath "$T")\\workspace.json"
wine_run "$dest/bin/repodeck-cli.exe" --workspace "$ws" add hello "$git_url/hello.git" "$(winpath "$T/clone")" >/dev/null
rc=0; WINE_TIMEOUT=30 wine_run "$dest/bin/repodeck-cli.exe" --workspace "$ws" sync --json > "$T/sync.json" || rc=$?
[ "$rc" -eq 0 ] || fail "installed CLI sync exited $rc (124: did not exit within 30 s; docs/windows.md)"
got=$(jq -r 'select(.event=="repo_done") | .outcome' "$T/sync.json")
if [ "$got" = cloned ] && git -C "$T/clone" fsck --full --strict >/dev/null 2>&1 \
   && [ "$(git -C "$T/clone" rev-parse HEAD)" = "$(git -C "$T/srv/hello.git" rev-parse main)" ] \
   && [ "$(cat "$T/clone/hello.txt")" = installed ]; then
    pass "installed CLI synced over git://: cloned, fsck clean, HEAD the server's"
else
    fail "installed CLI sync: outcome '$got'"
fi

# The uninstaller copies itself to a temporary folder and returns at once:
# wineserver -w waits (bounded) until every process of the prefix is gone.
wine_run "$dest/Uninstall.exe" /S >/dev/null 2>&1 || fail "the uninstaller exited $?"
timeout 120 "$WINESERVER" -w || fail "the uninstaller did not finish within 120 s"
if [ -e "$dest" ]; then
    fail "after uninstalling, $dest still has: $(find "$dest" | sed "s|$dest||" | tr '\n' ' ')"
else
    pass "uninstalled: the install folder is gone"
fi
[ -z "$(shortcuts)" ] && pass "uninstalled: no Start-menu entries left" || fail "left behind: $(shortcuts)"
if grep -qiF "[$uninstall_key]" "$WINEPREFIX/system.reg"; then fail "the Uninstall registry entry is left"; else pass "uninstalled: no Uninstall registry entry"; fi

echo "Windows installer under Wine: $FAILURES failed"
[ "$FAILURES" -eq 0 ]
