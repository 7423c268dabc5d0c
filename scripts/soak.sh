#!/usr/bin/env bash
# Soak test: a real jim-server (RocksDB store, in a temporary data dir) under a moderate, steady
# load for MINUTES minutes (default 30), one jim-bench round per minute:
#   100 pairs of TCP users (200 connections), each user sending RATE messages/s (default 5, so
#   1,000 msgs/s in all), at most 4 in flight, 100-byte contents; every round reconnects and logs
#   in again as the same users, so connection churn, the store and the registry are exercised.
# After each round it samples the server's RSS, open descriptors and /metrics, including the
# memory RocksDB accounts for itself (jim_store_*_bytes: block cache, memtables, table readers).
# "Ours" is the anonymous part of the RSS (heap, stacks; not the binary's and libraries' pages,
# which code paths run for the first time page in) minus that accounted memory and minus the
# pages the program has already freed and jemalloc returns within dirty_decay_ms (10 s;
# jim_allocator_dirty_bytes, 0 without jemalloc): what the server's own code holds, with the
# allocator's lasting overhead (docs/storage.md, "Memory"). Those freed pages are transient, but
# how many a one-off sample catches depends on what was freed in the 10 s before it: from 0.5 to
# 6 MiB in steady operation, 70 MiB right after a memtable flush. "Live" is the same without the
# allocator's overhead: jemalloc's allocated bytes minus RocksDB's figures
# (jim_allocator_allocated_bytes; only when jim-server is linked with jemalloc).
#
# Pass when: no round lost, duplicated or misrouted a message or got an error ack; every round's
# connections are closed on the server afterwards (jim_connections_open back to 0, socket
# descriptors back to their first value); ours over the last 5 minutes is within 10% (+4 MiB) of
# minutes 6-10 (the first minutes fill the allocator's pools), and so is live; raw RSS over the last 5 minutes
# stays under RSS minus RocksDB's figures at minutes 6-10 (+10% +4 MiB) plus RocksDB's configured
# budget (block cache plus two memtables, docs/storage.md; 0 for the none engine, which has no
# figures); and SIGTERM at the end stops the server with status 0. Both rules print their numbers.
#
#   scripts/soak.sh [MINUTES] [RATE] [ENGINE]   results in build/soak/<date>/ (samples.csv,
#                                              rounds.jsonl); ENGINE rocksdb (default) or none
#   JIM_BIN_DIR=DIR to take jim-server and jim-bench from DIR instead of build/bin
set -euo pipefail
# The whole script is one block, read before it runs: editing this file during a soak (a long
# one takes hours) must not change the running one (bash otherwise reads a script as it goes).
{

minutes="${1:-30}"
rate="${2:-5}"
engine="${3:-rocksdb}"  # store.engine: rocksdb (the default) or none (the network core alone)
# RocksDB's memory budget: its block cache plus at most two memtables (docs/storage.md); the
# server's defaults, set explicitly so the judged budget is the one the server runs with.
cache_mb=64
write_buffer_mb=64
budget_kb=0
[ "$engine" = rocksdb ] && budget_kb=$(((cache_mb + 2 * write_buffer_mb) * 1024))
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${JIM_BIN_DIR:-$root/build/bin}"  # a copy keeps a rebuild from changing the binaries mid-run
server_bin="$bin/jim-server"
bench_bin="$bin/jim-bench"
for b in "$server_bin" "$bench_bin"; do
  [ -x "$b" ] || { echo "soak: missing $b (run make build)" >&2; exit 2; }
done
out="$root/build/soak/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
data="$(mktemp -d /tmp/jim-soak-XXXXXX)"
server_pid=

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

: >"$out/server.out"
"$server_bin" --port 0 --data-dir "$data" --set server.host=127.0.0.1 --set log.level=warn \
  --set store.engine="$engine" --set store.rocksdb.cache_mb="$cache_mb" \
  --set store.rocksdb.write_buffer_mb="$write_buffer_mb" \
  >"$out/server.out" 2>"$out/server.err" &
server_pid=$!
port=
for _ in $(seq 100); do
  port="$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$out/server.out")"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "soak: the server did not start" >&2; cat "$out/server.err" >&2; exit 1; }

# metrics NAME...: unlabelled samples from one /metrics scrape, space-separated, 0 for a family
# the server does not export (loopback needs no key).
metrics() {
  python3 - "$port" "$@" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
values = dict(line.split(" ", 1) for line in body.splitlines() if line and line[0] != "#")
print(" ".join(values.get(name, "0").strip() for name in sys.argv[2:]))
PY
}
metric() { metrics "$1"; }
# RSS, its anonymous and its file-backed part (kB), from one read of /proc.
rss_kb() { awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s ", $2}' "/proc/$server_pid/status"; }
# Sockets only: RocksDB opens table files as it compacts, which is not a leak.
fds() { find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' | wc -l; }

echo "minute,rss_kb,rss_anon_kb,rss_file_kb,block_cache_kb,memtables_kb,table_readers_kb,ours_kb,live_kb,alloc_meta_kb,alloc_resident_kb,alloc_dirty_kb,sockets,open_conns,sent,delivered,lost,duplicated,misrouted,ack_errors,msgs_per_s,p99_us" \
  >"$out/samples.csv"
echo "soak: $minutes min at $rate msgs/s per user (200 users), store $engine, server pid $server_pid port $port, results in $out"
failed=0
base_fds=
start=$(date +%s)
for m in $(seq 1 "$minutes"); do
  "$bench_bin" --scenario pairs --port "$port" -n 200 -w 4 --msg-rate "$rate" -d 50 --warmup 0 \
    --drain 5 --prefix soak --no-progress --server-pid "$server_pid" 2>"$out/bench-$m.err" |
    head -1 >>"$out/rounds.jsonl" || true
  line="$(tail -1 "$out/rounds.jsonl")"
  # Connections from this round are gone once the server has seen every close.
  open_conns=
  for _ in $(seq 50); do
    open_conns="$(metric jim_connections_open)"
    [ "$open_conns" = 1 ] && break  # the scrape's own connection
    sleep 0.1
  done
  open_conns=$((open_conns - 1))
  now_fds="$(fds)"
  [ -n "$base_fds" ] || base_fds="$now_fds"
  row="$(python3 - "$line" <<'PY'
import json, sys
try:
    r = json.loads(sys.argv[1])
    x = r["results"]
    print(",".join(str(v) for v in [x["sent"], x["delivered"], x["lost"], x["duplicated"],
                                    x["misrouted"], x["acks"]["error"], x["msgs_per_s"],
                                    x["latency_us"]["p99"]]) + ("" if r["ok"] else ",NOTOK"))
except Exception as e:
    print("0,0,0,0,0,0,0,0,BADJSON")
PY
)"
  # RSS and RocksDB's own figures, read back to back (a flush between them would skew ours).
  read -r cache memtables readers allocated meta resident dirty <<<"$(metrics \
    jim_store_block_cache_bytes jim_store_memtables_bytes jim_store_table_readers_bytes \
    jim_allocator_allocated_bytes jim_allocator_metadata_bytes jim_allocator_resident_bytes \
    jim_allocator_dirty_bytes)"
  read -r rss anon file <<<"$(rss_kb)"
  mem="$((cache / 1024)),$((memtables / 1024)),$((readers / 1024))"
  ours=$((anon - (cache + memtables + readers + dirty) / 1024))
  # Live: what the program holds from the allocator minus RocksDB's part (0 without jemalloc).
  live=0
  [ "$allocated" != 0 ] && live=$(((allocated - cache - memtables - readers) / 1024))
  echo "$m,$rss,$anon,$file,$mem,$ours,$live,$((meta / 1024)),$((resident / 1024)),$((dirty / 1024)),$now_fds,$open_conns,$row" |
    tee -a "$out/samples.csv"
  IFS=, read -r sent delivered lost dup misrouted ackerr _ _ bad <<<"$row"
  if [ -n "${bad:-}" ] || [ "$lost" != 0 ] || [ "$dup" != 0 ] || [ "$misrouted" != 0 ] ||
    [ "$ackerr" != 0 ] || [ "$sent" = 0 ] || [ "$open_conns" != 0 ] || [ "$now_fds" != "$base_fds" ]; then
    echo "soak: minute $m FAILED (see $out)" >&2
    failed=1
  fi
  # Next round at the next minute mark.
  next=$((start + m * 60))
  while [ "$(date +%s)" -lt "$next" ]; do sleep 1; done
done

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
[ "$status" = 0 ] || { echo "soak: server exited with $status after SIGTERM" >&2; failed=1; }

python3 - "$out/samples.csv" "$budget_kb" <<'PY' || failed=1
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
budget = int(sys.argv[2])
rss = [int(r["rss_kb"]) for r in rows]
file = [int(r["rss_file_kb"]) for r in rows]
ours = [int(r["ours_kb"]) for r in rows]
accounted = [int(r["block_cache_kb"]) + int(r["memtables_kb"]) + int(r["table_readers_kb"])
             for r in rows]
rest = [r - a for r, a in zip(rss, accounted)]  # RSS minus RocksDB's figures
sent = sum(int(r["sent"]) for r in rows)
delivered = sum(int(r["delivered"]) for r in rows)
print(f"soak: {len(rows)} rounds, {sent} messages sent, {delivered} delivered in the windows")
print(f"soak: RSS kB per minute: {' '.join(map(str, rss))}")
print(f"soak: RocksDB accounted kB per minute: {' '.join(map(str, accounted))}")
print(f"soak: file-backed RSS kB per minute: {' '.join(map(str, file))}")
print(f"soak: ours (anonymous RSS - accounted - allocator dirty) kB per minute: {' '.join(map(str, ours))}")
live = [int(r["live_kb"]) for r in rows]
meta = [int(r["alloc_meta_kb"]) for r in rows]
if any(live):
    print(f"soak: live heap (allocated - accounted) kB per minute: {' '.join(map(str, live))}")
    print(f"soak: allocator metadata kB per minute: {' '.join(map(str, meta))}")
    resident = [int(r["alloc_resident_kb"]) for r in rows]
    print(f"soak: allocator resident kB per minute: {' '.join(map(str, resident))}")
    dirty = [int(r["alloc_dirty_kb"]) for r in rows]
    print(f"soak: allocator dirty (freed, not yet returned) kB per minute: {' '.join(map(str, dirty))}")
if len(rss) >= 15:
    early = statistics.median(ours[5:10])
    late = statistics.median(ours[-5:])
    limit = early * 1.10 + 4096
    print(f"soak: ours median minutes 6-10 {early:.0f} kB, last 5 {late:.0f} kB, limit {limit:.0f} kB")
    late_rss = statistics.median(rss[-5:])
    rss_limit = statistics.median(rest[5:10]) * 1.10 + 4096 + budget
    print(f"soak: RSS median last 5 {late_rss:.0f} kB, limit {rss_limit:.0f} kB (RSS minus "
          f"RocksDB's figures at minutes 6-10, +10% +4 MiB, + RocksDB budget {budget} kB)")
    bad = False
    if any(live):
        live_early = statistics.median(live[5:10])
        live_late = statistics.median(live[-5:])
        live_limit = live_early * 1.10 + 4096
        print(f"soak: live heap median minutes 6-10 {live_early:.0f} kB, last 5 {live_late:.0f} kB, "
              f"limit {live_limit:.0f} kB")
        if live_late > live_limit:
            print("soak: the live heap grew beyond noise"); bad = True
    if late > limit:
        print("soak: our memory grew beyond noise"); bad = True
    if late_rss > rss_limit:
        print("soak: RSS grew beyond our memory and RocksDB's budget"); bad = True
    if bad: sys.exit(1)
else:
    print("soak: fewer than 15 rounds: RSS trend not judged")
PY
if [ "$failed" = 0 ]; then echo "soak: PASS"; else echo "soak: FAIL"; fi
exit "$failed"
}
