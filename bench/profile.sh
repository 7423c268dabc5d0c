# shellcheck shell=bash disable=SC2154  # variables and functions come from bench/run.sh
# Sourced by bench/run.sh (uses its start_server, stop_server, bench, $tmp, $build, $seconds).
# Where the server's time per message goes, two ways:
#   perf: cpu-clock samples of the pinned server during pairs (2,000 users, W=16): user and
#         kernel time together (this VM has no hardware counters: `perf stat -e instructions`
#         is "not supported", but the cpu-clock software event samples fine).
#   callgrind: instructions per function of the server (user space only) during a short, light
#         pairs run (valgrind slows the server ~50x, so 200 users, W=4).
# Raw reports land in $tmp/perf-*.txt and $tmp/callgrind-*.txt; results.py summarises them.

# run_profiles STORE: both profiles against servers with store.engine=STORE.
run_profiles() {
    store=$1
    local at="@$store"
    if perf record -e cpu-clock -o "$tmp/probe.data" -- true >/dev/null 2>&1; then
        log "profile ($store): perf record -e cpu-clock on the server during pairs"
        start_server
        bench "profile-perf$at" --scenario pairs --connections 2000 --inflight 16 --size 100 \
            --duration 8 --warmup 1 --no-progress &
        local bench_job=$!
        sleep 3
        perf record -e cpu-clock -F 4999 -p "$server_pid" -o "$tmp/perf$at.data" -- sleep 5 \
            >/dev/null 2>&1 || true
        wait "$bench_job" || true
        stop_server
        perf report -i "$tmp/perf$at.data" --stdio --no-children --sort comm,dso,symbol -g none \
            2>/dev/null >"$tmp/perf-symbols$at.txt" || true
        perf report -i "$tmp/perf$at.data" --stdio --no-children --sort comm -g none \
            2>/dev/null >"$tmp/perf-comm$at.txt" || true
        perf report -i "$tmp/perf$at.data" --stdio --no-children --sort dso -g none \
            2>/dev/null >"$tmp/perf-dso$at.txt" || true
    else
        echo "perf record is not usable here" >"$tmp/perf-dso$at.txt"
    fi

    if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
        log "profile ($store): callgrind on the server during a light pairs run"
        start_server valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind$at.out"
        bench "profile-callgrind$at" --scenario pairs --connections 200 --inflight 4 --size 100 \
            --duration 5 --warmup 1 --drain 5 --timeout 60 --no-progress
        stop_server
        callgrind_annotate --auto=no --inclusive=no "$tmp/callgrind$at.out" 2>/dev/null \
            >"$tmp/callgrind-self$at.txt" || true
        callgrind_annotate --auto=no --inclusive=yes "$tmp/callgrind$at.out" 2>/dev/null \
            >"$tmp/callgrind-incl$at.txt" || true
    else
        echo "valgrind/callgrind_annotate not installed" >"$tmp/callgrind-self$at.txt"
    fi
}
