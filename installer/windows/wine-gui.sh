#!/usr/bin/env bash
# repodeck.exe (the windows platform plugin, not offscreen) under wine64 on
# Xvfb, on a workspace of three repositories whose policy syncs on start
# from a git daemon on 127.0.0.1. Passes when all three clones are the
# server's (HEAD, git fsck, status clean: checked from Linux, not from the
# window's labels), then screenshots the screen into $1 (default
# build/windows-cross/windows-wine.png; docs/screenshots/windows-wine.png is
# made with that as $1). Run by test-under-wine.sh gui.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=wine-env.sh
source "$ROOT/installer/windows/wine-env.sh"
SERVE=${REPODECK_TEST_SERVE:-$ROOT/build/dev/tests/support/repodeck-test-serve}
shot=$(realpath -m -- "${1:-$ROOT/build/windows-cross/windows-wine.png}")
for tool in xvfb-run import; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

names=(website mobile-app infrastructure)
# Synced means: each clone is the server's, as Linux git sees it, and the
# GUI has recorded each result in its state file (it does as the row shows it).
synced() {
    local r
    for r in "${names[@]}"; do
        [ "$(git -C "$T/clones/$r" rev-parse HEAD 2>/dev/null)" = "$(git -C "$T/srv/$r.git" rev-parse main)" ] || return 1
    done
    [ "$(jq '[.. | objects | select(has("consecutive_failures") and .outcome == "cloned")] | length' \
        "$T/workspace.json.state.json" 2>/dev/null || echo 0)" -ge 3 ]
}
# Inside Xvfb: start repodeck.exe, wait (bounded) for the sync, then
# screenshot the screen. (Equal screenshots in a row never come: the
# "Last success" column counts the seconds.)
inside_xvfb() {
    unset QT_QPA_PLATFORM   # the windows platform plugin, as on Windows
    "$WINE" "$DIST/repodeck.exe" --workspace "$ws" >"$T/gui.log" 2>&1 &
    local gui=$! deadline=$((SECONDS + 120)) rc=0
    until synced; do
        [ $SECONDS -lt $deadline ] || { echo "FAIL: the GUI did not sync the three repositories within 120 s" >&2; rc=1; break; }
        kill -0 "$gui" 2>/dev/null || { echo "FAIL: repodeck.exe ended" >&2; rc=1; break; }
        sleep 0.2   # the poll's interval; the deadline bounds the wait
    done
    # Then until the main window is painted: the middle of the screen, black
    # until then, gets its many colours (the tray at the top left has some).
    while [ "$rc" -eq 0 ]; do
        import -window root "$T/shot.png"
        [ "$(convert "$T/shot.png" -crop 1000x600+100+100 +repage -format %k info:)" -gt 8 ] && break
        [ $SECONDS -lt $deadline ] || { echo "FAIL: the window was never painted" >&2; rc=1; break; }
        sleep 0.2   # the poll's interval
    done
    "$WINESERVER" -k 2>/dev/null || true
    wait "$gui" 2>/dev/null || true
    return "$rc"
}
# xvfb-run (a sh script) runs this file again for the part inside Xvfb.
if [ "${1:-}" = --inside-xvfb ]; then
    T=$2 ws=$3
    inside_xvfb
    exit
fi

T=$(mktemp -d /tmp/rd-wine-gui.XXXXXX)
FAILURES=0
cleanup() {
    wine_stop
    if [ -n "${SRV_PID:-}" ]; then
        local fd=${SRV[1]:-}
        [ -n "$fd" ] && exec {fd}>&-
        wait "$SRV_PID" 2>/dev/null || true
    fi
    [ "$FAILURES" -eq 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
    return 0
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=RepoDeck GIT_AUTHOR_EMAIL=ci@example.invalid GIT_COMMITTER_NAME=RepoDeck
export GIT_COMMITTER_EMAIL=ci@example.invalid GIT_CONFIG_NOSYSTEM=1 HOME="$T/home"
mkdir -p "$HOME" "$T/srv"
for r in "${names[@]}"; do
    git init -q -b main "$T/src/$r"
    for i in 1 2 3; do echo "$r change $i" > "$T/src/$r/file$i.txt"; git -C "$T/src/$r" add -A; git -C "$T/src/$r" commit -qm "change $i"; done
    git clone -q --bare "$T/src/$r" "$T/srv/$r.git"
done
coproc SRV { exec "$SERVE" "$T/srv"; }
SRV_PID=$SRV_PID
read -r -t 30 -u "${SRV[0]}" git_url || { echo "FAIL: the servers did not start" >&2; exit 1; }
git_url=${git_url#git }

ws="$(winpath "$T")\\workspace.json"
for r in "${names[@]}"; do
    wine_run "$DIST/repodeck-cli.exe" --workspace "$ws" add "$r" "$git_url/$r.git" "$(winpath "$T/clones/$r")" >/dev/null
done
jq '.policies.default.sync_on_start = true' "$T/workspace.json" > "$T/ws.new" && mv "$T/ws.new" "$T/workspace.json"

# The windows platform plugin draws through Wine's X11 driver onto Xvfb.
# The CLI runs above left a wineserver whose desktop has no display: with it
# the window exists but is never drawn (seen). The GUI starts a fresh one.
wine_stop
if timeout -k 5 180 xvfb-run -a -s '-screen 0 1280x800x24' "$0" --inside-xvfb "$T" "$ws"; then
    mkdir -p "$(dirname "$shot")" && cp "$T/shot.png" "$shot" && pass "screenshot: $shot"
else
    fail "repodeck.exe under Xvfb"; cat "$T/gui.log" >&2
fi
for r in "${names[@]}"; do
    git -C "$T/clones/$r" fsck --full --strict >/dev/null 2>&1 && [ -z "$(git -C "$T/clones/$r" status --porcelain)" ] \
        && pass "$r: cloned by repodeck.exe, HEAD the server's, fsck and status clean" || fail "$r: fsck or status"
done
echo "Windows GUI under Wine: $FAILURES failed"
[ "$FAILURES" -eq 0 ]
