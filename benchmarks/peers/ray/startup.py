"""Ray's side of benchmarks/run startup: ray.init() to the first task's result, and the memory of
idle Ray worker processes, resident (RSS) and proportional (PSS). Uses Ray's public API only."""
import os
import sys
import time

import ray


@ray.remote
def one():
    return 1


def kib(pid, field):
    """A field of /proc/PID/smaps_rollup in KiB, or -1 when the process is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return -1
    return -1


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


def worker_pids():
    out = []
    for pid in descendants(os.getpid()):
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
            pids = worker_pids()
            for label, field in (("resident", "Rss"), ("proportional", "Pss")):
                kibs = [k for k in (kib(p, field) for p in pids) if k > 0]
                mean = sum(kibs) / len(kibs) if kibs else 0
                print(f"idle worker {label} memory MiB {mean / 1024:.1f} "
                      f"({len(kibs)} workers: {kibs} KiB)")
        ray.shutdown()


if __name__ == "__main__":
    main()
