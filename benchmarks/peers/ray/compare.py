#!/usr/bin/env python3
"""Runs Prism's and Ray's benchmarks on the same metrics, one after the other on this machine,
and prints a Markdown table metric | Prism | Ray | Prism/Ray | note (also written as compare.json).

Sections, each run when PATTERN is empty or selects one of its metrics (a substring, like Ray's
TESTS_TO_RUN):
  micro     every metric of Ray's own `ray microbenchmark` (ray/_private/ray_perf.py, unmodified,
            via run.sh) next to Prism's `benchmarks/run micro`, both with Ray's timing protocol
            (10 s pause, 1 s warm-up, 4 rounds of >= 2 s): tasks, objects, actors and the
            placement-group metric. Ray's "client: ..." metrics (Ray Client) are left out. Prism's
            rows "... (store)" and "... (by reference)" are the like-for-like variants of Ray's
            small-object rows (the value in the shared-memory store, as Ray's ray.put); their Ray
            column repeats Ray's row of the same shape. --long-warmup S adds a separate, labelled
            column: Prism's micro again with S seconds of warm-up (not Ray's protocol).
  startup   init to the first task's result (cold, then later rounds in the same process) and
            idle worker memory (RSS, PSS): `benchmarks/run startup` and startup.py.
  actors    actor creation until N are alive and memory per actor process:
            `benchmarks/run actors N` and actor_creation.py.
  nested    nested tasks, a recursive fib on a fresh cluster of 2 CPUs: fib(10) first call after
            init and later calls, fib(15) later calls: `benchmarks/run nested` and nested.py.

usage: benchmarks/peers/ray/compare.py [PATTERN] [--out DIR] [--quick] [--actors N]
                                       [--startup-rounds N] [--nested-rounds N] [--no-fib15]
                                       [--nested-timeout S] [--long-warmup S] [--render]
Writes DIR/compare.json and each side's log (prism-*.log, ray-*.log) into DIR
(default benchmarks/results, git-ignored)."""
import argparse
import datetime
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
PYTHON = HERE / ".venv" / "bin" / "python"
LINE = re.compile(r"^(.+?) per second ([0-9.]+) \+- ([0-9.]+)\s*$")
INIT = re.compile(r"^init to first task result \(round (\d+)[^)]*\) ms ([0-9.]+)")
IDLE = re.compile(r"^idle worker (resident|proportional) memory MiB ([0-9.]+)")
SECONDS = re.compile(r"^(nested tasks .+?) seconds ([0-9.]+) \+- ([0-9.]+)\s*$")
TIMED_OUT = re.compile(r"^nested tasks fib\((\d+)\) timed out after ([0-9]+) s")
MOST = re.compile(r"^nested tasks, most worker processes at once count ([0-9]+)")
ACTOR_MEM = re.compile(r"per actor: rss ([0-9.]+) pss ([0-9.]+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# The metrics of Ray 2.58's ray_perf.py (Prism's `benchmarks/run micro` has the same names).
MICRO = [
    "single client get calls (Plasma Store)", "single client get calls (store)",
    "single client put calls (Plasma Store)", "single client put calls (store)",
    "multi client put calls (Plasma Store)", "multi client put calls (store)",
    "single client put gigabytes",
    "single client tasks and get batch", "multi client put gigabytes",
    "single client get object containing 10k refs", "single client wait 1k refs",
    "single client tasks sync", "single client tasks async", "multi client tasks async",
    "1:1 actor calls sync", "1:1 actor calls async", "1:1 actor calls concurrent",
    "1:n actor calls async", "n:n actor calls async", "n:n actor calls with arg async",
    "n:n actor calls with arg async (by reference)",
    "1:1 async-actor calls sync", "1:1 async-actor calls async",
    "1:1 async-actor calls with args async", "1:n async-actor calls async",
    "n:n async-actor calls async", "placement group create/removal",
]
COLD = "init to first task result, cold (ms)"
WARM = "init to first task result, later rounds (ms)"
IDLE_MEM = "idle worker resident memory (MiB)"
IDLE_PSS = "idle worker proportional memory, PSS (MiB)"
FIB10_COLD = "nested tasks fib(10), first call after init (s)"
FIB10_WARM = "nested tasks fib(10), later calls (s)"
FIB15_FIRST = "nested tasks fib(15), first call (s)"
FIB15_WARM = "nested tasks fib(15), later calls (s)"
NESTED_WORKERS = "nested tasks, most worker processes at once"
NESTED = [FIB10_COLD, FIB10_WARM, FIB15_FIRST, FIB15_WARM, NESTED_WORKERS]
# Prism's like-for-like rows: Ray's column repeats Ray's row of the same shape (Ray's ray.put
# always writes to its shared-memory store, and its actor argument is a plasma ref).
RAY_SAME = {
    "single client get calls (store)": "single client get calls (Plasma Store)",
    "single client put calls (store)": "single client put calls (Plasma Store)",
    "multi client put calls (store)": "multi client put calls (Plasma Store)",
    "n:n actor calls with arg async (by reference)": "n:n actor calls with arg async",
}
HEAP = "Prism: a small value stays in the owner's heap; Ray: its shared-memory store"
STORE = "Prism: a one-row Arrow batch in the shared-memory store; Ray: the row above"
NOTES = {
    "single client get calls (Plasma Store)": HEAP,
    "single client put calls (Plasma Store)": HEAP,
    "multi client put calls (Plasma Store)": HEAP,
    "single client get calls (store)": STORE,
    "single client put calls (store)": STORE,
    "multi client put calls (store)": STORE,
    "n:n actor calls with arg async": "Prism: the small value is inlined into each call;"
                                      " Ray: a ref to its shared-memory store",
    "n:n actor calls with arg async (by reference)": "Prism: the argument stays in the"
                                                     " shared-memory store, passed as a ref;"
                                                     " Ray: the row above",
}
ACTOR_RSS = "memory per actor process, RSS (MiB)"
ACTOR_PSS = "memory per actor process, PSS (MiB)"


def clean(text):
    return [ANSI.sub("", line).strip() for line in text.splitlines()]


def parse_rates(text):
    """Ray's timeit lines: '<metric> per second <mean> +- <std>' -> {metric: (mean, std)}."""
    out = {}
    for line in clean(text):
        m = LINE.match(line)
        if m:
            out[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return out


def parse_startup(text):
    rounds, out = {}, {}
    for line in clean(text):
        m = INIT.match(line)
        if m:
            rounds[int(m.group(1))] = float(m.group(2))
        m = IDLE.match(line)
        if m:
            out[IDLE_MEM if m.group(1) == "resident" else IDLE_PSS] = (float(m.group(2)), None)
    ordered = {}
    if 1 in rounds:
        ordered[COLD] = (rounds[1], None)
    later = [v for r, v in rounds.items() if r > 1]
    if later:
        ordered[WARM] = (statistics.mean(later), statistics.pstdev(later))
    ordered.update(out)
    return ordered


def parse_actors(text):
    out = {k: v for k, v in parse_rates(text).items() if k.startswith("actor creation")}
    for line in clean(text):
        m = ACTOR_MEM.search(line)
        if m:
            out[ACTOR_RSS] = (float(m.group(1)), None)
            out[ACTOR_PSS] = (float(m.group(2)), None)
    return out


def parse_nested(text):
    """Nested-task lines: '<metric> seconds <mean> +- <std>', a timed-out call, the most workers.
    A call that timed out ends its run: that size's rows (and fib(15)'s after a fib(10)) read
    'timed out'."""
    out = {}
    for line in clean(text):
        m = SECONDS.match(line)
        if m:
            out[m.group(1) + " (s)"] = (float(m.group(2)), float(m.group(3)))
        m = TIMED_OUT.match(line)
        if m:
            label = f"timed out (> {m.group(2)} s)"
            rows = [FIB10_COLD, FIB10_WARM] if m.group(1) == "10" else []
            for name in rows + [FIB15_FIRST, FIB15_WARM]:
                out.setdefault(name, label)
        m = MOST.match(line)
        if m:
            out[NESTED_WORKERS] = (float(m.group(1)), None)
    return out


def run(cmd, log, parse):
    print("$ " + " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    proc = subprocess.run([str(c) for c in cmd], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    log.write_text(proc.stdout)
    if proc.returncode != 0:
        # Ray's `ray microbenchmark` ends with a Ray Client section that can fail on its own
        # (a timed-out client server); the metrics printed before still count.
        print(f"warning: {cmd[0]} exited with {proc.returncode}; see {log}", file=sys.stderr)
        if not parse(proc.stdout):
            sys.exit(f"{cmd[0]} printed no metric; see {log}")
    return parse(proc.stdout)


def run_all(cmds, log, parse):
    """Runs several commands of one side in turn; one log, the union of their metrics."""
    if len(cmds) == 1:
        return run(cmds[0], log, parse)
    out, texts = {}, []
    for i, cmd in enumerate(cmds):
        part = log.with_name(f"{log.stem}.{i}{log.suffix}")
        out.update(run(cmd, part, parse))
        texts.append(part.read_text())
        part.unlink()
    log.write_text("".join(texts))
    return out


def ray_micro_patterns(pattern):
    """TESTS_TO_RUN values for Ray's side: the pattern itself, unless it selects one of Prism's
    like-for-like rows whose Ray row it does not select; then each needed Ray row by its name."""
    if not pattern:
        return [""]
    needed = {RAY_SAME.get(n, n) for n in MICRO if pattern in n}
    if all(pattern in n for n in needed):
        return [pattern]
    return sorted(needed)


def selects(pattern, names):
    return not pattern or any(pattern in n for n in names)


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    mean, std = v
    digits = 1 if mean < 100 else 0
    text = f"{mean:,.{digits}f}"
    return text + (f" ± {std:,.{digits}f}" if std else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pattern", nargs="?", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--quick", action="store_true",
                    help="Prism's micro without pause and with 1 s warm-up, 1 startup round,"
                         " 4 actors (Ray's microbenchmark keeps its own protocol)")
    ap.add_argument("--actors", type=int, default=None,
                    help="actors created in the actor-creation section (default 40; 0 skips it)")
    ap.add_argument("--startup-rounds", type=int, default=None,
                    help="rounds of the startup section (default 3; 0 skips it)")
    ap.add_argument("--render", action="store_true",
                    help="only re-read the logs a previous run left in --out")
    args = ap.parse_args()
    actors = args.actors if args.actors is not None else (4 if args.quick else 40)
    rounds = args.startup_rounds if args.startup_rounds is not None else (1 if args.quick else 3)
    if actors < 0 or rounds < 0:
        ap.error("--actors and --startup-rounds must not be negative")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pattern = args.pattern
    creation = f"actor creation ({actors} actors until alive)"
    sections = []
    if selects(pattern, [COLD, WARM, IDLE_MEM]) and rounds > 0:
        sections.append(("startup", parse_startup,
                         [ROOT / "benchmarks" / "run", "startup", rounds],
                         [PYTHON, HERE / "startup.py", rounds]))
    if selects(pattern, [creation, ACTOR_RSS, ACTOR_PSS]) and actors > 0:
        sections.append(("actors", parse_actors,
                         [ROOT / "benchmarks" / "run", "actors", actors],
                         [PYTHON, HERE / "actor_creation.py", actors]))
    if selects(pattern, MICRO) or not sections:
        micro = [ROOT / "benchmarks" / "run", "micro", pattern]
        if args.quick:
            micro += ["--pause-seconds", "0", "--warmup-seconds", "1"]
        sections.insert(0, ("micro", parse_rates, micro, [HERE / "run.sh", pattern]))
    if not args.render:
        subprocess.run([HERE / "setup.sh"], check=True, stdout=sys.stderr)

    prism, ray = {}, {}
    for name, parse, prism_cmd, ray_cmd in sections:
        prism_log, ray_log = out / f"prism-{name}.log", out / f"ray-{name}.log"
        if args.render:
            if prism_log.exists():
                prism.update(parse(prism_log.read_text()))
            if ray_log.exists():
                ray.update(parse(ray_log.read_text()))
        else:
            prism.update(run(prism_cmd, prism_log, parse))
            ray.update(run(ray_cmd, ray_log, parse))
    # Ray's "client: ..." metrics measure Ray Client (a remote-driver mode Prism does not have).
    names = list(prism) + [n for n in ray if n not in prism and not n.startswith("client:")]
    rows = []
    print("| metric | Prism | Ray | Prism/Ray |")
    print("| --- | ---: | ---: | ---: |")
    for n in names:
        p, r = prism.get(n), ray.get(n)
        ratio = p[0] / r[0] if p and r and r[0] > 0 else None
        unit = ("ms" if n in (COLD, WARM) else "MiB" if n in (IDLE_MEM, ACTOR_RSS, ACTOR_PSS)
                else "per second")
        rows.append({"metric": n, "unit": unit, "prism": p and p[0], "prism_std": p and p[1],
                     "ray": r and r[0], "ray_std": r and r[1], "ratio": ratio})
        print(f"| {n} | {fmt(p)} | {fmt(r)} | {f'{ratio:.2f}x' if ratio else '-'} |")
    (out / "compare.json").write_text(json.dumps({
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "pattern": pattern, "quick": args.quick, "sections": [s[0] for s in sections],
        "rows": rows}, indent=2))
    print(f"wrote {out / 'compare.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
