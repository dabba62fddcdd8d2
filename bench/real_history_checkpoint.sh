#!/usr/bin/env bash
# Checkpointed clone of a real history through a link that resets every
# connection after CUT bytes (docs/benchmarks.md, "Checkpointed clone").
#
#   bench/real_history_checkpoint.sh MIRROR [CUT_BYTES] [MAX_RUNS] [ATTEMPTS_PER_RUN]
#
# MIRROR is a bare repository (e.g. /work/.mirror/libgit2+libgit2/repo); a
# bare clone of it (branches and tags, as `git clone --bare` takes them) is
# served by `git daemon` on 127.0.0.1 behind bench/fault_proxy_tool. Then
# `repodeck-cli sync --json` runs (at most MAX_RUNS times, each a run of up to
# ATTEMPTS_PER_RUN attempts) until the clone is there; every run continues
# from the partial directory the last one left. Each sync is wrapped in
# $RUN_WRAP (e.g. RUN_WRAP=rd-cpu) so that a long history runs in pieces.
# Prints the bytes of every attempt, the proxy's total, and checks the clone
# with `git fsck` and against a plain `git clone` over the clean link.
# BUILD (default build/dev), WORK (default: a new temporary folder) and
# DAEMON_TRACE (a file: the server side's GIT_TRACE_PACKET, its haves and ACKs).
set -euo pipefail

mirror=${1:?usage: real_history_checkpoint.sh MIRROR [CUT_BYTES] [MAX_RUNS] [ATTEMPTS_PER_RUN]}
cut=${2:-15000000}
max_runs=${3:-20}
attempts=${4:-10}
build=${BUILD:-build/dev}
cli="$PWD/$build/app/cli/repodeck-cli"
proxy_tool="$PWD/$build/bench/fault_proxy_tool"
wrap=${RUN_WRAP:-}
work=${WORK:-$(mktemp -d /tmp/rd-realhist.XXXXXX)}
for tool in "$cli" "$proxy_tool"; do
    [ -x "$tool" ] || { echo "missing $tool: build the dev preset first" >&2; exit 2; }
done
mkdir -p "$work/srv"
[ -d "$work/srv/repo.git" ] || $wrap git clone -q --bare "$mirror" "$work/srv/repo.git"
pack_bytes=$(cat "$work/srv/repo.git"/objects/pack/*.pack | wc -c)
tags=$(git -C "$work/srv/repo.git" tag | wc -l)
branches=$(git -C "$work/srv/repo.git" branch | wc -l)

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
GIT_TRACE_PACKET=${DAEMON_TRACE:-} git daemon --reuseaddr --export-all --base-path="$work/srv" --listen=127.0.0.1 --port="$port" "$work/srv" \
    >/dev/null 2>&1 &
daemon_pid=$!
coproc PROXY { exec "$proxy_tool" "$port" 0 1 "$cut" 2>"$work/proxy.log"; }
proxy_pid=$PROXY_PID
read -r pport <&"${PROXY[0]}"
cleanup() {
    if [ -n "${PROXY[1]:-}" ]; then exec {PROXY[1]}>&- 2>/dev/null || true; fi
    wait "$proxy_pid" 2>/dev/null || true
    kill "$daemon_pid" 2>/dev/null || true
}
trap cleanup EXIT
for i in $(seq 1 50); do git ls-remote "git://127.0.0.1:$port/repo.git" >/dev/null 2>&1 && break; sleep 0.1; done

ws="$work/ws.json"
dest="$work/clone"
if [ ! -f "$ws" ]; then
    "$cli" --workspace "$ws" add repo "git://127.0.0.1:$pport/repo.git" "$dest" >/dev/null
    "$cli" --workspace "$ws" policy set default --max-attempts "$attempts" --initial-delay 100ms --max-delay 500ms \
        --checkpoint auto --stall-timeout 60s --attempt-timeout 30m >/dev/null
else # the proxy's port changed: point the workspace at it
    sed -i "s#git://127.0.0.1:[0-9]*/repo.git#git://127.0.0.1:$pport/repo.git#" "$ws"
fi

echo "history: $mirror ($tags tags, $branches branches, pack $pack_bytes bytes); link reset after $cut bytes"
start=$(date +%s.%N)
runs=0
outcome=none
while [ "$runs" -lt "$max_runs" ]; do
    runs=$((runs + 1))
    $wrap "$cli" --workspace "$ws" sync --host-jobs 1 --json > "$work/run$runs.json" 2>"$work/run$runs.log" || true
    grep '"event":"attempt_end"' "$work/run$runs.json" > "$work/ends.txt" || true
    while read -r line; do
        echo "run $runs: $(echo "$line" | python3 -c 'import json,sys; e=json.load(sys.stdin); print("attempt %d: %d bytes, %s %s" % (e["attempt"], e["bytes"], "ok" if e["ok"] else "failed", (e["message"] or "")[:300]))')"
    done < "$work/ends.txt"
    grep '"event":"repo_done"' "$work/run$runs.json" > "$work/done.txt" || true
    outcome=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["outcome"])' "$work/done.txt" 2>/dev/null || echo none)
    [ "$outcome" = cloned ] && break
    grep -q '"transient":false' "$work/ends.txt" && grep -q '"ok":false' "$work/ends.txt" && break
done
end=$(date +%s.%N)
cat "$work"/run*.json > "$work/all.json"
grep '"event":"attempt_end"' "$work/all.json" > "$work/ends.txt" || true
attempts_total=$(wc -l < "$work/ends.txt")
client_bytes=$(python3 -c 'import json,sys; print(sum(json.loads(l)["bytes"] for l in open(sys.argv[1])))' "$work/ends.txt")
exec {PROXY[1]}>&-
wait "$proxy_pid" 2>/dev/null || true
proxy_bytes=$(sed -n 's/.*bytes to clients \([0-9]*\).*/\1/p' "$work/proxy.log")
in_attempts=$(python3 -c 'import json,sys; print(round(sum(json.loads(l)["duration_ms"] for l in open(sys.argv[1]))/1000,1))' "$work/ends.txt")
echo "outcome: $outcome after $runs run(s), $attempts_total attempt(s), $(python3 -c "print(round($end-$start,1))") s ($in_attempts s in attempts; the rest is waiting for RUN_WRAP)"
echo "bytes: $proxy_bytes sent by the proxy (attempts counted $client_bytes) = $(python3 -c "print(round($proxy_bytes/$pack_bytes,2))")x the pack"
echo "proxy: $(cat "$work/proxy.log")"

if [ "$outcome" = cloned ]; then
    rc=0
    $wrap git -C "$dest" fsck --strict --no-dangling >"$work/fsck.txt" 2>&1 || rc=$?
    echo "git fsck: exit $rc"
    $wrap sh -c 'start=$(date +%s.%N); git clone -q "$1" "$2"; echo "$start $(date +%s.%N)" > "$3"' \
        sh "git://127.0.0.1:$port/repo.git" "$work/plain" "$work/plain.time"
    read -r t0 t1 < "$work/plain.time"
    echo "plain git clone over the clean link: $(python3 -c "print(round($t1-$t0,1))") s, $(cat "$work/plain/.git"/objects/pack/*.pack | wc -c) pack bytes"
    git -C "$dest" for-each-ref --format='%(refname) %(objectname)' > "$work/refs.rd"
    git -C "$work/plain" for-each-ref --format='%(refname) %(objectname)' > "$work/refs.git"
    if cmp -s "$work/refs.rd" "$work/refs.git"; then
        echo "refs: identical to a plain git clone ($(wc -l < "$work/refs.git") refs)"
    else
        echo "refs: differ from a plain git clone:"; diff "$work/refs.git" "$work/refs.rd" | head -20 || true
    fi
fi
echo "work folder: $work"
