"""Ray's side of benchmarks/run actors: how fast actors are created until N of them are alive
(each answered one call), and the memory their processes hold. Uses Ray's public API only.

usage: .venv/bin/python actor_creation.py [N]   (default 200)"""
import os
import sys
import time

import ray


@ray.remote(num_cpus=0)
class Actor:
    def ping(self):
        return b"ok"

    def pid(self):
        return os.getpid()


def kib(pid, field):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    ray.init()
    try:
        ray.get(Actor.remote().ping.remote())  # the cluster is up and one worker started
        start = time.perf_counter()
        actors = [Actor.remote() for _ in range(n)]
        ray.get([a.ping.remote() for a in actors])
        seconds = time.perf_counter() - start
        print(f"actor creation ({n} actors until alive) per second {n / seconds:.2f} +- 0.0")
        pids = ray.get([a.pid.remote() for a in actors])
        rss = sum(kib(p, "Rss") for p in pids) / 1024
        pss = sum(kib(p, "Pss") for p in pids) / 1024
        print(f"actor processes memory MiB: rss {rss:.0f} pss {pss:.0f} "
              f"(per actor: rss {rss / n:.1f} pss {pss / n:.1f})")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
