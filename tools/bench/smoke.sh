#!/usr/bin/env bash
# Smoke run of jim-bench against the real jim-server on loopback (ctest label "bench"):
#   smoke.sh JIM_SERVER JIM_BENCH
# Starts the server on port 0 with a generated TLS certificate, runs a short pairs scenario, a
# fanout scenario and an idle scenario over tcp, ws, tcp+tls and ws+tls, checks their JSON lines (pairs: delivered
# > 0, lost == 0, duplicated == 0; all: ok and no errors), stops the server by PID. Every wait
# has a deadline.
set -euo pipefail

server_bin=$1
bench_bin=$2
tmp=$(mktemp -d)
server_pid=

cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "bench smoke: FAILED: $*" >&2
    for f in "$tmp"/*.out "$tmp"/*.err; do
        [[ -f $f ]] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
    done
    exit 1
}

timeout 20 "$server_bin" gen-cert "$tmp/cert" >"$tmp/gen-cert.out" 2>"$tmp/gen-cert.err" ||
    fail "jim-server gen-cert exited with status $?"
: >"$tmp/server.out"
"$server_bin" --set server.workers=1 --set server.heartbeat_timeout_ms=0 --set log.level=warn \
    --set tls.cert="$tmp/cert/cert.pem" --set tls.key="$tmp/cert/key.pem" \
    --port 0 --data-dir "$tmp/data" >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!

port=
for _ in $(seq 100); do
    port=$(sed -n 's/^jim-server .* listening on .*:\([0-9][0-9]*\)$/\1/p' \
        "$tmp/server.out" || true)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "jim-server exited during start-up"
    sleep 0.1
done
[[ -n $port ]] || fail "jim-server printed no listening line within 10 s"

# expect FILE PATTERN...: the JSON line (first line of FILE) must match every extended regex.
expect() {
    local file=$1 line
    shift
    line=$(head -n 1 "$file")
    for pattern in "$@"; do
        grep -Eq -- "$pattern" <<<"$line" || fail "$(basename "$file"): no match for $pattern"
    done
}

common=(--host 127.0.0.1 --port "$port" --server-pid "$server_pid" --no-progress --timeout 20)

timeout 30 "$bench_bin" "${common[@]}" --scenario pairs --connections 20 --inflight 4 \
    --duration 2 --warmup 0.5 --drain 2 >"$tmp/pairs.out" 2>"$tmp/pairs.err" ||
    fail "jim-bench pairs exited with status $?"
expect "$tmp/pairs.out" '"scenario":"pairs"' '"ok":true' '"delivered":[1-9][0-9]*' \
    '"lost":0[,}]' '"duplicated":0[,}]' '"misrouted":0[,}]' \
    '"errors":\{"connect":0,"login":0,"closed":0,"protocol":0\}'

# fanout: 20 members online over two generator processes, 10 more joined and then offline;
# every post reaches the 19 other online members exactly once.
timeout 30 "$bench_bin" "${common[@]}" --scenario fanout --connections 20 --group-size 30 \
    --procs 2 --inflight 4 --duration 1.5 --warmup 0.5 --drain 2 >"$tmp/fanout.out" \
    2>"$tmp/fanout.err" || fail "jim-bench fanout exited with status $?"
expect "$tmp/fanout.out" '"scenario":"fanout"' '"ok":true' '"delivered":[1-9][0-9]*' \
    '"lost":0[,}]' '"duplicated":0[,}]' '"misrouted":0[,}]' '"group_members":30' \
    '"errors":\{"connect":0,"login":0,"closed":0,"protocol":0\}'
sent=$(grep -Eo '"sent":[0-9]+' "$tmp/fanout.out" | head -n 1 | cut -d: -f2)
received=$(grep -Eo '"received":[0-9]+' "$tmp/fanout.out" | head -n 1 | cut -d: -f2)
[[ $received -eq $((sent * 19)) ]] || fail "fanout: received $received, expected $sent x 19"

timeout 20 "$bench_bin" "${common[@]}" --scenario idle --connections 50 --settle 0.1 \
    >"$tmp/idle.out" 2>"$tmp/idle.err" || fail "jim-bench idle exited with status $?"
expect "$tmp/idle.out" '"scenario":"idle"' '"ok":true' '"connections":50' \
    '"rss_per_conn_bytes":-?[0-9]' '"errors":\{"connect":0,"login":0,"closed":0,"protocol":0\}'

# The same idle run over WebSocket and TLS (one port: the server detects the protocol).
for transport in "ws" "tcp --tls" "ws --tls"; do
    name=idle-${transport// /}
    # shellcheck disable=SC2086 # "tcp --tls" is two arguments
    timeout 20 "$bench_bin" "${common[@]}" --scenario idle --connections 50 --settle 0.1 \
        --transport $transport >"$tmp/$name.out" 2>"$tmp/$name.err" ||
        fail "jim-bench idle --transport $transport exited with status $?"
    expect "$tmp/$name.out" '"scenario":"idle"' '"ok":true' '"connections":50' \
        '"errors":\{"connect":0,"login":0,"closed":0,"protocol":0\}'
done

kill -0 "$server_pid" 2>/dev/null || fail "jim-server died during the smoke run"
echo "bench smoke: ok (pairs: $(grep -Eo '"msgs_per_s":[0-9.]+' "$tmp/pairs.out"))"
