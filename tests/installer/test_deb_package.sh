#!/usr/bin/env bash
# Builds the DEB from this build tree, unpacks it into a throwaway root and
# uses the installed files as a new user would: repodeck-cli --version, a
# real sync, the desktop integration files, and the GUI's window under Xvfb.
# Usage: test_deb_package.sh BUILD_DIR
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work" 2>/dev/null || true' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../support/require-tool.sh
. "$(cd "$(dirname "$0")" && pwd)/../support/require-tool.sh"

cd "$work"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg" > cpack.log 2>&1 || { cat cpack.log; fail "cpack"; }
deb="$(ls "$work"/pkg/repodeck_*.deb)"
dpkg-deb --info "$deb" > info.txt || fail "dpkg-deb --info $deb"
grep -q "Package: repodeck" info.txt || fail "package metadata"
grep -q "Depends:.*libgit2" info.txt || fail "Depends does not name libgit2: $(grep Depends info.txt)"
root="$work/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/repodeck usr/bin/repodeck-cli \
         usr/share/applications/io.github.repodeck.RepoDeck.desktop \
         usr/share/metainfo/io.github.repodeck.RepoDeck.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/io.github.repodeck.RepoDeck.svg \
         usr/share/icons/hicolor/16x16/apps/io.github.repodeck.RepoDeck.png \
         usr/share/icons/hicolor/512x512/apps/io.github.repodeck.RepoDeck.png; do
    [ -e "$root/$f" ] || fail "missing $f"
done
if require_tool desktop-file-validate "package desktop-file-utils"; then
    desktop-file-validate "$root/usr/share/applications/io.github.repodeck.RepoDeck.desktop" || fail "desktop file"
fi

# The installed CLI, as a new user would use it.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
"$root/usr/bin/repodeck-cli" --version > version.txt || fail "cli --version exited non-zero"
grep -q "repodeck-cli [0-9]" version.txt || fail "cli --version"
grep -q "libgit2 1\." version.txt || fail "cli --version names libgit2"
git init -q --bare "$work/upstream.git"
git -C "$work" -c init.defaultBranch=main init -q seed
echo hello > "$work/seed/README"
git -C "$work/seed" add README
git -C "$work/seed" -c user.name=t -c user.email=t@example.invalid commit -qm first
git -C "$work/seed" push -q "$work/upstream.git" HEAD:refs/heads/main
git -C "$work/upstream.git" symbolic-ref HEAD refs/heads/main
"$root/usr/bin/repodeck-cli" add demo "$work/upstream.git" "$work/clone" > /dev/null
"$root/usr/bin/repodeck-cli" sync --json > sync.json || { cat sync.json; fail "installed cli sync"; }
grep -q '"outcome":"cloned"' sync.json || fail "sync did not clone"
[ "$(cat "$work/clone/README")" = hello ] || fail "clone content"

# The installed GUI: its --version, then its window under Xvfb.
"$root/usr/bin/repodeck" --version > gui-version.txt 2>&1 || fail "gui --version exited non-zero"
grep -qi "libgit2" gui-version.txt || fail "gui --version"
if command -v xvfb-run >/dev/null && command -v xwininfo >/dev/null; then
    xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
        '$root/usr/bin/repodeck' & pid=\$!
        for i in \$(seq 1 100); do
            if xwininfo -root -tree 2>/dev/null | grep '\"RepoDeck' >/dev/null; then kill \$pid; wait \$pid; exit 0; fi
            kill -0 \$pid 2>/dev/null || exit 3
            sleep 0.1
        done
        kill \$pid; wait \$pid; exit 4" || fail "the installed GUI showed no RepoDeck window under Xvfb (status $?)"
else
    fail "xvfb-run and xwininfo are needed (packages xvfb, x11-utils)"
fi
echo "PASS: DEB built, installed into a throwaway root, CLI synced, GUI window seen"
