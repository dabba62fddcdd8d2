#!/usr/bin/env bash
# Builds and runs RepoDeck's libFuzzer targets (clang, ASan + UBSan).
#   run-fuzzers.sh build BUILD_DIR            configure and build every target
#   run-fuzzers.sh run BUILD_DIR TARGET SECS  run one target for SECS seconds
#   run-fuzzers.sh all BUILD_DIR SECS         build, then run every target
# A crash, a leak, a sanitizer report or a timeout on one input fails the run;
# the input is kept in BUILD_DIR/artifacts/. Seeds are in tests/fuzz/corpus/;
# what a run finds goes to BUILD_DIR/corpus/ (never into the source tree).
# Without clang and libFuzzer the run is skipped (exit 77), except with
# CI=true, where a skip would hide a missing install step.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../support/require-tool.sh
. "$here/../support/require-tool.sh"
mode="${1:?usage: run-fuzzers.sh build|run|all BUILD_DIR ...}"
build="${2:?build directory}"

find_clang() {
    local c
    for c in clang++-14 clang++; do
        if command -v "$c" >/dev/null; then
            # libFuzzer's runtime comes in a separate package on Debian.
            if echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long){return 0;}' \
                | "$c" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
                echo "$c"
                return 0
            fi
        fi
    done
    return 1
}

targets() {
    local f
    for f in "$here"/fuzz_*.cpp; do
        f="$(basename "$f" .cpp)"
        echo "${f#fuzz_}"
    done
}

do_build() {
    local cxx
    if ! cxx="$(find_clang)"; then
        skip_test "no clang with libFuzzer (Debian: apt-get install clang-14 libclang-rt-14-dev)"
    fi
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
        "${launcher[@]}" >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
    cmake --build "$build" -j "$(nproc)"
}

do_run() {
    local name="$1" secs="$2"
    local bin="$build/fuzz_$name"
    if [ ! -x "$bin" ]; then
        skip_test "fuzz_$name is not built (run-fuzzers.sh build $build)"
    fi
    local work="$build/corpus/$name" seeds="$here/corpus/$name"
    mkdir -p "$work" "$build/artifacts" "$seeds"
    # Qt's own checks (QString with invalid UTF-8 and the like) are not
    # findings; a sanitizer report or an abort() in a target is.
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    QT_LOGGING_RULES="*=false" \
        "$bin" -max_total_time="$secs" -timeout=10 -error_exitcode=1 -timeout_exitcode=1 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
            -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/${name}-" \
            "$work" "$seeds"
}

case "$mode" in
    build) do_build ;;
    run) do_run "${3:?target}" "${4:-30}" ;;
    all)
        do_build
        for t in $(targets); do
            do_run "$t" "${3:-300}"
        done
        ;;
    list) targets ;;
    *) echo "usage: run-fuzzers.sh build|run|all|list BUILD_DIR ..." >&2; exit 2 ;;
esac
