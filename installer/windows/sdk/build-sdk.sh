#!/usr/bin/env bash
# Builds the Windows SDK RepoDeck links against, cross-compiled with mingw-w64
# from Debian 12's own source packages (apt-get source, patches applied):
# zlib, mbedTLS, http-parser, PCRE2, libgit2 1.5.1, fmt, spdlog and Qt 6.4.2
# qtbase (Core, Gui, Widgets, Network with Schannel, Concurrent, the windows
# platform plugin). Writes repodeck-windows-sdk-<date>.tar.xz and prints the
# time it took and its size.
#
#   installer/windows/sdk/build-sdk.sh [WORKDIR]     (default /var/tmp/repodeck-sdk)
#
# Needs a deb-src entry for bookworm main (the script adds one when missing)
# and about 6 GB of disk; about an hour or more on 2 cores. JOBS=n to change
# the parallelism. Each finished part is stamped, so a rerun picks up where a
# failed one stopped; SDK_CLEAN=1 starts from scratch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
toolchain="$here/../mingw-w64-x86_64.cmake"
work="${1:-/var/tmp/repodeck-sdk}"
jobs="${JOBS:-$(nproc)}"
prefix="$work/prefix"
src="$work/src"
bld="$work/build"
stamps="$work/stamps"
started=$(date +%s)
host=x86_64-w64-mingw32

[ "${SDK_CLEAN:-}" = 1 ] && rm -rf "$work"
mkdir -p "$prefix" "$src" "$bld" "$stamps"

need_packages() {
    local missing=() p
    for p in g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 \
             cmake ninja-build dpkg-dev xz-utils perl python3 qt6-base-dev qt6-base-dev-tools; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ! grep -rqs '^Types: deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            > /etc/apt/sources.list.d/repodeck-deb-src.sources
        apt-get update -qq
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# fetch NAME: Debian's source package NAME, unpacked with its patches; prints the folder
fetch() {
    local name="$1" dir
    dir=$(find "$src" -maxdepth 1 -mindepth 1 -type d -name "$name-*" | head -n1)
    if [ -z "$dir" ]; then
        (cd "$src" && apt-get source -qq "$name" >/dev/null 2>&1) || { echo "apt-get source $name failed: is a deb-src entry for bookworm configured?" >&2; exit 1; }
        dir=$(find "$src" -maxdepth 1 -mindepth 1 -type d -name "$name-*" | head -n1)
    fi
    echo "$dir"
}

done_part() { [ -e "$stamps/$1" ]; }
mark() { touch "$stamps/$1"; echo "== $1 done after $(( $(date +%s) - started )) s"; }

launcher=(-DCMAKE_C_COMPILER_LAUNCHER= -DCMAKE_CXX_COMPILER_LAUNCHER=)
[ "${SDK_CCACHE:-}" = 1 ] && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

cmake_part() { # name srcdir [cmake args...]
    local name="$1" dir="$2"; shift 2
    cmake -G Ninja "${launcher[@]}" -S "$dir" -B "$bld/$name" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
        -DREPODECK_WINDOWS_SDK="$prefix" -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release "$@" >"$bld/$name.configure.log"
    cmake --build "$bld/$name" -j "$jobs" >"$bld/$name.build.log"
    cmake --install "$bld/$name" >"$bld/$name.install.log"
}

need_packages

# zlib: Debian's dfsg tarball drops win32/ (the resource file zlib's CMake
# wants for MinGW), so the static library is built from its sources directly.
if ! done_part zlib; then
    d=$(fetch zlib)
    mkdir -p "$bld/zlib" "$prefix/lib" "$prefix/include"
    for c in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil; do
        $host-gcc-posix -O2 -c "$d/$c.c" -o "$bld/zlib/$c.o"
    done
    $host-ar rcs "$prefix/lib/libz.a" "$bld"/zlib/*.o
    cp "$d/zlib.h" "$d/zconf.h" "$prefix/include/"
    mkdir -p "$prefix/lib/pkgconfig"
    sed "s/^Version: .*/Version: $(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$d/zlib.h")/" \
        "$here/zlib.pc" > "$prefix/lib/pkgconfig/zlib.pc"
    mark zlib
fi

if ! done_part mbedtls; then
    cmake_part mbedtls "$(fetch mbedtls)" -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
        -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF
    mark mbedtls
fi

# http-parser ships a Makefile for Unix only; it is one C file.
if ! done_part http-parser; then
    d=$(fetch http-parser)
    mkdir -p "$bld/http-parser"
    $host-gcc-posix -O2 -c "$d/http_parser.c" -I"$d" -o "$bld/http-parser/http_parser.o"
    $host-ar rcs "$prefix/lib/libhttp_parser.a" "$bld/http-parser/http_parser.o"
    cp "$d/http_parser.h" "$prefix/include/"
    mark http-parser
fi

if ! done_part pcre2; then
    cmake_part pcre2 "$(fetch pcre2)" -DBUILD_SHARED_LIBS=OFF -DPCRE2_BUILD_TESTS=OFF \
        -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_SUPPORT_JIT=OFF
    mark pcre2
fi

# libgit2 as Debian configures it (mbedTLS, system http-parser, PCRE2), minus
# SSH (RepoDeck runs OpenSSH itself) and GSSAPI; a DLL, as on Linux.
if ! done_part libgit2; then
    cmake_part libgit2 "$(fetch libgit2)" -DBUILD_SHARED_LIBS=ON -DBUILD_TESTS=OFF -DBUILD_CLI=OFF \
        -DBUILD_EXAMPLES=OFF -DUSE_HTTPS=mbedTLS -DUSE_SHA1=CollisionDetection -DUSE_HTTP_PARSER=system \
        -DREGEX_BACKEND=pcre2 -DUSE_WINHTTP=OFF -DUSE_NTLMCLIENT=OFF -DUSE_SSH=OFF -DUSE_GSSAPI=OFF -DUSE_BUNDLED_ZLIB=OFF \
        -DZLIB_LIBRARY="$prefix/lib/libz.a" -DZLIB_INCLUDE_DIR="$prefix/include" \
        -DHTTP_PARSER_INCLUDE_DIR="$prefix/include" -DHTTP_PARSER_LIBRARY="$prefix/lib/libhttp_parser.a" \
        -DPCRE2_INCLUDE_DIR="$prefix/include" -DPCRE2_LIBRARY="$prefix/lib/libpcre2-8.a" \
        -DMBEDTLS_INCLUDE_DIR="$prefix/include" -DMBEDTLS_LIBRARY="$prefix/lib/libmbedtls.a" \
        -DMBEDX509_LIBRARY="$prefix/lib/libmbedx509.a" -DMBEDCRYPTO_LIBRARY="$prefix/lib/libmbedcrypto.a" \
        -DCMAKE_C_FLAGS="-DPCRE2_STATIC"
    mark libgit2
fi

if ! done_part fmt; then
    cmake_part fmt "$(fetch fmtlib)" -DFMT_TEST=OFF -DFMT_DOC=OFF -DBUILD_SHARED_LIBS=OFF
    mark fmt
fi

if ! done_part spdlog; then
    cmake_part spdlog "$(fetch spdlog)" -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_EXAMPLE=OFF \
        -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_BUILD_SHARED=OFF
    mark spdlog
fi

# Qt: host tools (moc, rcc, uic) come from Debian's own Qt 6.4.2, the same
# version. Only the modules RepoDeck links; Schannel for TLS (no OpenSSL DLLs
# to ship), no OpenGL (Widgets draws in software), Qt's bundled image and
# font libraries. No tablet events: Debian's source drops Wacom's wintab.h
# (src/3rdparty/wintab), which the windows plugin needs for them.
if ! done_part qtbase; then
    cmake_part qtbase "$(fetch qt6-base)" -DQT_HOST_PATH=/usr \
        -DQT_HOST_PATH_CMAKE_DIR=/usr/lib/x86_64-linux-gnu/cmake \
        -DQT_BUILD_EXAMPLES=OFF -DQT_BUILD_TESTS=OFF -DQT_BUILD_BENCHMARKS=OFF \
        -DBUILD_SHARED_LIBS=ON -DFEATURE_sql=OFF -DFEATURE_opengl=OFF -DINPUT_opengl=no \
        -DFEATURE_dbus=OFF -DFEATURE_printsupport=OFF -DFEATURE_testlib=ON -DFEATURE_xml=OFF \
        -DFEATURE_openssl=OFF -DFEATURE_schannel=ON -DFEATURE_system_zlib=OFF \
        -DFEATURE_vulkan=OFF -DFEATURE_tabletevent=OFF -DFEATURE_network=ON -DFEATURE_concurrent=ON \
        -DFEATURE_widgets=ON -DFEATURE_gui=ON -DFEATURE_accessibility=ON
    mark qtbase
fi

out="$work/repodeck-windows-sdk-$(date +%Y%m%d).tar.xz"
tar -C "$work" -cJf "$out" prefix
elapsed=$(( $(date +%s) - started ))
echo "SDK: $out"
echo "size: $(du -h "$out" | cut -f1) (prefix $(du -sh "$prefix" | cut -f1))"
echo "time: $(( elapsed / 60 )) min $(( elapsed % 60 )) s with $jobs jobs"
