#!/usr/bin/env bash
# RepoDeck developer entry point. On a fresh Debian 12 machine:
#   ./dev.sh run    install what is missing, build, start the app
#   ./dev.sh test   install what is missing, build, run the whole test suite,
#                   then (with the Windows SDK) the Windows build under Wine
#   ./dev.sh fuzz   run every fuzz target for FUZZ_SECONDS (default 600) each
#   ./dev.sh windows  cross-build the Windows binaries (needs the Windows SDK)
#   ./dev.sh lint   clang-format check of every C++ file, clang-tidy on core/
# Other platforms: see README.md (macOS: Homebrew, Windows: vcpkg).
set -euo pipefail
cd "$(dirname "$0")"

PRESET="${REPODECK_PRESET:-dev}"
PACKAGES=(
    cmake ninja-build g++ pkg-config git git-lfs
    qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-qpa-plugins
    libgit2-dev libspdlog-dev libfmt-dev qtkeychain-qt6-dev libsecret-1-0 zlib1g-dev
    gnome-keyring dbus-daemon dbus-bin
    openssh-client openssh-server openssl util-linux nginx
    xvfb xauth x11-utils dpkg-dev file desktop-file-utils
    clang-14 libclang-rt-14-dev
)

# The Windows check (cross compiler, Wine, NSIS), installed only when the
# Windows SDK is there to build against.
WINDOWS_PACKAGES=(g++-mingw-w64-x86-64-posix wine64 wine nsis imagemagick)

install_missing() {
    command -v dpkg-query >/dev/null || { echo "Not a Debian-like system: install the packages listed in README.md by hand." >&2; return; }
    local missing=()
    [ $# -gt 0 ] || set -- "${PACKAGES[@]}"
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "Installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    # The tests start their own sshd and nginx on 127.0.0.1; installing the
    # packages must not start system services (nginx would take port 80, and
    # fail the install if something else has it). policy-rc.d says "no" to
    # every service start for the length of the install, unless the machine
    # already has its own.
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && own_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
    [ -n "$own_policy" ] && $sudo rm -f "$policy"
    return "$rc"
}

# After the Linux suite: the Windows binaries, cross-built against the SDK
# and run under Wine (installer/windows/test-under-wine.sh). A step here
# rather than a CTest test: it builds another preset (a build inside ctest
# would compete with the parallel tests and the 300 s test timeout), and
# `./dev.sh test` is what CI runs.
windows_check() {
    if [ -z "${REPODECK_WINDOWS_SDK:-}" ] && [ -z "$(installer/windows/sdk-tarball.sh)" ]; then
        echo "Windows not checked: no SDK at ../shared/windows-sdk"
        return 0
    fi
    install_missing "${WINDOWS_PACKAGES[@]}" || true
    local tool missing=()
    for tool in x86_64-w64-mingw32-g++-posix /usr/lib/wine/wine64 makensis xvfb-run import; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        # CI must not pass because a tool went missing.
        if [ "${CI:-}" = true ]; then
            echo "FAIL: Windows check: missing ${missing[*]} (apt-get install ${WINDOWS_PACKAGES[*]})" >&2
            return 1
        fi
        echo "Windows not checked: missing ${missing[*]} (apt-get install ${WINDOWS_PACKAGES[*]})"
        return 0
    fi
    local start=$SECONDS rc=0
    installer/windows/build-windows.sh && \
        REPODECK_TEST_SERVE="$PWD/build/$PRESET/tests/support/repodeck-test-serve" \
        installer/windows/test-under-wine.sh || rc=$?
    echo "Windows step (build and checks under Wine): $((SECONDS - start)) s"
    return "$rc"
}

# clang-format (.clang-format) over every tracked C++ file and clang-tidy
# (.clang-tidy) over core/, with the dev preset's compile commands.
# Reports, changes nothing; non-zero when either finds something.
LINT_PACKAGES=(clang-format clang-tidy)
lint() {
    install_missing "${LINT_PACKAGES[@]}"
    local tool
    for tool in clang-format clang-tidy run-clang-tidy git; do
        command -v "$tool" >/dev/null || { echo "lint: $tool is missing (apt-get install ${LINT_PACKAGES[*]})" >&2; return 1; }
    done
    [ -f build/dev/compile_commands.json ] || cmake --preset dev >/dev/null
    local rc=0
    echo "clang-format: $(clang-format --version)"
    git ls-files -z '*.cpp' '*.h' | xargs -0 clang-format --dry-run -Werror || rc=1
    # Only core/'s sources (the compile commands also hold ui/, tests/ and
    # generated moc files). Compiler warnings are the build's business
    # (-Werror there); -Wno-error keeps clang's own from failing the lint.
    local core
    core=$(printf '%s' "$PWD/core/" | sed 's/[][\.*^$+?(){}|]/\\&/g')
    run-clang-tidy -p build/dev -j "$(nproc)" -quiet -extra-arg=-Wno-error "^${core}.*\.cpp\$" || rc=1
    [ "$rc" -eq 0 ] && echo "lint: no findings"
    return "$rc"
}

build() {
    cmake --preset "$PRESET" >/dev/null
    cmake --build --preset "$PRESET" -j "$(nproc)"
}

case "${1:-}" in
    run)
        install_missing
        build
        shift
        exec "build/$PRESET/app/gui/repodeck" "$@"
        ;;
    test)
        install_missing
        build
        rc=0
        ctest --preset "$PRESET" --output-on-failure || rc=$?
        windows_check || rc=$?
        exit "$rc"
        ;;
    build)
        install_missing
        build
        ;;
    fuzz)
        # Every fuzz target for FUZZ_SECONDS each (default 10 minutes);
        # findings land in build/fuzz/artifacts/.
        install_missing
        exec tests/fuzz/run-fuzzers.sh all build/fuzz "${FUZZ_SECONDS:-600}"
        ;;
    lint)
        lint
        ;;
    windows)
        # Cross-builds repodeck.exe and repodeck-cli.exe with mingw-w64
        # against the Windows SDK (installer/windows/sdk/build-sdk.sh):
        # REPODECK_WINDOWS_SDK names an unpacked prefix, else the newest
        # tarball in ../shared/windows-sdk/ is unpacked into build/.
        exec installer/windows/build-windows.sh
        ;;
    *)
        echo "usage: ./dev.sh run|test|build|fuzz|windows|lint" >&2
        exit 2
        ;;
esac
