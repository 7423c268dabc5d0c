#!/usr/bin/env bash
# Chat throughput with the hooks (issue P8): jim-bench pairs against a fresh server per run with
#   off        no webhooks, no moderation hook
#   webhooks   every event (message included: one per chat message) to a fast local receiver
#   dead       the same events to a receiver that accepts connections and never answers
#              (the queue fills; overflow is dropped and counted)
#   moderation the before-send hook on every message, answered "accept" by a local receiver
# interleaved, ROUNDS times. The server (one worker, store.engine=none so the hooks are the only
# extra work) is pinned to SERVER_CPU; jim-bench and the receiver to BENCH_CPU. Prints a
# markdown table (and the exact commands) for bench/RESULTS.md.
#
#   bench/hooks.sh        env: JIM_BUILD_DIR (build), ROUNDS (2), SECONDS_PER_RUN (4), USERS (1000),
#                         JIM_BENCH_RT (1)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${JIM_BUILD_DIR:-build}
server_cpu=${SERVER_CPU:-1}
bench_cpu=${BENCH_CPU:-0}
rounds=${ROUNDS:-2}
secs=${SECONDS_PER_RUN:-4}
users=${USERS:-1000}
tmp=$(mktemp -d /tmp/jim-bench-hooks.XXXXXX)
# As in bench/run.sh: on a busy machine run server and generator as SCHED_FIFO (JIM_BENCH_RT=1,
# the default when root may), so a pinned process does not wait a scheduler tick per wake-up.
prio=()
if [[ ${JIM_BENCH_RT:-1} == 1 ]] && chrt -f 1 true 2>/dev/null; then prio=(chrt -f 1); fi
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# start_receiver NAME ARGS...: starts it in this shell (so cleanup can stop it by PID).
start_receiver() {
    local name=$1
    shift
    taskset -c "$bench_cpu" "$build/bin/jim-hook-receiver" "$@" >"$tmp/$name.rx" 2>&1 &
    pids+=($!)
}

# port_of NAME: waits for the receiver's "listening" line and prints its port.
port_of() {
    for _ in $(seq 100); do
        local p
        p=$(sed -n 's/^jim-hook-receiver listening on .*:\([0-9]*\)$/\1/p' "$tmp/$1.rx")
        [[ -n $p ]] && { echo "$p"; return; }
        sleep 0.05
    done
    echo "hooks.sh: receiver $1 did not start" >&2
    exit 1
}

start_receiver fast --body '{"action":"accept"}'
start_receiver dead --delay-ms 600000
fast=$(port_of fast)
dead=$(port_of dead)
all='["user.online","user.offline","message.offline","message","group.join","group.leave"]'
declare -A extra=(
    [off]=""
    [webhooks]="--set webhook.url=http://127.0.0.1:$fast/events --set webhook.secret=s --set webhook.events=$all"
    [dead]="--set webhook.url=http://127.0.0.1:$dead/events --set webhook.secret=s --set webhook.events=$all"
    [moderation]="--set hook.url=http://127.0.0.1:$fast/moderate --set hook.timeout_ms=1000"
)

run() {
    local name=$1 round=$2 data out pid port
    data=$(mktemp -d "$tmp/data.XXXXXX")
    out="$tmp/server.out"
    # shellcheck disable=SC2086
    "${prio[@]}" taskset -c "$server_cpu" "$build/bin/jim-server" --port 0 --data-dir "$data" \
        --set server.workers=1 --set server.heartbeat_timeout_ms=0 --set log.level=error \
        --set store.engine=none ${extra[$name]} >"$out" 2>"$tmp/server.err" &
    pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^jim-server .* listening on .*:\([0-9][0-9]*\)$/\1/p' "$out")
        [[ -n $port ]] && break
        sleep 0.05
    done
    [[ -n $port ]] || { cat "$tmp/server.err" >&2; exit 1; }
    local cmd=("${prio[@]}" taskset -c "$bench_cpu" "$build/bin/jim-bench" --port "$port" --server-pid "$pid"
               --scenario pairs --connections "$users" --inflight 16 --size 100
               --duration "$secs" --warmup 1 --no-progress)
    [[ $round == 1 ]] && echo "$name: ${cmd[*]}  (server: ${extra[$name]:-no hooks})" >>"$tmp/commands"
    "${cmd[@]}" 2>/dev/null | head -n 1 >"$tmp/$name-$round.json" || true
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

for round in $(seq "$rounds"); do
    for name in off webhooks dead moderation; do run "$name" "$round"; done
done

echo "load after: $(cut -d ' ' -f 1-3 /proc/loadavg); real-time priority: ${prio[*]:-no}"
echo
echo '| config | run | delivered msgs/s | p50 ms | p99 ms | lost | server µs/msg |'
echo '|---|---|---|---|---|---|---|'
for round in $(seq "$rounds"); do
    for name in off webhooks dead moderation; do
        python3 - "$tmp/$name-$round.json" "$name" "$round" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    r, s = d["results"], d["server"]
    print(f"| {sys.argv[2]} | {sys.argv[3]} | {r['msgs_per_s']:,.0f} | "
          f"{r['latency_us']['p50']/1000:.1f} | {r['latency_us']['p99']/1000:.1f} | "
          f"{r['lost']} | {s['cpu_us_per_msg']:.2f} |")
except Exception as e:
    line = open(sys.argv[1]).read().strip()[:400]
    print(f"| {sys.argv[2]} | {sys.argv[3]} | no result ({e}): `{line}` | | | | |")
PY
    done
done
echo
cat "$tmp/commands"
