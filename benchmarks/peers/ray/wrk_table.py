#!/usr/bin/env python3
"""wrk's text output to JSON, and the serving comparison's table (compare_serve.sh). Standard
library only, so any python3 runs it.

    wrk_table.py parse [FILE] [--set KEY=VALUE ...]
        reads the output of one `wrk --latency` run (FILE or stdin) and prints one JSON line:
        {requests_per_s, p50_ms, p99_ms, errors, connections, threads, requests, duration_s,
         non_2xx_3xx, socket_errors: {connect, read, write, timeout}} plus each KEY=VALUE
        (a number when it parses as one). errors = non-2xx/3xx responses + all socket errors.
    wrk_table.py median [FILE] [--set KEY=VALUE ...]
        reads JSON lines of `parse` for one measurement (FILE or stdin) and prints one line: the
        median of requests_per_s, p50_ms and p99_ms over them (each taken separately), the sum
        of errors and requests, rounds (how many), min/max of requests_per_s, the medians of
        server_cpu_pct and client_cpu_pct and the largest foreign_cpu_pct, when the rounds have them.
    wrk_table.py cpu SESSION_ID SHELL_PID
        prints "busy session children" in clock ticks: the CPUs' busy time (/proc/stat), the CPU
        time of the processes in SESSION_ID (the side under test, with its reaped children) and
        the reaped children's CPU time of SHELL_PID (wrk and the harness's helpers). The harness
        takes it before and after each wrk run: busy minus the other two is the CPU that other
        users took meanwhile (foreign_cpu_pct, a share of all CPUs over the run).
    wrk_table.py table [FILE]
        reads result JSON lines (side, shape, connections, requests_per_s, p50_ms, p99_ms,
        errors, rounds) and prints a Markdown table, one row per shape and connection count,
        one group of columns per side (the last: the CPU share of the machine, 100 = every core
        busy, that the server and wrk took, medians, and the most that other users took in
        any round), then Prism/other req/s for each other side (if a side is
        named prism), or first/second when there are exactly two sides.
"""
import argparse
import json
import re
import statistics
import sys

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse(text):
    def find(pattern, cast=float, default=None):
        m = re.search(pattern, text, re.MULTILINE)
        if not m:
            if default is not None:
                return default
            raise ValueError(f"wrk output has no match for {pattern!r}:\n{text}")
        return cast(m.group(1)) if len(m.groups()) == 1 else m.groups()

    threads, connections = find(r"^\s*(\d+) threads and (\d+) connections", None)
    requests, duration = find(r"^\s*(\d+) requests in ([0-9.]+\w+),", None)
    rps = find(r"^Requests/sec:\s*([0-9.]+)")
    p50 = to_ms(find(r"^\s*50%\s+(\S+)", str))
    p99 = to_ms(find(r"^\s*99%\s+(\S+)", str))
    non2xx = find(r"^\s*Non-2xx or 3xx responses:\s*(\d+)", int, 0)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    socket_errors = dict(zip(["connect", "read", "write", "timeout"],
                             map(int, sock.groups()) if sock else [0, 0, 0, 0]))
    return {
        "requests_per_s": round(rps, 2),
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "errors": non2xx + sum(socket_errors.values()),
        "connections": int(connections),
        "threads": int(threads),
        "requests": int(requests),
        "duration_s": round(to_ms(duration) / 1e3, 3),
        "non_2xx_3xx": non2xx,
        "socket_errors": socket_errors,
    }


def value(v):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def extras(pairs):
    out = {}
    for pair in pairs or []:
        k, _, v = pair.partition("=")
        out[k] = value(v)
    return out


def median(rows):
    if not rows:
        raise ValueError("no rounds to take the median of")
    rps = [r["requests_per_s"] for r in rows]
    cpu = {}
    for k in ("server_cpu_pct", "client_cpu_pct"):
        if all(k in r for r in rows):
            cpu[k] = round(statistics.median(r[k] for r in rows), 1)
    if all("foreign_cpu_pct" in r for r in rows):
        cpu["foreign_cpu_pct_max"] = max(r["foreign_cpu_pct"] for r in rows)
    return {
        "requests_per_s": round(statistics.median(rps), 2),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rows), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rows), 3),
        "errors": sum(r["errors"] for r in rows),
        "connections": rows[0]["connections"],
        "threads": rows[0]["threads"],
        "requests": sum(r["requests"] for r in rows),
        "rounds": len(rows),
        "requests_per_s_min": min(rps),
        "requests_per_s_max": max(rps),
        **cpu,
    }


def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}" if x >= 10 else f"{x:,.2f}"


def table(rows):
    sides = list(dict.fromkeys(r["side"] for r in rows))
    keys = list(dict.fromkeys((r["shape"], r["connections"]) for r in rows))
    by = {(r["side"], r["shape"], r["connections"]): r for r in rows}
    head = ["shape", "connections"]
    for s in sides:
        head += [f"{s} req/s", f"{s} p50 ms", f"{s} p99 ms", f"{s} errors",
                 f"{s} CPU %: server / wrk / others"]
    ratios = [("prism", o) for o in sides if o != "prism"] if "prism" in sides else (
        [(sides[0], sides[1])] if len(sides) == 2 else [])
    head += [f"{a}/{b} req/s" for a, b in ratios]
    lines = ["| " + " | ".join(head) + " |",
             "| --- | ---: |" + " ---: |" * (len(head) - 2)]
    for shape, conns in keys:
        cells = [shape, str(conns)]
        for s in sides:
            r = by.get((s, shape, conns))
            if r is None:
                cells += ["–"] * 5
                continue
            rps = fmt(r["requests_per_s"])
            if r.get("rounds", 1) > 1:
                rps += f" ({fmt(r['requests_per_s_min'])}–{fmt(r['requests_per_s_max'])})"
            cpu = " / ".join(f"{r[k]:.0f}" if k in r else "?" for k in
                             ("server_cpu_pct", "client_cpu_pct", "foreign_cpu_pct_max"))
            cells += [rps, fmt(r["p50_ms"]), fmt(r["p99_ms"]), str(r["errors"]), cpu]
        for sa, sb in ratios:
            a, b = by.get((sa, shape, conns)), by.get((sb, shape, conns))
            cells.append(f"{a['requests_per_s'] / b['requests_per_s']:.2f}×"
                         if a and b and b["requests_per_s"] else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_snapshot(session, shell_pid):
    import os
    with open("/proc/stat") as f:
        t = [int(v) for v in f.readline().split()[1:]]
    busy = t[0] + t[1] + t[2] + t[5] + t[6] + t[7]  # user nice system irq softirq steal
    sess = children = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # rest[0] is field 3 (state): session 6, utime 14, stime 15, cutime 16, cstime 17
        if int(rest[3]) == session:
            sess += int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
        if int(name) == shell_pid:
            children = int(rest[13]) + int(rest[14])
    return busy, sess, children


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["parse", "median", "table", "cpu"])
    p.add_argument("file", nargs="?")
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    a, rest = p.parse_known_args()
    if a.command == "cpu":
        print(*cpu_snapshot(int(a.file), int(rest[0])))
        return
    if rest:
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    text = open(a.file).read() if a.file else sys.stdin.read()
    if a.command == "parse":
        print(json.dumps({**parse(text), **extras(a.set)}))
    elif a.command == "median":
        rows = [json.loads(l) for l in text.splitlines() if l.strip()]
        print(json.dumps({**median(rows), **extras(a.set)}))
    else:
        rows = [json.loads(l) for l in text.splitlines() if l.strip()]
        print(table(rows))


if __name__ == "__main__":
    main()
