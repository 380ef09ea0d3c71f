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

Before measuring, Prism's worker AOT cache is trained if the build has none yet (a one-actor run,
then a wait until no training runs): every Prism figure is with the cache, as a user's second run
after a build is.

usage: benchmarks/peers/ray/compare.py [PATTERN] [--out DIR] [--quick] [--actors N]
                                       [--startup-rounds N] [--nested-rounds N] [--no-fib15]
                                       [--nested-timeout S] [--nested-fib N] [--long-warmup S]
                                       [--render]
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
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
PYTHON = HERE / ".venv" / "bin" / "python"
LINE = re.compile(r"^(.+?) per second ([0-9.]+) \+- ([0-9.]+)\s*$")
INIT = re.compile(r"^init to first task result \(round (\d+)[^)]*\) ms ([0-9.]+)")
IDLE = re.compile(r"^idle worker (resident|proportional) memory MiB ([0-9.]+)")
SECONDS = re.compile(r"^(nested tasks .+?) seconds ([0-9.]+) \+- ([0-9.]+)\s*$")
NOT_MEASURED = re.compile(r"^(nested tasks .+?) (timed out after [0-9]+ s|not run \(.*\))\s*$")
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
STORE = ("Prism: a one-row Arrow batch in the shared-memory store; Ray: its (Plasma Store) row"
         " again")
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
                                                     " Ray: its row without (by reference)"
                                                     " again",
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
    """Nested-task lines: '<metric> seconds <mean> +- <std>', or '<metric> timed out after S s' /
    '<metric> not run (...)' (kept as text for the table), and the most worker processes."""
    out = {}
    for line in clean(text):
        m = SECONDS.match(line)
        if m:
            out[m.group(1) + " (s)"] = (float(m.group(2)), float(m.group(3)))
        m = NOT_MEASURED.match(line)
        if m:
            out[m.group(1) + " (s)"] = m.group(2)
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


def aot_trainings():
    """Pids of Prism's worker AOT cache installers (training runs) alive on this machine."""
    pids = []
    for d in pathlib.Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if b"AotCacheInstaller" in (d / "cmdline").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def prime_aot_cache(run_cmd, log):
    """Prism's workers start with an AOT cache trained once per build (java, options, class
    path). The first cluster after a build trains it in the background, a minute of CPU that
    would fall into whatever runs next; so a one-actor run starts the training first, and the
    measurements wait until it is over."""
    print("$ priming Prism's worker AOT cache", file=sys.stderr, flush=True)
    proc = subprocess.run([str(run_cmd), "actors", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    log.write_text(proc.stdout)
    deadline = time.monotonic() + 600
    while aot_trainings() and time.monotonic() < deadline:
        time.sleep(2)
    if aot_trainings():
        sys.exit(f"Prism's worker AOT cache still training after 10 minutes; see {log}")


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


def fmt(v, unit_name="per second"):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    mean, std = v
    digits = 1 if mean < 100 else 0
    if unit_name == "s" and mean < 10:
        digits = 2  # nested calls of a fraction of a second
    elif unit_name == "processes":
        digits = 0
    text = f"{mean:,.{digits}f}"
    return text + (f" ± {std:,.{digits}f}" if std else "")


def unit(name):
    if name in (COLD, WARM):
        return "ms"
    if name in (IDLE_MEM, IDLE_PSS, ACTOR_RSS, ACTOR_PSS):
        return "MiB"
    if name.startswith("nested tasks") and name.endswith(" (s)"):
        return "s"
    if name == NESTED_WORKERS:
        return "processes"
    return "per second"


def json_value(v):
    """A metric's mean (None when absent) and std, or its text when it was not measured."""
    if v is None:
        return None, None
    if isinstance(v, str):
        return v, None
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pattern", nargs="?", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--quick", action="store_true",
                    help="a check that everything runs, not numbers: Prism's micro without pause,"
                         " 1 startup round, 4 actors, 1 round of nested calls and no fib(15)"
                         " (Ray's microbenchmark keeps its own protocol)")
    ap.add_argument("--actors", type=int, default=None,
                    help="actors created in the actor-creation section (default 40; 0 skips it)")
    ap.add_argument("--startup-rounds", type=int, default=None,
                    help="rounds of the startup section (default 3; 0 skips it)")
    ap.add_argument("--nested-rounds", type=int, default=None,
                    help="later calls timed per fib size in the nested section (default 3;"
                         " 0 skips the section)")
    ap.add_argument("--no-fib15", action="store_true",
                    help="skip fib(15) in the nested section (always skipped with --quick)")
    ap.add_argument("--nested-timeout", type=int, default=600,
                    help="timeout of each fib call, in seconds (default 600)")
    ap.add_argument("--nested-fib", type=int, default=10, metavar="N",
                    help="the smaller fib size (default 10; a smaller one checks that the"
                         " section runs)")
    ap.add_argument("--long-warmup", type=int, default=0, metavar="S",
                    help="also run Prism's micro with S seconds of warm-up, shown as a separate,"
                         " labelled column (the headline columns keep Ray's protocol)")
    ap.add_argument("--render", action="store_true",
                    help="only re-read the logs a previous run left in --out")
    args = ap.parse_args()
    actors = args.actors if args.actors is not None else (4 if args.quick else 40)
    rounds = args.startup_rounds if args.startup_rounds is not None else (1 if args.quick else 3)
    nested_rounds = (args.nested_rounds if args.nested_rounds is not None
                     else (1 if args.quick else 3))
    if min(actors, rounds, nested_rounds, args.long_warmup) < 0 or args.nested_timeout < 1:
        ap.error("counts must not be negative, --nested-timeout at least 1")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pattern = args.pattern
    run_cmd = ROOT / "benchmarks" / "run"
    creation = f"actor creation ({actors} actors until alive)"
    # (name, parse, Prism's commands, Ray's commands): each side's commands run in turn.
    sections = []
    if selects(pattern, [COLD, WARM, IDLE_MEM, IDLE_PSS]) and rounds > 0:
        sections.append(("startup", parse_startup, [[run_cmd, "startup", rounds]],
                         [[PYTHON, HERE / "startup.py", rounds]]))
    if selects(pattern, [creation, ACTOR_RSS, ACTOR_PSS]) and actors > 0:
        sections.append(("actors", parse_actors, [[run_cmd, "actors", actors]],
                         [[PYTHON, HERE / "actor_creation.py", actors]]))
    if selects(pattern, NESTED) and nested_rounds > 0:
        opts = ["--rounds", nested_rounds, "--timeout-seconds", args.nested_timeout,
                "--fib", args.nested_fib]
        if args.no_fib15 or args.quick:
            opts.append("--no-fib15")
        sections.append(("nested", parse_nested, [[run_cmd, "nested", *opts]],
                         [[PYTHON, HERE / "nested.py", *opts]]))
    micro_selected = selects(pattern, MICRO) or not sections
    if micro_selected:
        micro = [run_cmd, "micro", pattern]  # Ray's protocol: Microbenchmark's defaults
        if args.quick:
            micro += ["--pause-seconds", "0"]
        sections.insert(0, ("micro", parse_rates, [micro],
                            [[HERE / "run.sh", p] for p in ray_micro_patterns(pattern)]))
    long_name = f"Prism, {args.long_warmup} s warm-up"
    long_cmd = None
    if micro_selected and args.long_warmup > 0:
        long_cmd = [run_cmd, "micro", pattern, "--warmup-seconds", args.long_warmup]
        if args.quick:
            long_cmd += ["--pause-seconds", "0"]
    if not args.render:
        subprocess.run([HERE / "setup.sh"], check=True, stdout=sys.stderr)

    if not args.render:
        prime_aot_cache(run_cmd, out / "prism-aot-prime.log")
    prism, ray, prism_long = {}, {}, {}
    for name, parse, prism_cmds, ray_cmds in sections:
        prism_log, ray_log = out / f"prism-{name}.log", out / f"ray-{name}.log"
        if args.render:
            if prism_log.exists():
                prism.update(parse(prism_log.read_text()))
            if ray_log.exists():
                ray.update(parse(ray_log.read_text()))
        else:
            prism.update(run_all(prism_cmds, prism_log, parse))
            ray.update(run_all(ray_cmds, ray_log, parse))
    if long_cmd:
        long_log = out / f"prism-micro-warmup-{args.long_warmup}s.log"
        if args.render:
            if long_log.exists():
                prism_long = parse_rates(long_log.read_text())
        else:
            prism_long = run(long_cmd, long_log, parse_rates)
    # Ray's "client: ..." metrics measure Ray Client (a remote-driver mode Prism does not have).
    names = list(prism) + [n for n in ray if n not in prism and not n.startswith("client:")]
    rows = []
    header = ["metric", "Prism", "Ray", "Prism/Ray"] + ([long_name] if long_cmd else []) + ["note"]
    print("| " + " | ".join(header) + " |")
    print("| --- | ---: | ---: | ---: | " + ("---: | " if long_cmd else "") + "--- |")
    for n in names:
        p, r = prism.get(n), ray.get(RAY_SAME.get(n, n))
        numeric = isinstance(p, tuple) and isinstance(r, tuple)
        ratio = p[0] / r[0] if numeric and r[0] > 0 else None
        note = NOTES.get(n, "")
        cells = [n, fmt(p, unit(n)), fmt(r, unit(n)), f"{ratio:.2f}x" if ratio else "-"]
        if long_cmd:
            cells.append(fmt(prism_long.get(n), unit(n)))
        print("| " + " | ".join(cells + [note]) + " |")
        pv, ps = json_value(p)
        rv, rs = json_value(r)
        row = {"metric": n, "unit": unit(n), "prism": pv, "prism_std": ps, "ray": rv,
               "ray_std": rs, "ratio": ratio, "note": note}
        if n in RAY_SAME:
            row["ray_metric"] = RAY_SAME[n]
        if long_cmd:
            lv, ls = json_value(prism_long.get(n))
            row.update({"prism_long_warmup": lv, "prism_long_warmup_std": ls})
        rows.append(row)
    (out / "compare.json").write_text(json.dumps({
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "pattern": pattern, "quick": args.quick, "sections": [s[0] for s in sections],
        "protocol": "Ray's timeit: 10 s pause, 1 s warm-up, 4 rounds of >= 2 s"
                    + (" (Prism's pause 0 s: --quick)" if args.quick else ""),
        "long_warmup_seconds": args.long_warmup if long_cmd else None,
        "prism_worker_aot_cache": "trained before the first measurement (see prime_aot_cache)",
        "rows": rows}, indent=2))
    print(f"wrote {out / 'compare.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
