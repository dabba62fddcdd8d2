#!/bin/sh
# Runs a command inside a private D-Bus session bus with a fresh, unlocked
# GNOME Keyring (the Secret Service RepoDeck's keychain uses on Linux), whose
# files live in a throwaway directory: the user's own keyring is never seen.
# Without dbus-run-session or gnome-keyring-daemon the command runs as is,
# with REPODECK_TEST_NO_KEYRING=1 so its keychain tests can skip saying why.
set -eu
if [ "${1:-}" = "--inside" ]; then
    shift
    data=$(mktemp -d)
    trap 'rm -rf "$data"' EXIT
    export XDG_DATA_HOME="$data"
    # --unlock reads the new keyring's password from stdin and creates it unlocked.
    printf 'repodeck-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
    status=0
    "$@" || status=$?
    exit "$status"
fi
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
    REPODECK_TEST_NO_KEYRING=1 exec "$@"
fi
exec dbus-run-session -- "$0" --inside "$@"
