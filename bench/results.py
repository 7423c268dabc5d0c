#!/usr/bin/env python3
"""Turns one bench/run.sh suite (a directory of jim-bench JSON lines, the command lines, the
machine facts and the profiles) into a dated Markdown section and inserts it at the top of
bench/RESULTS.md, below the preamble, keeping every earlier section below it.

    results.py SUITE_DIR RESULTS_MD
"""

import json
import os
import re
import sys

MARKER = "<!-- bench/run.sh inserts new sections below this line, newest first -->"

PREAMBLE = f"""# jim benchmark results

Written by `bench/run.sh` (the standard suite: jim-server pinned to core 1 with one worker,
jim-bench pinned to core 0, a fresh server per run). Each run adds a dated section at the top;
older sections stay below for comparison. The machine's speed drifts up to ~1.6x between runs
and other work on it (builds) skews everything, so compare numbers within one section and look
at the load average and the generator's CPU column before trusting a difference. HTML reports
with latency distributions are written to `build/bench-reports/` (not committed).

{MARKER}
"""


def load(suite, name):
    try:
        with open(os.path.join(suite, name + ".json"), encoding="utf-8") as f:
            return json.loads(f.readline())
    except (OSError, ValueError):
        return None


def get(d, path, default=None):
    for key in path.split("."):
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return f"{v:,.{digits}f}"
    return str(v)


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def median_pairs(runs, at):
    """The median pairs-2000 run (by msgs/s) of one store, or None."""
    found = [runs.get(f"pairs-2000-run{i}{at}") for i in (1, 2, 3)]
    found = [p for p in found if p and get(p, "results.msgs_per_s") is not None]
    found.sort(key=lambda p: get(p, "results.msgs_per_s"))
    return found[len(found) // 2] if found else None


def target_cells(runs, at):
    """(measured text, met?) per target for the runs of one store."""
    cells = []
    idle = runs.get("idle-19000" + at)
    per_conn = get(idle, "server.rss_per_conn_bytes")
    cells.append((f"{fmt(per_conn)} B" if per_conn is not None else "–",
                  None if per_conn is None else per_conn <= 1000))
    rate = get(idle, "results.connect_login_per_s")
    cells.append((f"{fmt(rate)}/s" if rate is not None else "–",
                  None if rate is None else rate >= 15000))
    median = median_pairs(runs, at)
    mps = get(median, "results.msgs_per_s")
    cells.append((f"{fmt(mps)} ({fmt(get(median, 'server.cpu_us_per_msg'), 3)} µs/msg)"
                  if mps is not None else "–", None if mps is None else mps >= 450000))
    lat = runs.get("latency" + at)
    p50 = get(lat, "results.latency_us.p50")
    p99 = get(lat, "results.latency_us.p99")
    cells.append((f"{fmt(p50, 1)} µs" if p50 is not None else "–",
                  None if p50 is None else p50 <= 45))
    cells.append((f"{fmt(p99, 1)} µs" if p99 is not None else "–",
                  None if p99 is None else p99 <= 120))
    c1 = get(runs.get("pairs-1000" + at), "server.cpu_us_per_msg")
    c19 = get(runs.get("pairs-19000" + at), "server.cpu_us_per_msg")
    if c1 and c19:
        delta = 100.0 * (c19 - c1) / c1
        cells.append((f"{c1:.3f} vs {c19:.3f} µs ({delta:+.1f} %)", abs(delta) <= 15))
    else:
        cells.append(("–", None))
    return cells


def targets(runs, stores):
    names = [("idle: server RSS per logged-in TCP connection at 19,000", "≤ 1,000 B"),
             ("connect+login rate (idle 19,000, unpaced, ≤ 1,000 pending)", "≥ 15,000/s"),
             ("pairs 2,000 users, W=16, 100 B: delivered msgs/s, median of 3",
              "≥ 450,000 (nats ≈ 408k)"),
             ("latency p50 (one pair, one message in flight)", "≤ 45 µs"),
             ("latency p99", "≤ 120 µs"),
             ("server CPU per message, 1,000 vs 19,000 connections", "within ±15 %")]
    columns = [target_cells(runs, "@" + st) for st in stores]
    head = "| target | goal | " + " | ".join(f"store.engine={st}" for st in stores) + " |"
    out = [head, "|---|---|" + "---|" * len(stores)]
    for i, (name, goal) in enumerate(names):
        cells = [f"{c[i][0]} {verdict(c[i][1])}" for c in columns]
        out.append(f"| {name} | {goal} | " + " | ".join(cells) + " |")
    return out


def run_rows(order, runs):
    out = ["| run | ok | msgs/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | lost | dup | "
           "out of order | server CPU % | server µs/msg | bench CPU % | other |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in order:
        d = runs.get(name)
        if d is None:
            out.append(f"| {name} | no output |" + " |" * 13)
            continue
        if get(d, "available") is False:
            out.append(f"| {name} | not available: {get(d, 'reason')} |" + " |" * 13)
            continue
        lat = get(d, "results.latency_us", {})
        other = []
        scenario = get(d, "scenario")
        if scenario in ("idle", "storm", "pairs", "latency"):
            other.append(f"{fmt(get(d, 'results.connections'))} conns, connect+login "
                         f"{fmt(get(d, 'results.connect_login_per_s'))}/s")
        if scenario == "idle":
            other.append(f"RSS {fmt(get(d, 'server.rss_per_conn_bytes'))} B/conn "
                         f"({fmt(get(d, 'server.rss_before_bytes'))} → "
                         f"{fmt(get(d, 'server.rss_after_bytes'))} B)")
        if scenario == "storm":
            other.append(f"all back in {fmt(get(d, 'results.reconnect_s'), 3)} s "
                         f"({fmt(get(d, 'results.reconnect_per_s'))}/s, p99 "
                         f"{fmt(get(d, 'results.reconnect_ms.p99'), 1)} ms)")
        if scenario == "fanout":
            other.append(f"group {fmt(get(d, 'results.group_members'))}, "
                         f"{fmt(get(d, 'results.online_members'))} online; msgs/s are "
                         f"deliveries")
        errors = get(d, "results.errors", {})
        if any(errors.values()):
            other.append("errors " + json.dumps(errors))
        if get(d, "generator.saturated"):
            other.append("**generator saturated**")
        if not get(d, "ok", False):
            other.append("FAILED: " + str(get(d, "error")))
        pairs = scenario in ("pairs", "latency", "fanout")
        out.append("| " + " | ".join([
            name, "yes" if get(d, "ok") else "no",
            fmt(get(d, "results.msgs_per_s")) if pairs else "–",
            fmt(lat.get("p50"), 1) if pairs else "–", fmt(lat.get("p90"), 1) if pairs else "–",
            fmt(lat.get("p99"), 1) if pairs else "–", fmt(lat.get("p999"), 1) if pairs else "–",
            fmt(lat.get("max"), 1) if pairs else "–",
            fmt(get(d, "results.lost")) if pairs else "–",
            fmt(get(d, "results.duplicated")) if pairs else "–",
            fmt(get(d, "results.out_of_order")) if pairs else "–",
            fmt(get(d, "server.cpu_pct"), 1), fmt(get(d, "server.cpu_us_per_msg"), 3),
            fmt(get(d, "generator.cpu_pct"), 1), "; ".join(other)]) + " |")
    return out


def short_name(symbol):
    """A C++ symbol without template arguments, argument list and ABI tags."""
    symbol = symbol.replace("[abi:cxx11]", "").replace("(anonymous namespace)", "{anon}").strip()
    out, depth = [], 0
    for i, ch in enumerate(symbol):
        if symbol.startswith("operator", max(0, i - 8)) and ch in "<>" and depth == 0:
            out.append(ch)
        elif ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    name = "".join(out)
    paren = name.find("(")
    if paren > 0:
        name = name[:paren]
    return name[:90]


def category(dso, symbol):
    """Where a sample of the server goes, in words a reader can act on."""
    if dso.startswith("[kernel"):
        return "kernel (TCP send/receive, epoll, syscalls)"
    if "rocksdb::" in symbol or "snappy" in dso or "librocksdb" in dso:
        return "RocksDB (memtable, WAL, flush, compaction)"
    if symbol.startswith("jim::store"):
        return "jim::store (engines, append pipeline)"
    if "libboost_json" in dso or symbol.startswith("boost::json"):
        return "Boost.JSON (parse, DOM, serialize)"
    if symbol in ("malloc", "free", "cfree", "_int_free", "_int_malloc", "malloc_consolidate",
                  "realloc", "_int_realloc", "operator new", "operator delete", "__libc_malloc",
                  "__libc_free", "tcache_init", "unlink_chunk.constprop.0") or \
            "malloc" in symbol or "_int_free" in symbol or symbol.startswith("operator new") or \
            symbol.startswith("operator delete"):
        return "malloc/free"
    if symbol.startswith(("__mem", "mem", "__strlen", "strlen")):
        return "memcpy/memmove/memcmp"
    if "pthread_mutex" in symbol:
        return "mutex lock/unlock (registry shard)"
    if dso == "[vdso]":
        return "clock_gettime (vDSO)"
    if symbol.startswith("jim::proto"):
        return "jim::proto (ids, replies, JSON strings)"
    if symbol.startswith("jim::net") or symbol.startswith("boost::asio"):
        return "jim::net + Asio (reactor, queues, writes)"
    if symbol.startswith(("jim::router", "std::_Hashtable", "std::_Hash_bytes")):
        return "registry lookup (hash map, hashing)"
    if symbol.startswith("jim::"):
        return "other jim code"
    return "other (libc, libstdc++)"


def perf_section(suite, runs, at):
    text = read_text(suite, f"perf-symbols{at}.txt")
    if not text:
        return []
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d.]+)%\s+(\S+)\s+(\S+)\s+\[(.)\]\s+(.*?)(\s+-\s+-)?\s*$",
                     line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3), short_name(m.group(5))))
    if not rows:
        return []
    threads = []
    for line in (read_text(suite, f"perf-comm{at}.txt") or "").splitlines():
        m = re.match(r"^\s*([\d.]+)%\s+(.+?)\s*$", line)
        if m and not line.lstrip().startswith("#"):
            threads.append((float(m.group(1)), m.group(2)))
    us_per_msg = get(runs.get("profile-perf" + at), "server.cpu_us_per_msg")
    cats = {}
    for pct, _, dso, sym in rows:
        key = category(dso, sym)
        cats[key] = cats.get(key, 0.0) + pct
    out = [f"### Profile, store.engine={at[1:]}: perf (cpu-clock samples of the pinned server, "
           "pairs 2,000 users, W=16)",
           "", f"Server CPU per delivered message in that run: {fmt(us_per_msg, 3)} µs. This VM "
           "has no hardware counters (`perf stat -e instructions` is not supported), so these are "
           "timer samples: user and kernel time together.", "",
           "| where | share of server CPU | µs per message |", "|---|---|---|"]
    for key, pct in sorted(cats.items(), key=lambda kv: -kv[1]):
        per = f"{us_per_msg * pct / 100:.3f}" if us_per_msg else "–"
        out.append(f"| {key} | {pct:.1f} % | {per} |")
    if len(threads) > 1:
        out += ["", "| thread | share of server CPU | µs per message |", "|---|---|---|"]
        for pct, name in threads:
            per = f"{us_per_msg * pct / 100:.3f}" if us_per_msg else "–"
            out.append(f"| {name} | {pct:.1f} % | {per} |")
    out += ["", "| share | thread | object | function |", "|---|---|---|---|"]
    for pct, comm, dso, sym in rows[:25]:
        out.append(f"| {pct:.2f} % | {comm} | {dso} | `{sym}` |")
    return out + [""]


def callgrind_rows(text, merge=lambda a, b: a + b):
    """Instructions per function name; entries split by inlining across files are merged
    (summed for self counts, max for inclusive counts)."""
    rows = {}
    for line in (text or "").splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?):(.*?)(\s+\[(.*)\])?\s*$", line)
        if not m or m.group(3) == "" or "PROGRAM TOTALS" in line:
            continue
        ir = int(m.group(1).replace(",", ""))
        func = m.group(3)
        obj = os.path.basename(m.group(5) or "")
        name = f"({obj} internals)" if func.startswith("0x") else short_name(func)
        rows[name] = merge(rows[name], ir) if name in rows else ir
    return rows


def callgrind_section(suite, runs, at):
    self_text = read_text(suite, f"callgrind-self{at}.txt")
    m = re.search(r"^\s*([\d,]+)\s+\(100.0%\)\s+PROGRAM TOTALS", self_text or "", re.M)
    if not m:
        return []
    total = int(m.group(1).replace(",", ""))
    msgs = get(runs.get("profile-callgrind" + at), "results.received") or 0
    per = (lambda ir: f"{ir / msgs:,.0f}") if msgs else (lambda ir: "–")
    out = [f"### Profile, store.engine={at[1:]}: callgrind (server instructions, user space "
           "only)", "",
           f"Pairs 200 users, W=4 under valgrind: {total:,} instructions for {fmt(msgs)} messages "
           f"(plus start-up and 200 logins) = **{per(total)} instructions per message**.", "",
           "| self instructions | share | per message | function |", "|---|---|---|---|"]
    for name, ir in sorted(callgrind_rows(self_text).items(), key=lambda kv: -kv[1])[:22]:
        out.append(f"| {ir:,} | {100 * ir / total:.1f} % | {per(ir)} | `{name}` |")
    incl = callgrind_rows(read_text(suite, f"callgrind-incl{at}.txt"), max)
    jim_rows = [(n, ir) for n, ir in incl.items() if n.startswith("jim::")]
    if jim_rows:
        out += ["", "Inclusive (the function and everything it calls), jim functions only:", "",
                "| inclusive instructions | share | per message | function |", "|---|---|---|---|"]
        for name, ir in sorted(jim_rows, key=lambda kv: -kv[1])[:18]:
            out.append(f"| {ir:,} | {100 * ir / total:.1f} % | {per(ir)} | `{name}` |")
    return out + [""]


def profile_sections(suite, runs, stores):
    out = []
    for st in stores:
        out += perf_section(suite, runs, "@" + st) + callgrind_section(suite, runs, "@" + st)
    return out


def read_text(suite, name):
    try:
        with open(os.path.join(suite, name), encoding="utf-8", errors="replace") as f:
            return f.read().rstrip()
    except OSError:
        return None


def main():
    suite, results_md = sys.argv[1], sys.argv[2]
    meta = {}
    for line in (read_text(suite, "meta") or "").splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    commands = []
    for line in (read_text(suite, "commands") or "").splitlines():
        name, _, cmd = line.partition("\t")
        commands.append((name, cmd))
    order = [name for name, _ in commands]
    runs = {name: load(suite, name) for name in order}

    stores = []
    for name in order:
        if "@" in name and not name.startswith("profile"):
            st = name.split("@", 1)[1]
            if st not in stores:
                stores.append(st)

    s = [f"## {meta.get('date', '?')} — commit {meta.get('commit', '?')}", ""]
    s.append(f"Machine: {meta.get('model', '?')}, {meta.get('cpus', '?')} CPUs, kernel "
             f"{meta.get('kernel', '?')}. Server on core 1 (one worker), jim-bench on core 0. "
             f"Load average before: {meta.get('load_before', '?')}; after: "
             f"{meta.get('load_after', '?')}. Suite: {meta.get('suite_seconds', '?')} s; "
             f"pairs runs measure {meta.get('seconds', '?')} s after 1 s of warm-up.")
    if meta.get("rt") == "1":
        s.append("")
        s.append("Scheduling: server and jim-bench ran as SCHED_FIFO (`chrt -f 1`) because the "
                 "machine was busy; the kernel caps real-time tasks at 95 % of each second, so "
                 "a saturated server is measured at ≤ 95 % of its core (see server µs/msg for "
                 "the cost per message, which the cap does not change).")
    s += ["", "### Against the targets", ""]
    s += targets(runs, stores)
    s += ["", "### Every run", ""]
    s += run_rows(order, runs)
    s += ["", "Latency = send (when the bytes leave jim-bench) → receipt by the partner, through "
          "the server. Server CPU % and µs/msg are over the measured window (/proc/PID/stat); "
          "bench CPU % is jim-bench's getrusage over the same window (≥ 90 % of its core means "
          "the generator, not the server, may be the limit).", ""]
    s += ["### Command lines", "", "```", meta.get("server_cmd", "")]
    s += [f"{cmd}    # {name}" for name, cmd in commands]
    s += ["```", ""]
    s += profile_sections(suite, runs, stores)
    section = "\n".join(s) + "\n"

    try:
        with open(results_md, encoding="utf-8") as f:
            old = f.read()
    except OSError:
        old = ""
    if MARKER in old:
        head, _, rest = old.partition(MARKER)
        new = head + MARKER + "\n\n" + section + rest.lstrip("\n")
    else:
        new = PREAMBLE + "\n" + section + ("\n" + old if old.strip() else "")
    with open(results_md, "w", encoding="utf-8") as f:
        f.write(new)


if __name__ == "__main__":
    main()
