#!/bin/sh
# Runs a command inside a private D-Bus session bus with a fresh, unlocked
# GNOME Keyring (the Secret Service RepoDeck's keychain uses on Linux), whose
# files live in a throwaway directory: the user's own keyring is never seen.
# Without dbus-run-session or gnome-keyring-daemon the command runs as is,
# with REPODECK_TEST_NO_KEYRING=1 so its keychain tests can skip saying why
# (and fail under CI=true: REPODECK_REQUIRE in tests/support/TestEnvironment.h).
set -eu
if [ "${1:-}" = "--inside" ]; then
    shift
    data=$(mktemp -d)
    trap 'rm -rf "$data"' EXIT
    export XDG_DATA_HOME="$data"
    # --unlock reads the new keyring's password from stdin and creates it unlocked.
    printf 'repodeck-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
    # The daemon claims org.freedesktop.secrets after it has forked: a test
    # that asks sooner makes the bus start a second, locked daemon through
    # service activation, which wants a password prompt (seen under load in
    # the full suite). Wait, bounded, until the unlocked one owns the name.
    owned=""
    for _ in $(seq 200); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
            owned=1
            break
        fi
        sleep 0.05
    done
    [ -n "$owned" ] || { echo "with-keyring.sh: the test keyring did not start within 10 s" >&2; exit 1; }
    status=0
    "$@" || status=$?
    exit "$status"
fi
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
    REPODECK_TEST_NO_KEYRING=1 exec "$@"
fi
exec dbus-run-session -- "$0" --inside "$@"
