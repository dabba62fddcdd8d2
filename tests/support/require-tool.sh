# shellcheck shell=sh
# Sourced by the suite's shell tests (POSIX sh): one rule for a missing tool,
# the one TestEnvironment.h gives the Qt tests. Locally a test without its
# tool is skipped; with CI=true it fails, because a skip there would hide a
# missing install step.

# have_tool NAME: NAME is on PATH (or in the sbin folders).
have_tool() {
    command -v "$1" >/dev/null 2>&1 && return 0
    for dir in /usr/sbin /usr/local/sbin /sbin; do
        [ -x "$dir/$1" ] && return 0
    done
    return 1
}

# missing_tool MESSAGE: says what is missing; exits 1 under CI=true,
# otherwise returns 1 so the caller can leave that part out.
missing_tool() {
    if [ "${CI:-}" = "true" ]; then
        echo "FAIL: $1 (CI=true: a missing tool fails the test)" >&2
        exit 1
    fi
    echo "SKIP: $1" >&2
    return 1
}

# require_tool NAME HINT: have_tool NAME, or missing_tool with HINT (what
# installs it).
require_tool() {
    have_tool "$1" && return 0
    missing_tool "$1 is not installed${2:+ ($2)}"
}

# skip_test MESSAGE: the whole test cannot run: exit 77 (CTest's
# SKIP_RETURN_CODE), or 1 under CI=true.
skip_test() {
    missing_tool "$1" || exit 77
}
