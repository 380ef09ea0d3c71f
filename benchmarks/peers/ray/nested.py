"""Ray's side of benchmarks/run nested: a recursive fib where each task submits fib(n-1) and
fib(n-2) and gets both (fib(n < 2) = n, no memoisation; fib(10) is 177 tasks, fib(15) 1,973), on a
fresh local cluster of 2 CPUs: the first fib(10) call right after ray.init(), later fib(10) calls,
then fib(15) (a first call, then later calls). Every call has a timeout; after one that times out
(its row reads "timed out after S s") the later rows are not run: its tasks still occupy the
cluster. The most Ray worker processes alive at once is sampled every second. Ray's public API
only; the output lines are those of Prism's side.

usage: .venv/bin/python nested.py [--rounds N] [--timeout-seconds S] [--no-fib15] [--cpus N]
                                  [--fib N]"""
import argparse
import os
import statistics
import threading
import time

import ray


@ray.remote
def fib(n):
    if n < 2:
        return n
    a = fib.remote(n - 1)
    b = fib.remote(n - 2)
    return ray.get(a) + ray.get(b)


def tasks(n):
    return 1 if n < 2 else 1 + tasks(n - 1) + tasks(n - 2)


def expected(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


class TimedOut(Exception):
    pass


def descendants(root):
    """The pids of root's descendant processes (a local cluster's raylet, and its workers, are
    children of the driver that started it: Ray processes of other clusters are not counted)."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(pid))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def worker_processes():
    count = 0
    for pid in descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "default_worker.py" in cmd or cmd.startswith("ray::"):
            count += 1
    return count


def call(n, timeout):
    start = time.perf_counter()
    ref = fib.remote(n)
    try:
        result = ray.get(ref, timeout=timeout)
    except ray.exceptions.GetTimeoutError:
        ray.cancel(ref, force=True, recursive=True)
        raise TimedOut(f"timed out after {timeout} s")
    seconds = time.perf_counter() - start
    if result != expected(n):
        raise RuntimeError(f"fib({n}) returned {result}")
    print(f"  fib({n}) took {seconds:.3f} s", flush=True)
    return seconds


def report(metric, seconds):
    print(f"{metric} seconds {statistics.mean(seconds):.3f} +- {statistics.pstdev(seconds):.3f}",
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout-seconds", type=int, default=600)
    ap.add_argument("--no-fib15", action="store_true")
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--fib", type=int, default=10,
                    help="the smaller size (default 10; a smaller one checks that it runs)")
    args = ap.parse_args()
    if args.rounds < 1 or args.timeout_seconds < 1 or args.cpus < 1 or not 1 <= args.fib <= 30:
        ap.error("--rounds, --timeout-seconds and --cpus must be >= 1, --fib within 1..30")
    small = args.fib
    steps = [(f"nested tasks fib({small}), first call after init", small, 1),
             (f"nested tasks fib({small}), later calls", small, args.rounds)]
    if not args.no_fib15:
        steps += [("nested tasks fib(15), first call", 15, 1),
                  ("nested tasks fib(15), later calls", 15, args.rounds)]
    most = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            most[0] = max(most[0], worker_processes())
            stop.wait(1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ray.init(num_cpus=args.cpus, include_dashboard=False, logging_level="ERROR")
    try:
        print(f"nested tasks: {args.cpus} CPUs, fib({small}) = {tasks(small)} tasks, "
              f"fib(15) = {tasks(15)} tasks", flush=True)
        timed_out = False
        for metric, n, calls in steps:
            if timed_out:
                # The timed-out call's tasks still occupy the cluster: what follows would not
                # measure.
                print(f"{metric} not run (an earlier call timed out)", flush=True)
                continue
            try:
                report(metric, [call(n, args.timeout_seconds) for _ in range(calls)])
            except TimedOut as e:
                print(f"{metric} {e}", flush=True)
                timed_out = True
    finally:
        stop.set()
        sampler.join()
        most[0] = max(most[0], worker_processes())
        print(f"nested tasks, most worker processes at once count {most[0]}", flush=True)
        ray.shutdown()


if __name__ == "__main__":
    main()
