#!/usr/bin/env bash
# The standard jim-bench suite (P2 "measure early"). Builds jim-server and jim-bench if needed,
# then, each against a fresh server pinned to one core (one worker, heartbeat off), once with the
# shipped store (store.engine=rocksdb, sync=process) and once without (store.engine=none, routing
# alone, which is what the throughput targets and the nats comparison are about):
#   idle 1,000 and 19,000 connections, pairs 2,000 users x3 (median), pairs at 1,000 and
#   19,000 connections (cost per message vs connection count), latency, storm 5,000;
# then fanout, and (unless --no-profile) a perf cpu-clock profile and a callgrind run of the
# server for each store. Writes a new dated section at the top of bench/RESULTS.md (earlier
# sections stay below) and HTML reports to build/bench-reports/. Takes about 4-5 minutes.
#
#   bench/run.sh [--no-profile] [--quick]
#   env: JIM_BUILD_DIR (build; set it to skip the build step), SERVER_CPU (1), BENCH_CPU (0),
#        PAIRS_SECONDS (10), JIM_BENCH_RT (auto | 1 | 0)
#
# JIM_BENCH_RT=1 runs the server and jim-bench as SCHED_FIFO (chrt -f 1, needs root). On a machine
# busy with other work (builds), a pinned normal-priority process waits up to a scheduler tick
# (4 ms at HZ=250) for its core after each wake-up, which turns a 25 µs round trip into
# milliseconds and halves throughput; real-time priority removes that. The kernel still keeps 5 %
# of each second for everything else (sched_rt_runtime_us), so a saturated server is measured at
# most at 95 % of its core: compare server µs/msg, not only msgs/s. "auto" (default) uses it
# when the 1-minute load average is 1 or more at the start. The section says which mode ran.
set -euo pipefail

cd "$(dirname "$0")/.."
profile=1
quick=0
for arg in "$@"; do
    case $arg in
        --no-profile) profile=0 ;;
        --quick) quick=1 ;;
        *) echo "usage: bench/run.sh [--no-profile] [--quick]" >&2; exit 2 ;;
    esac
done

build=${JIM_BUILD_DIR:-build}
server_cpu=${SERVER_CPU:-1}
bench_cpu=${BENCH_CPU:-0}
seconds=${PAIRS_SECONDS:-10}
[[ $quick == 1 ]] && seconds=3
reports=$build/bench-reports
tmp=$(mktemp -d /tmp/jim-bench-suite.XXXXXX)
server_pid=
port=
suite_start=$(date +%s)

cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*" >&2; }

if [[ ${JIM_BUILD_DIR:-} == "" ]]; then
    log "build (release preset: jim-server, jim-bench)"
    cmake --preset release >/dev/null
    cmake --build --preset release --target jim-server jim-bench
fi
mkdir -p "$reports"

# Run copies, so a rebuild of build/ by someone else during the suite cannot change (or lock)
# the binaries under test. A copy taken while the linker writes fails its --version check.
mkdir -p "$tmp/bin"
for _ in $(seq 30); do
    cp "$build/bin/jim-server" "$build/bin/jim-bench" "$tmp/bin/" 2>/dev/null &&
        "$tmp/bin/jim-server" --version >/dev/null 2>&1 &&
        "$tmp/bin/jim-bench" --help >/dev/null 2>&1 && break
    sleep 2
done
if ! "$tmp/bin/jim-server" --version >/dev/null 2>&1; then
    echo "bench/run.sh: no usable copy of $build/bin/jim-server" >&2
    exit 1
fi

rt=${JIM_BENCH_RT:-auto}
load_start=$(cut -d ' ' -f 1 /proc/loadavg)
if [[ $rt == auto ]]; then
    rt=0
    if awk -v l="$load_start" 'BEGIN { exit !(l >= 1.0) }' && chrt -f 1 true 2>/dev/null; then
        rt=1
    fi
fi
prio=()
[[ $rt == 1 ]] && prio=(chrt -f 1)

server_cmd=("$tmp/bin/jim-server" --set server.workers=1 --set server.heartbeat_timeout_ms=0
            --set log.level=warn --port 0)
store=rocksdb  # store.engine of the servers start_server starts

# start_server [wrapper...]: a fresh server (own data dir) pinned to $server_cpu, optionally
# run under a wrapper (valgrind, from profile.sh); sets server_pid and port.
# shellcheck disable=SC2120
start_server() {
    local data out
    data=$(mktemp -d "$tmp/data.XXXXXX")
    out="$tmp/server.out"
    : >"$out"
    "${prio[@]}" taskset -c "$server_cpu" "$@" "${server_cmd[@]}" --set "store.engine=$store" \
        --data-dir "$data" >"$out" 2>>"$tmp/server.err" &
    server_pid=$!
    port=
    for _ in $(seq 600); do
        port=$(sed -n 's/^jim-server .* listening on .*:\([0-9][0-9]*\)$/\1/p' "$out")
        [[ -n $port ]] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench/run.sh: jim-server did not start" >&2
    cat "$tmp/server.err" >&2
    exit 1
}

stop_server() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}

# bench NAME ARGS...: one jim-bench run against the current server; its JSON line goes to
# $tmp/NAME.json and its command line to $tmp/commands.
bench() {
    local name=$1
    shift
    local cmd=("${prio[@]}" taskset -c "$bench_cpu" "$tmp/bin/jim-bench" --port "$port"
               --server-pid "$server_pid" "$@")
    log "$name: ${cmd[*]}"
    printf '%s\t%s\n' "$name" "${cmd[*]//$tmp\/bin/$build/bin}" >>"$tmp/commands"
    if ! "${cmd[@]}" >"$tmp/$name.out"; then
        echo "bench/run.sh: $name failed (its JSON line is kept in the results)" >&2
    fi
    head -n 1 "$tmp/$name.out" >"$tmp/$name.json"
    tail -n +2 "$tmp/$name.out" >&2
}

# fresh NAME ARGS...: the same with a server started just for it.
fresh() {
    start_server
    bench "$@"
    stop_server
}

uptime >"$tmp/load_before"

# suite STORE: the standard runs against servers with store.engine=STORE (names end in @STORE).
suite() {
    store=$1
    local at="@$store" w=(--inflight 16 --size 100 --duration "$seconds")
    fresh "idle-1000$at" --scenario idle --connections 1000 --sources 4
    fresh "idle-19000$at" --scenario idle --connections 19000 --sources 8 \
        --report "$reports/idle-19000$at.html"
    for run in 1 2 3; do
        fresh "pairs-2000-run$run$at" --scenario pairs --connections 2000 "${w[@]}" --warmup 1 \
            --report "$reports/pairs-2000-run$run$at.html"
    done
    fresh "pairs-1000$at" --scenario pairs --connections 1000 "${w[@]}" --warmup 1
    fresh "pairs-19000$at" --scenario pairs --connections 19000 "${w[@]}" --sources 8 --warmup 2 \
        --report "$reports/pairs-19000$at.html"
    fresh "latency$at" --scenario latency --duration "$seconds" --warmup 1 \
        --report "$reports/latency$at.html"
    fresh "storm-5000$at" --scenario storm --connections 5000 --sources 4 \
        --report "$reports/storm-5000$at.html"
}

uptime >"$tmp/load_before"
suite rocksdb
suite none
store=rocksdb
# Every member online (the fd limit allows 10,000 on both sides), then half of 10,000 offline.
fresh fanout-1000 --scenario fanout --connections 1000 --inflight 16 --size 100 \
    --duration "$seconds" --warmup 1
fresh fanout-10000 --scenario fanout --connections 10000 --inflight 16 --size 100 \
    --duration "$seconds" --warmup 1 --timeout 120
fresh fanout-10000-half-offline --scenario fanout --connections 5000 --group-size 10000 \
    --inflight 16 --size 100 --duration "$seconds" --warmup 1 --timeout 120

uptime >"$tmp/load_after"

if [[ $profile == 1 ]]; then
    # shellcheck source=bench/profile.sh
    source "$(dirname "$0")/profile.sh"
    run_profiles rocksdb
    run_profiles none
fi

log "writing bench/RESULTS.md"
{
    echo "server_cmd=${prio[*]}${prio:+ }taskset -c $server_cpu" \
        "${server_cmd[*]//$tmp\/bin/$build/bin} --set store.engine=<rocksdb|none> --data-dir <tmp>"
    echo "rt=$rt"
    echo "model=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
    echo "cpus=$(nproc --all)"
    echo "kernel=$(uname -r)"
    dirty=$(git status --porcelain 2>/dev/null | head -n 1 || true)
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    echo "commit=$commit${dirty:+ (with uncommitted changes)}"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "load_before=$(sed 's/.*load average: //' "$tmp/load_before")"
    echo "load_after=$(sed 's/.*load average: //' "$tmp/load_after")"
    echo "suite_seconds=$(($(date +%s) - suite_start))"
    echo "seconds=$seconds"
} >"$tmp/meta"
python3 "$(dirname "$0")/results.py" "$tmp" bench/RESULTS.md
echo "bench/run.sh: done in $(($(date +%s) - suite_start)) s; see bench/RESULTS.md" >&2
