#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, clang-14) and runs each one for SECONDS
# (default 60), two at a time. Every target starts from a working corpus in
# build-fuzz/corpus/<target>, seeded from the committed fuzz/corpus/<target> so the seeds stay
# clean; crashing inputs go to build-fuzz/artifacts/, logs to build-fuzz/logs/.
# Exits non-zero if any target crashes (or fails to build or start).
#
#   scripts/fuzz.sh [SECONDS]        JIM_FUZZ_JOBS=N to change the parallelism (default 2)
set -euo pipefail

duration="${1:-60}"
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi
jobs="${JIM_FUZZ_JOBS:-2}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build=build-fuzz

cmake --preset fuzz >/dev/null
# Only the fuzzers and what they link, so unrelated work in progress cannot block a fuzz run.
cmake --build --preset fuzz --target fuzz_all

targets=()
for f in fuzz/corpus/*/; do
  targets+=("$(basename "$f")")
done
if [ "${#targets[@]}" -eq 0 ]; then
  echo "no fuzz targets under fuzz/corpus/" >&2
  exit 2
fi

mkdir -p "$build/artifacts" "$build/logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup INT TERM

# run_one TARGET: runs in the background; leaves the exit status in logs/TARGET.rc.
run_one() {
  local t="$1"
  local bin="$build/fuzz/$t" corpus="$build/corpus/$t" log="$build/logs/$t.log"
  local -a extra=()
  [ -f "fuzz/$t.dict" ] && extra+=("-dict=fuzz/$t.dict")
  mkdir -p "$corpus"
  cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  rm -f "$build/logs/$t.rc"
  if [ ! -x "$bin" ]; then
    echo "missing binary $bin" >"$log"
    echo 127 >"$build/logs/$t.rc"
    return
  fi
  local rc=0
  "$bin" -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$t-" "${extra[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  echo "$rc" >"$build/logs/$t.rc"
}

echo "fuzzing ${#targets[@]} targets for ${duration}s each, $jobs at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
  pids+=("$!")
done
wait || true

passed=0
failed=0
for t in "${targets[@]}"; do
  rc="$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.log" | tail -1)"
  files="$(find "$build/corpus/$t" -type f | wc -l)"
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1))
    echo "$t: ok (${runs:-?} runs, corpus $files files)"
  else
    failed=$((failed + 1))
    echo "$t: FAILED (exit $rc, log $build/logs/$t.log, artifacts $build/artifacts/$t-*)"
    grep -m 3 -E 'ERROR|check failed|runtime error|SUMMARY' "$build/logs/$t.log" |
      sed 's/^/    /' || true
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
