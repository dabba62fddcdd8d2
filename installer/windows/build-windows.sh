#!/usr/bin/env bash
# ./dev.sh windows: cross-builds RepoDeck for 64-bit Windows with mingw-w64
# against the SDK that installer/windows/sdk/build-sdk.sh makes, and gathers
# the DLLs the binaries need into build/windows-cross/dist; with makensis,
# also the NSIS installer build/windows-cross/package/RepoDeck-<version>-win64.exe.
set -euo pipefail
cd "$(dirname "$0")/../.."
sdk="${REPODECK_WINDOWS_SDK:-}"
if [ -z "$sdk" ]; then
    tarball=$(installer/windows/sdk-tarball.sh)
    if [ -z "$tarball" ]; then
        echo "Windows not checked: no SDK at ../shared/windows-sdk"
        echo "(build one with installer/windows/sdk/build-sdk.sh, or set REPODECK_WINDOWS_SDK)"
        exit 0
    fi
    sdk="$PWD/build/windows-sdk/prefix"
    stamp="$PWD/build/windows-sdk/unpacked-from"
    if [ ! -d "$sdk" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$tarball" ]; then
        rm -rf build/windows-sdk && mkdir -p build/windows-sdk
        tar -C build/windows-sdk -xJf "$tarball"
        echo "$tarball" > "$stamp"
    fi
    # SDKs made before build-sdk.sh wrote zlib.pc (libgit2.pc requires it).
    [ -f "$sdk/lib/pkgconfig/zlib.pc" ] || cp installer/windows/sdk/zlib.pc "$sdk/lib/pkgconfig/"
fi
export REPODECK_WINDOWS_SDK="$sdk"
for tool in x86_64-w64-mingw32-g++-posix; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install g++-mingw-w64-x86-64-posix" >&2; exit 1; }
done

# The icon renderer runs at build time: the host's own build of it.
cmake --preset dev >/dev/null
cmake --build --preset dev --target repodeck_render_icons >/dev/null
host_render="$PWD/build/dev/installer/repodeck_render_icons"

cmake --preset windows-cross -DREPODECK_HOST_RENDER_ICONS="$host_render" -DREPODECK_BUILD_TESTS=ON >/dev/null
# The core unit tests (and tst_statestore, core's state file) run under Wine
# (docs/windows.md); the tests that need POSIX servers are not built here.
tests="tst_backoff tst_errorclassifier tst_duration tst_workspace tst_remoteurl tst_hostgate
       tst_syncplanner tst_retrydecision tst_credentialscope tst_checkpointplan tst_statestore
       tst_httpresponseparser tst_httprequest tst_eolconversion tst_noproxy tst_attemptrules tst_shard"
# shellcheck disable=SC2086
cmake --build --preset windows-cross -j "${REPODECK_JOBS:-$(nproc)}" --target repodeck repodeck-cli $tests

# qt_standard_project_setup() puts every Windows executable in the build
# folder's top level (beside its DLLs, as Windows looks for them).
dist="$PWD/build/windows-cross/dist"
rm -rf "$dist" && mkdir -p "$dist/platforms" "$dist/tls"
cp build/windows-cross/repodeck.exe build/windows-cross/repodeck-cli.exe "$dist/"
for t in $tests; do cp "build/windows-cross/$t.exe" "$dist/"; done
for dll in Qt6Core Qt6Gui Qt6Widgets Qt6Network Qt6Concurrent Qt6Test; do
    cp "$sdk/bin/$dll.dll" "$dist/"
done
cp "$sdk/bin/libgit2.dll" "$dist/"
# qoffscreen and qminimal: tests and headless runs (QT_QPA_PLATFORM).
for p in qwindows qoffscreen qminimal; do cp "$sdk/plugins/platforms/$p.dll" "$dist/platforms/"; done
cp "$sdk"/plugins/tls/qschannelbackend.dll "$dist/tls/"
# The mingw runtime (posix threads).
for dll in libstdc++-6.dll libgcc_s_seh-1.dll libwinpthread-1.dll; do
    found=$(x86_64-w64-mingw32-g++-posix -print-file-name="$dll")
    [ -f "$found" ] || found=$(find /usr/lib/gcc/x86_64-w64-mingw32 /usr/x86_64-w64-mingw32 -name "$dll" | head -n1)
    cp "$found" "$dist/"
done
# Every DLL an executable imports must be here or part of Windows itself.
if command -v x86_64-w64-mingw32-objdump >/dev/null; then
    for exe in "$dist"/*.exe; do
        for dll in $(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p'); do
            [ -f "$dist/$dll" ] || [ -f "/usr/x86_64-w64-mingw32/lib/lib${dll%.dll}.a" ] \
                || [ -f "/usr/x86_64-w64-mingw32/lib/lib$(echo "${dll%.dll}" | tr A-Z a-z).a" ] \
                || echo "warning: $(basename "$exe") imports $dll, not in dist" >&2
        done
    done
fi
echo "Windows binaries and their DLLs: $dist"

# The NSIS installer (Debian's makensis), RepoDeck-<version>-win64.exe.
if command -v makensis >/dev/null; then
    (cd build/windows-cross && cpack -G NSIS -B "$PWD/package" >/dev/null) \
        || { echo "cpack -G NSIS failed; see build/windows-cross/package/_CPack_Packages/win64/NSIS/NSISOutput.log" >&2; exit 1; }
    echo "Windows installer: $(ls "$PWD"/build/windows-cross/package/RepoDeck-*-win64.exe)"
else
    echo "No NSIS installer: makensis is missing (apt-get install nsis)"
fi
