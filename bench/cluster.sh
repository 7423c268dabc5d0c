#!/usr/bin/env bash
# Cross-node benchmark (P6): pairs and round-trip latency with the two users of every pair on
# different nodes (jim-bench --port2), against the same load on one node. Routing only
# (store.engine = "none"), so what is measured is the cluster path: directory lookup, one
# batched PUBLISH per peer, Redis, the other node's fan-out. Every process's CPU (both nodes,
# Redis) is read from /proc over the run and divided by the messages received.
#
#   bench/cluster.sh [SECONDS]     (default 5; prints one JSON line per run)
#   env: JIM_BUILD_DIR (build), CONNECTIONS (2000), INFLIGHT (16),
#        STORE (none; "redis" stores every message in the same Redis, appendonly on, as a
#        cluster is deployed: then acks wait for Redis and the single-node run uses it too)
#
# This machine has 2 cores: the nodes, Redis and the generator share them, so msgs/s of the
# two-node runs is bounded by the machine, not by the design; compare CPU per message.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
build=${JIM_BUILD_DIR:-build}
conns=${CONNECTIONS:-2000}
inflight=${INFLIGHT:-16}
store=${STORE:-none}
bin=$build/bin
tmp=$(mktemp -d /tmp/jim-cluster-bench-XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

rport=$((20000 + RANDOM % 20000))
aof=no
[[ $store == redis ]] && aof=yes
redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly "$aof" \
    >"$tmp/redis.log" 2>&1 &
rpid=$!
pids+=("$rpid")
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done

# start_node NAME [--set k=v ...]: prints "PID PORT"
start_node() {
    local name=$1
    shift
    "$bin/jim-server" --port 0 --data-dir "$tmp/$name" --set server.host=127.0.0.1 \
        --set server.workers=1 --set server.heartbeat_timeout_ms=0 --set log.level=warn \
        --set store.engine="$store" --set store.redis="redis://127.0.0.1:$rport" \
        --set store.redis_prefix=bench "$@" >"$tmp/$name.out" 2>&1 &
    local pid=$!
    for _ in $(seq 200); do
        if grep -q "listening on" "$tmp/$name.out"; then break; fi
        sleep 0.05
    done
    echo "$pid $(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$tmp/$name.out")"
}

cluster_args() {
    echo "--set cluster.enabled=true --set cluster.redis=redis://127.0.0.1:$rport --set cluster.node_id=$1"
}

# run LABEL SCENARIO PORT PORT2 PIDS...: one jim-bench run; prints a JSON-derived summary line.
run() {
    local label=$1 scenario=$2 port=$3 port2=$4
    shift 4
    local -a before=()
    for p in "$@"; do before+=("$(ticks "$p")"); done
    local extra=()
    [[ $port2 != 0 ]] && extra+=(--port2 "$port2")
    local args=(--port "$port" --scenario "$scenario" --duration "$seconds" --warmup 1
                --no-progress --size 100)
    [[ $scenario == pairs ]] && args+=(--connections "$conns" --inflight "$inflight")
    "$bin/jim-bench" "${args[@]}" "${extra[@]}" >"$tmp/out.json"
    local cpu=()
    local i=0
    for p in "$@"; do
        cpu+=("$(( $(ticks "$p") - ${before[$i]} ))")
        i=$((i + 1))
    done
    python3 - "$label" "$hz" "$tmp/out.json" "${cpu[@]}" <<'PY'
import json, sys
label, hz, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ticks = [int(t) for t in sys.argv[4:]]
doc = json.loads(open(path).readline())
r = doc["results"]
received = max(1, r.get("received", 0))
per = ["%.2f" % (t / hz * 1e6 / received) for t in ticks]
lat = r.get("latency_us") or r.get("latency") or {}
print(json.dumps({"run": label, "msgs_per_s": r.get("msgs_per_s"), "received": received,
                  "lost": r.get("lost"), "cpu_us_per_msg": per,
                  "p50_us": lat.get("p50"), "p99_us": lat.get("p99")}))
PY
}

# start_node runs in a subshell (process substitution): the caller records each node's PID.
read -r one one_port < <(start_node one)
pids+=("$one")
read -r a a_port < <(start_node a $(cluster_args a))
pids+=("$a")
read -r b b_port < <(start_node b $(cluster_args b))
pids+=("$b")
sleep 1  # the nodes find each other (announcements, snapshots)

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), store $store"
run "pairs 1 node" pairs "$one_port" 0 "$one" "$rpid"
run "pairs 2 nodes, cross-node" pairs "$a_port" "$b_port" "$a" "$b" "$rpid"
run "pairs 2 nodes, same node (cluster on)" pairs "$a_port" 0 "$a" "$rpid"
run "latency 1 node" latency "$one_port" 0 "$one" "$rpid"
run "latency 2 nodes, cross-node" latency "$a_port" "$b_port" "$a" "$b" "$rpid"
