#!/bin/bash
# CPU per append of the redis store engine, on a busy machine too: runs store_bench's
# redis_process/in_flight:1024 case and, over a window of its run, reads Redis's own CPU
# (INFO cpu) and appends (INCR calls, one per new message) and the benchmark process's CPU
# (/proc). Throughput on a shared machine follows whatever CPU share the processes get; CPU
# per append does not, so compare builds with this.
#
#   bench/redis_store_cpu.sh [STORE_BENCH] [WINDOW_SECONDS]   # default build/bench/store_bench, 3
set -euo pipefail
bin=${1:-build/bench/store_bench}
window=${2:-3}
command -v redis-cli >/dev/null || { echo "redis-cli is missing (package redis-tools)" >&2; exit 1; }

"$bin" --benchmark_filter='redis_process/in_flight:1024' --benchmark_min_time=$((window + 3)) \
    --benchmark_counters_tabular=true >"${TMPDIR:-/tmp}/redis_store_cpu.$$" 2>&1 &
bench=$!
trap 'kill "$bench" 2>/dev/null || true; rm -f "${TMPDIR:-/tmp}/redis_store_cpu.$$"' EXIT
sleep 2  # past start-up and the smaller cases' servers
redis=$(pgrep -P "$bench" -x redis-server)
port=$(ps -o args= -p "$redis" | sed 's/.*://; s/ .*//')

snapshot() {  # "<redis cpu seconds> <INCR calls> <bench cpu ticks>"
    redis-cli -p "$port" INFO all | tr -d '\r' | awk -F'[:=,]' '
        /^used_cpu_sys:/ {s = $2} /^used_cpu_user:/ {u = $2} /^cmdstat_incr:/ {c = $3}
        END {printf "%s %s ", s + u, c}'
    awk '{print $14 + $15}' "/proc/$bench/stat"
}
read -r c0 n0 b0 <<<"$(snapshot)"
sleep "$window"
read -r c1 n1 b1 <<<"$(snapshot)"
wait "$bench"
awk -v c0="$c0" -v c1="$c1" -v n0="$n0" -v n1="$n1" -v b0="$b0" -v b1="$b1" \
    -v w="$window" -v tck="$(getconf CLK_TCK)" 'BEGIN {
    n = n1 - n0
    printf "appends in the window: %d (%.0f/s); redis CPU %.1f us/append; store_bench CPU %.1f us/append\n",
        n, n / w, (c1 - c0) * 1e6 / n, (b1 - b0) / tck * 1e6 / n
}'
grep append_throughput "${TMPDIR:-/tmp}/redis_store_cpu.$$"
