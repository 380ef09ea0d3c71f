"""Ray's side of benchmarks/run generators: streaming generators (Ray's ObjectRefGenerator, the
default for remote generator functions and generator actor methods), on a fresh local cluster of 2
CPUs, with the shapes and protocol of Prism's GeneratorBenchmark: each round makes one call of a
method that yields N values and takes every value (next() then ray.get of its ref); warm-up rounds,
then measured rounds; the median values per second and the median time from the call to its first
value. Shapes: N small integers from a task, from an actor, and from a task with
_generator_backpressure_num_objects=B (default 100); 100 values of 1 MiB (numpy, through the object store).
Ray's public API only; the output lines are those of Prism's side.

usage: .venv/bin/python generators.py [--values N] [--rounds R] [--warmup W] [--backpressure B]"""
import argparse
import statistics
import time

import numpy as np
import ray


@ray.remote
def ints(n):
    for i in range(n):
        yield i


@ray.remote
def mebibytes(n):
    for i in range(n):
        v = np.zeros(1 << 17, dtype=np.int64)
        v[0] = i
        yield v


@ray.remote
class Source:
    def ints(self, n):
        for i in range(n):
            yield i


WAIT = 120


def measure(shape, expected, warmup, rounds, call):
    rates, firsts = [], []
    for r in range(warmup + rounds):
        start = time.perf_counter()
        first = None
        taken = 0
        gen = call()
        for ref in gen:
            ray.get(ref, timeout=WAIT)
            if taken == 0:
                first = time.perf_counter()
            taken += 1
        end = time.perf_counter()
        if taken != expected:
            raise RuntimeError(f"{shape}: took {taken} values of {expected}")
        if r >= warmup:
            rates.append(taken / (end - start))
            firsts.append((first - start) * 1e3)
    print(f"{shape}: values/s median {statistics.median(rates):.0f} (min {min(rates):.0f}, "
          f"max {max(rates):.0f}); first value median {statistics.median(firsts):.2f} ms",
          flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--values", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--backpressure", type=int, default=100)
    a = p.parse_args()
    n = a.values
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        source = Source.remote()
        measure(f"task generator, {n} ints", n, a.warmup, a.rounds, lambda: ints.remote(n))
        measure(f"actor generator, {n} ints", n, a.warmup, a.rounds,
                lambda: source.ints.remote(n))
        b = a.backpressure
        measure(f"task generator, {n} ints, backpressure {b}", n, a.warmup, a.rounds,
                lambda: ints.options(_generator_backpressure_num_objects=b).remote(n))
        measure("task generator, 100 x 1 MiB", 100, a.warmup, a.rounds,
                lambda: mebibytes.remote(100))
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
