# shellcheck shell=bash
# Sourced by the scripts that run the Windows build under Wine
# (test-under-wine.sh and the tests it runs). Sets up one Wine prefix per
# build folder and the helpers every test uses.
WINE=${WINE:-/usr/lib/wine/wine64}   # plain `wine` makes a 32-bit prefix (c0000135)
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver64}
export WINEPREFIX=${REPODECK_WINEPREFIX:-$ROOT/build/windows-cross/wineprefix}
export WINEDEBUG=-all
# winemenubuilder would turn the installer's Start-menu shortcuts into Linux
# desktop entries; mscoree/mshtml would offer to download Mono and Gecko.
export WINEDLLOVERRIDES="winemenubuilder.exe=d;mscoree=d;mshtml=d"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM-offscreen}
# Wine's credential store is not Windows' Credential Manager (docs/windows.md).
export REPODECK_KEYCHAIN=off
DIST=${DIST:-$ROOT/build/windows-cross/dist}

# The Windows path of a Linux path: Wine's Z: drive is the Linux root.
winpath() {
    local p
    p=$(realpath -m "$1")
    printf 'Z:%s' "${p//\//\\}"
}

# Runs a Windows program; stdout/stderr as Wine passes them on, exit code
# kept; one that hangs is ended after WINE_TIMEOUT seconds (exit 124).
wine_run() {
    timeout -k 5 "${WINE_TIMEOUT:-120}" "$WINE" "$@"
}

# Ends the prefix's wineserver (and so every Wine process of this prefix)
# and waits for it: the next step starts from a quiet prefix.
wine_stop() {
    "$WINESERVER" -k 2>/dev/null || true
    "$WINESERVER" -w 2>/dev/null || true
}

fail() { echo "FAIL: $*" >&2; FAILURES=$((${FAILURES:-0} + 1)); }
pass() { echo "ok: $*"; }
