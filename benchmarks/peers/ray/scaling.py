#!/usr/bin/env python3
"""Ray's side of `benchmarks/run scaling`: the same three shapes, measured the same way with
Ray's public API, written as ray-scaling.json in the same schema as Prism's prism-scaling.json
(`benchmarks/run charts DIR` then plots both).

  tasks    tasks/s and driver memory as the number of queued tasks grows (1k, 10k, ... 1M): N
           trivial tasks (each returns b"ok", Ray's small_value) submitted, then all got; memory
           (RSS) read after the get while the N refs and values are held. Python has no heap
           used after GC to report, so heap_used_after_gc_mib is null.
  objects  put/get latency and bandwidth from the driver as the size grows (1 KiB x4 ... 1 GiB):
           "bytes" are Python bytes (copied on get, like Prism's byte[]); "arrow" is a numpy
           float64 array (read back zero-copy from plasma, Ray's columnar equivalent: pyarrow is
           not in this virtualenv). Median of the repetitions; bandwidth = size / median.
  actors   actor calls/s from the driver as actors grow (1, 2, 4, ... 64; num_cpus=0 actors):
           batches of max(1000, 100 N) calls round-robin over all actors, each batch got.

usage: benchmarks/peers/ray/.venv/bin/python benchmarks/peers/ray/scaling.py
           [tasks|objects|actors|all] [--out DIR] [--quick]
           [--max-tasks N] [--max-object-mib N] [--max-actors N]"""
import argparse
import datetime
import gc
import json
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import numpy as np  # noqa: E402
import ray  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
MIB = 1024 * 1024
GIB = 1024 * MIB


def rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1


@ray.remote
def small_value():
    return b"ok"


@ray.remote(num_cpus=0)
class Actor:
    def small_value(self):
        return b"ok"


def tasks(counts, warmup):
    ray.get([small_value.remote() for _ in range(warmup)])
    rows = []
    for n in counts:
        gc.collect()
        start = time.perf_counter()
        refs = [small_value.remote() for _ in range(n)]
        submitted = time.perf_counter()
        values = ray.get(refs)
        done = time.perf_counter()
        gc.collect()
        row = {"tasks": n, "submit_seconds": submitted - start, "total_seconds": done - start,
               "tasks_per_second": n / (done - start), "heap_used_after_gc_mib": None,
               "rss_mib": rss_mib()}
        rows.append(row)
        print(f"tasks {n:,}: {row['tasks_per_second']:,.0f} tasks/s (submit "
              f"{row['submit_seconds']:.2f} s, total {row['total_seconds']:.2f} s), RSS "
              f"{row['rss_mib']:.1f} MiB ({len(values)} values held)", flush=True)
        del refs, values
    return rows


def objects(sizes, bytes_per_size, max_reps):
    rows = []
    for kind in ("bytes", "arrow"):
        for size in sizes:
            reps = int(max(3, min(max_reps, bytes_per_size // size)))
            if kind == "bytes":
                value = b"\x07" * size
            else:
                value = np.arange(max(1, size // 8), dtype=np.float64)
            put, get = [], []
            for r in range(reps + 1):  # the first is a warm-up
                t0 = time.perf_counter()
                ref = ray.put(value)
                t1 = time.perf_counter()
                back = ray.get(ref)
                t2 = time.perf_counter()
                if len(back) != len(value):
                    sys.exit(f"got {len(back)} back, put {len(value)}")
                del back, ref
                if r > 0:
                    put.append(t1 - t0)
                    get.append(t2 - t1)
            p, g = statistics.median(put), statistics.median(get)
            row = {"kind": kind, "size_bytes": size, "repetitions": reps,
                   "put_latency_us": p * 1e6, "get_latency_us": g * 1e6,
                   "put_gib_per_second": size / p / GIB, "get_gib_per_second": size / g / GIB}
            rows.append(row)
            print(f"objects {kind:<5} {size:>12,} B: put {p * 1e6:10.1f} us "
                  f"({row['put_gib_per_second']:7.2f} GiB/s), get {g * 1e6:10.1f} us "
                  f"({row['get_gib_per_second']:8.2f} GiB/s), {reps} reps", flush=True)
            del value
    return rows


def timed(actors, batch, seconds):
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < seconds:
        ray.get([actors[i % len(actors)].small_value.remote() for i in range(batch)])
        calls += batch
    return calls / (time.perf_counter() - start)


def actor_counts(counts, warmup, rounds, round_seconds):
    actors = []
    rows = []
    for n in counts:
        start = time.perf_counter()
        while len(actors) < n:
            actors.append(Actor.remote())
        ray.get([a.small_value.remote() for a in actors])
        ready = time.perf_counter() - start
        batch = max(1000, 100 * n)
        timed(actors, batch, warmup)
        rates = [timed(actors, batch, round_seconds) for _ in range(rounds)]
        row = {"actors": n, "calls_per_second": statistics.mean(rates),
               "calls_per_second_std": statistics.pstdev(rates),
               "seconds_until_added_actors_answered": ready, "driver_rss_mib": rss_mib()}
        rows.append(row)
        print(f"actors {n:2d}: {row['calls_per_second']:,.0f} +- "
              f"{row['calls_per_second_std']:,.0f} calls/s (batches of {batch}; new actors "
              f"answered after {ready:.1f} s)", flush=True)
    for a in actors:
        ray.kill(a)
    return rows


def positive(text):
    v = int(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"wants a positive whole number, got {text!r}")
    return v


def main():
    ap = argparse.ArgumentParser(description="Ray's side of benchmarks/run scaling")
    ap.add_argument("shape", nargs="?", default="all", choices=["tasks", "objects", "actors", "all"])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scaling"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--max-tasks", type=positive)
    ap.add_argument("--max-object-mib", type=positive)
    ap.add_argument("--max-actors", type=positive)
    args = ap.parse_args()
    quick = args.quick
    max_tasks = args.max_tasks or (10_000 if quick else 1_000_000)
    max_mib = args.max_object_mib or (16 if quick else 1024)
    max_actors = args.max_actors or (4 if quick else 64)
    if max_tasks < 1000:
        ap.error(f"--max-tasks {max_tasks} is below 1000, the first point")
    counts, n = [], 1000
    while n <= max_tasks:
        counts.append(n)
        n *= 10
    sizes, s = [], 1024
    while s <= max_mib * MIB:
        sizes.append(s)
        s *= 4
    actors, a = [], 1
    while a <= max_actors:
        actors.append(a)
        a *= 2
    shapes = ["tasks", "objects", "actors"] if args.shape == "all" else [args.shape]

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ray-scaling.json"
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.update({"system": "ray", "version": ray.__version__,
                "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "quick": quick, "cpus": os.cpu_count()})
    largest = max(sizes) if sizes else 0
    ray.init(include_dashboard=False, logging_level="ERROR",
             object_store_memory=max(1 * GIB, 3 * largest + 256 * MIB))
    try:
        for shape in shapes:
            if shape == "tasks":
                doc["tasks"] = tasks(counts, 2_000 if quick else 20_000)
            elif shape == "objects":
                doc["objects"] = objects(sizes, (32 if quick else 256) * MIB, 50 if quick else 200)
            else:
                doc["actors"] = (actor_counts(actors, 0.5, 2, 1.0) if quick
                                 else actor_counts(actors, 2.0, 3, 2.0))
            path.write_text(json.dumps(doc, indent=2))
    finally:
        ray.shutdown()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
