#!/usr/bin/env python3
"""Ray Tune 2.58's overhead in the shapes of Prism's TuneOverhead (benchmarks/run tune).

Shape A: --trials trials (1,000) that each report {"score": x} once and return, FIFO, at most
--concurrent (16) at once -> trials/s over the whole fit.
Shape B: --concurrent trials (16), each reporting {"score": i} as fast as it can for
--report-seconds s (10) and then returning -> results/s (every result the driver received) over
the whole fit; once as is (FIFO) and once with a stop criterion that never triggers
(training_iteration >= 1e12). In Ray both are the same: every tune.report waits until the driver
asks for the next result (ray/train/_internal/session.py, continue_lock).

The cluster is ray.init(num_cpus=--cpus (16)); every trial takes 1 CPU; reuse_actors=True (Ray
2.58's TuneConfig default is False; Prism reuses its runners, and Ray's own release tests,
ray/tune/utils/release_test_util.py, run with reuse_actors=True). Actor start-up is inside the
timing, as Prism's runner start-up is. Storage under a temporary directory, deleted afterwards;
verbose=0. Protocol: a warm-up (shape A with --warmup-trials (64) trials, and each shape B variant
for 2 s), then --rounds (3) rounds of every shape; median (min-max) of the rounds.
Ray Tune is Ray's own code, unmodified; this script is Prism's.

  benchmarks/peers/ray/.venv/bin/python benchmarks/peers/ray/tune_overhead.py \
      [--trials N] [--concurrent N] [--report-seconds S] [--rounds N] [--warmup-trials N] \
      [--cpus N] [--json FILE]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

os.environ.setdefault("RAY_DEDUP_LOGS", "0")

import ray  # noqa: E402
from ray import tune  # noqa: E402


def once(config):
    tune.report({"score": config["x"]})


def fast(config):
    end = time.monotonic() + config["seconds"]
    i = 0
    while time.monotonic() < end:
        tune.report({"score": i})
        i += 1


def sweep(storage, name, trainable, space, samples, concurrent, stop=None):
    tuner = tune.Tuner(
        trainable,
        param_space=space,
        tune_config=tune.TuneConfig(
            metric="score",
            mode="max",
            num_samples=samples,
            max_concurrent_trials=concurrent,
            reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            name=name, storage_path=storage, verbose=0, stop=stop
        ),
    )
    t0 = time.perf_counter()
    grid = tuner.fit()
    seconds = time.perf_counter() - t0
    errors = len(grid.errors)
    results = 0
    for r in grid:
        results += int(r.metrics.get("training_iteration", 0) or 0)
    return seconds, len(grid), results, errors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--trials", type=int, default=1000)
    p.add_argument("--concurrent", type=int, default=16)
    p.add_argument("--report-seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup-trials", type=int, default=64)
    p.add_argument("--cpus", type=int, default=16)
    p.add_argument("--json", default=None)
    a = p.parse_args()

    # Tune prints its own banners on stdout: keep stdout for the table.
    table_out, sys.stdout = sys.stdout, sys.stderr
    ray.init(num_cpus=a.cpus, include_dashboard=False, logging_level="ERROR")
    storage = tempfile.mkdtemp(prefix="ray-tune-overhead-")
    n = [0]

    def name(prefix):
        n[0] += 1
        return f"{prefix}-{n[0]}"

    space_a = {"x": tune.uniform(0.0, 1.0)}
    never = {"training_iteration": 10**12}

    def run_a(trials):
        return sweep(storage, name("a"), once, space_a, trials, a.concurrent)

    def run_b(seconds, stop):
        return sweep(
            storage, name("b"), fast, {"seconds": seconds}, a.concurrent, a.concurrent, stop
        )

    rows = [
        ("A", "trials/s", lambda: run_a(a.trials)),
        ("B-fifo", "results/s", lambda: run_b(a.report_seconds, None)),
        ("B-decide", "results/s", lambda: run_b(a.report_seconds, never)),
    ]
    try:
        t0 = time.perf_counter()
        run_a(a.warmup_trials)
        run_b(2.0, None)
        run_b(2.0, never)
        warm = time.perf_counter() - t0
        print(f"warm-up: {warm:.1f} s", file=sys.stderr)
        measured = {key: [] for key, _, _ in rows}
        for rnd in range(a.rounds):
            for key, unit, fn in rows:
                seconds, trials, results, errors = fn()
                rate = (trials if key == "A" else results) / seconds
                measured[key].append(
                    {"seconds": seconds, "trials": trials, "results": results,
                     "errors": errors, "rate": rate}
                )
                print(f"round {rnd + 1} {key}: {seconds:.2f} s, {trials} trials, "
                      f"{results} results, {errors} errors, {rate:,.1f} {unit}",
                      file=sys.stderr)
    finally:
        ray.shutdown()
        shutil.rmtree(storage, ignore_errors=True)
        sys.stdout = table_out

    labels = {
        "A": f"A: {a.trials:,} trials, 1 report each, FIFO, {a.concurrent} at once",
        "B-fifo": f"B: {a.concurrent} trials reporting for {a.report_seconds:g} s, FIFO",
        "B-decide": f"B: {a.concurrent} trials reporting for {a.report_seconds:g} s, "
                    "stop criterion that never triggers",
    }
    out = {"side": "ray", "version": ray.__version__, "rows": {}}
    print(f"Ray Tune {ray.__version__}: ray.init(num_cpus={a.cpus}), 1 CPU per trial, "
          f"reuse_actors=True; warm-up, then {a.rounds} rounds, median (min-max)\n")
    print("| shape | trials | results | fit s | rate | unit |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for key, unit, _ in rows:
        ms = measured[key]
        rates = [m["rate"] for m in ms]
        med = statistics.median(rates)
        mid = sorted(ms, key=lambda m: m["rate"])[len(ms) // 2]
        out["rows"][key] = {
            "label": labels[key], "unit": unit, "median": med, "min": min(rates),
            "max": max(rates), "rounds": ms,
        }
        print(f"| {labels[key]} | {mid['trials']:,} | {mid['results']:,} | "
              f"{mid['seconds']:.2f} | {med:,.1f} ({min(rates):,.1f}–{max(rates):,.1f}) | "
              f"{unit} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
