#!/usr/bin/env bash
# RepoDeck against git, alternating in one run on this machine, over loopback
# git:// (git daemon). Prints medians, ratios (repodeck / git) and peak memory.
#   bench/compare.sh [BUILD_DIR]        (default build/dev; build it first)
# Environment: RUNS (3), SMALL (100), LARGE_REPO (a bare repository to clone;
# default: a local copy of libgit2's history if this machine has one, else a
# generated 60 MB history), MANY (1000, repositories for the memory figure).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/dev}"
cli="$PWD/$build/app/cli/repodeck-cli"
proxy_tool="$PWD/$build/bench/fault_proxy_tool"
gui_bench="$PWD/$build/bench/gui_eventloop"
RUNS="${RUNS:-3}"; SMALL="${SMALL:-100}"; MANY="${MANY:-1000}"
[ -x "$cli" ] || { echo "build first: cmake --build --preset dev" >&2; exit 2; }
work="$(mktemp -d)"; daemon_pid=""
trap '[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; rm -rf "$work"' EXIT
export HOME="$work/home" REPODECK_LOG_DIR="$work/logs" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME" "$work/srv"
git config --global user.name bench; git config --global user.email bench@example.invalid
git config --global init.defaultBranch main

now_ms() { date +%s%3N; }
# run LABEL CMD...: prints "ms peak_kb"
# Dirty pages of the previous run are flushed first (untimed): otherwise
# whichever side runs second pays for the other's writeback.
measure() { local t0 t1; sync; t0=$(now_ms); /usr/bin/time -f "%M" -o "$work/mem" "$@" > /dev/null 2>&1; t1=$(now_ms); echo "$((t1 - t0)) $(cat "$work/mem")"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
row() { # name repodeck_ms git_ms repodeck_kb git_kb target
    awk -v n="$1" -v r="$2" -v g="$3" -v rk="$4" -v gk="$5" -v t="$6" 'BEGIN {
        ratio = g > 0 ? r / g : 0;
        printf "%-34s %10.2f %10.2f %7.2fx  %-8s %8.1f %8.1f\n", n, r/1000, g/1000, ratio, (ratio <= t ? "ok" : "MISSED") " <=" t, rk/1024, gk/1024 }'
}

echo "preparing workloads in $work ..."
seed() { # seed BARE N_COMMITS
    git init -q --bare "$1"
    git -C "$work" init -q "seed$$" 2>/dev/null || true
    local s="$work/seed$$"; rm -rf "$s"; git init -q "$s"
    for i in $(seq 1 "$2"); do echo "$i $RANDOM" > "$s/file$((i % 7)).txt"; git -C "$s" add -A; git -C "$s" commit -qm "c$i"; done
    git -C "$s" push -q "$1" HEAD:refs/heads/main; rm -rf "$s"
}
seed "$work/srv/template.git" 5
for i in $(seq 1 "$SMALL"); do cp -r "$work/srv/template.git" "$work/srv/s$i.git"; done
if [ -n "${LARGE_REPO:-}" ]; then large_src="$LARGE_REPO"
elif [ -d /work/.mirror/libgit2+libgit2/repo ]; then large_src=/work/.mirror/libgit2+libgit2/repo
else
    large_src="$work/gen.git"; git init -q --bare "$large_src"
    g="$work/gen"; git init -q "$g"
    for i in $(seq 1 60); do head -c 1000000 /dev/urandom > "$g/blob$i"; git -C "$g" add -A; git -C "$g" commit -qm "b$i"; done
    git -C "$g" push -q "$large_src" HEAD:refs/heads/main
fi
git clone -q --bare "$large_src" "$work/srv/large.git"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 19419)
git daemon --reuseaddr --export-all --base-path="$work/srv" --listen=127.0.0.1 --port="$port" "$work/srv" >/dev/null 2>&1 &
daemon_pid=$!
for i in $(seq 1 50); do git ls-remote "git://127.0.0.1:$port/s1.git" >/dev/null 2>&1 && break; sleep 0.1; done

ws() { echo "$work/ws-$1.json"; }
add_small() { # add_small WS DEST_PREFIX URL_PREFIX
    for i in $(seq 1 "$SMALL"); do "$cli" --workspace "$1" add "s$i" "$3/s$i.git" "$2/s$i" >/dev/null; done
}
echo
printf "%-34s %10s %10s %8s  %-10s %8s %8s\n" "workload (median of $RUNS)" "repodeck s" "git s" "ratio" "target" "rd MiB" "git MiB"

# 1. Clone N small repositories, 4 at a time.
r=(); g=(); rk=(); gk=()
for run in $(seq 1 "$RUNS"); do
    rm -rf "$work/rd$run" "$work/g$run"; w="$(ws small$run)"; add_small "$w" "$work/rd$run" "git://127.0.0.1:$port"
    read -r ms kb < <(measure "$cli" --workspace "$w" sync --jobs 4 --json); r+=("$ms"); rk+=("$kb")
    read -r ms kb < <(measure bash -c "seq 1 $SMALL | xargs -P4 -I{} git clone -q git://127.0.0.1:$port/s{}.git $work/g$run/s{}"); g+=("$ms"); gk+=("$kb")
done
row "clone $SMALL small repos, --jobs 4" "$(printf '%s\n' "${r[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)" \
    "$(printf '%s\n' "${rk[@]}" | median)" "$(printf '%s\n' "${gk[@]}" | median)" 0.7

# 2. No-op sync of N up-to-date clones.
r=(); g=(); rk=(); gk=()
for run in $(seq 1 "$RUNS"); do
    read -r ms kb < <(measure "$cli" --workspace "$(ws small1)" sync --jobs 4 --json); r+=("$ms"); rk+=("$kb")
    read -r ms kb < <(measure bash -c "seq 1 $SMALL | xargs -P4 -I{} git -C $work/g1/s{} pull -q --ff-only"); g+=("$ms"); gk+=("$kb")
done
row "no-op sync of $SMALL clones" "$(printf '%s\n' "${r[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)" \
    "$(printf '%s\n' "${rk[@]}" | median)" "$(printf '%s\n' "${gk[@]}" | median)" 0.5

# 3. Clone of a large real history.
r=(); g=(); rk=(); gk=()
for run in $(seq 1 "$RUNS"); do
    rm -rf "$work/lr" "$work/lg"; w="$(ws large$run)"
    "$cli" --workspace "$w" add large "git://127.0.0.1:$port/large.git" "$work/lr" >/dev/null
    read -r ms kb < <(measure "$cli" --workspace "$w" sync --json); r+=("$ms"); rk+=("$kb")
    read -r ms kb < <(measure git clone -q "git://127.0.0.1:$port/large.git" "$work/lg"); g+=("$ms"); gk+=("$kb")
done
row "clone large history ($(du -sm "$work/srv/large.git" | cut -f1) MB)" "$(printf '%s\n' "${r[@]}" | median)" \
    "$(printf '%s\n' "${g[@]}" | median)" "$(printf '%s\n' "${rk[@]}" | median)" "$(printf '%s\n' "${gk[@]}" | median)" 1.1
rm -rf "$work/lr" "$work/lg"

# 4. 100 repositories with 30 % of connections reset: time to all done,
#    against the same clone on a clean link (ratio), attempts used.
if [ -x "$proxy_tool" ]; then
    r=(); g=()
    for run in $(seq 1 "$RUNS"); do
        rm -rf "$work/f$run" "$work/c$run"
        coproc PROXY { exec "$proxy_tool" "$port" 0.3 "$run" 2>"$work/proxy.log"; }
        read -r pport <&"${PROXY[0]}"
        wf="$(ws fault$run)"; add_small "$wf" "$work/f$run" "git://127.0.0.1:$pport"
        "$cli" --workspace "$wf" policy set default --initial-delay 50ms --max-delay 1s --max-attempts 10 >/dev/null
        wc="$(ws clean$run)"; add_small "$wc" "$work/c$run" "git://127.0.0.1:$port"
        read -r ms kb < <(measure "$cli" --workspace "$wf" sync --jobs 4 --json); r+=("$ms")
        "$cli" --workspace "$wf" status --json > "$work/status.json"
        read -r ms kb < <(measure "$cli" --workspace "$wc" sync --jobs 4 --json); g+=("$ms")
        exec {PROXY[1]}>&-; wait "$PROXY_PID" 2>/dev/null || true
    done
    row "$SMALL repos, 30 % resets vs clean" "$(printf '%s\n' "${r[@]}" | median)" "$(printf '%s\n' "${g[@]}" | median)" 0 0 1.5
    echo "   (ratio here is repodeck with resets / repodeck on a clean link; proxy: $(cat "$work/proxy.log"))"
    failed=$(grep -o '"outcome":"failed"' "$work/status.json" | wc -l || true)
    echo "   repositories failed under resets: $failed"
fi

# 5. Peak memory of a no-op sync of MANY repositories.
wm="$(ws many)"
for i in $(seq 1 "$MANY"); do echo "$i"; done | while read -r i; do
    echo "{\"name\":\"m$i\",\"url\":\"git://127.0.0.1:$port/s$(( (i % SMALL) + 1 )).git\",\"path\":\"$work/m/m$i\",\"mode\":\"working_copy\",\"policy\":\"default\"}"
done | paste -sd, | sed 's/^/{"schema":1,"repositories":[/; s/$/]}/' > "$wm"
"$cli" --workspace "$wm" sync --jobs 8 --json > /dev/null
read -r ms kb < <(measure "$cli" --workspace "$wm" sync --jobs 8 --json)
printf "%-34s %10.2f s, peak %.1f MiB (target < 200 MiB)\n" "no-op sync of $MANY repos (CLI)" "$(echo "$ms/1000" | bc -l)" "$(echo "$kb/1024" | bc -l)"

# 6. The GUI with 1,000 repositories and 50 syncing.
if [ -x "$gui_bench" ]; then
    echo; echo "GUI event loop (1,000 rows, 50 syncing; target p99 < 50 ms, memory < 200 MiB):"
    QT_QPA_PLATFORM=offscreen "$gui_bench" 10 1000 50 state 2>/dev/null | tail -4
fi
