"""Ray's side of benchmarks/run startup: ray.init() to the first task's result, and the resident
memory of idle Ray worker processes. Uses Ray's public API only."""
import os
import sys
import time

import ray


@ray.remote
def one():
    return 1


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return -1
    return -1


def worker_pids():
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "default_worker.py" in cmd or cmd.startswith("ray::"):
            out.append(int(pid))
    return out


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for r in range(rounds):
        start = time.perf_counter()
        ray.init(include_dashboard=False, logging_level="ERROR")
        ray.get(one.remote())
        ms = (time.perf_counter() - start) * 1000
        print(f"init to first task result (round {r + 1}) ms {ms:.1f}")
        if r == 0:
            time.sleep(3)
            rss = [k for k in (rss_kib(p) for p in worker_pids()) if k > 0]
            mean = sum(rss) / len(rss) if rss else 0
            print(f"idle worker resident memory MiB {mean / 1024:.1f} ({len(rss)} workers: {rss} KiB)")
        ray.shutdown()


if __name__ == "__main__":
    main()
