#!/usr/bin/env python3
"""Allreduce (SUM, float32) between N processes of this machine with torch.distributed's gloo
backend, sizes 1 KiB to 256 MiB: the peer of `benchmarks/run allreduce`, with the same protocol
(per size: 5 warm-up calls, then 5 rounds of clamp(256 MiB / size, 5, 200) calls; each round's
time per call; mean and population standard deviation over rounds; bus bandwidth as NCCL reports
it, size / time * 2 (n - 1) / n).

    benchmarks/peers/torch/.venv/bin/python benchmarks/peers/torch/allreduce.py [--max-mib N] [--ranks N]
"""
import argparse
import os
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def calls(size):
    return max(5, min(200, (256 << 20) // size))


def worker(rank, ranks, sizes, port, queue):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=ranks)
    out = []
    for size in sizes:
        t = torch.ones(size // 4, dtype=torch.float32)
        n = calls(size)
        for _ in range(5):
            dist.all_reduce(t, op=dist.ReduceOp.SUM)
        rounds = []
        for _ in range(5):
            dist.barrier()
            start = time.perf_counter()
            for _ in range(n):
                dist.all_reduce(t, op=dist.ReduceOp.SUM)
            rounds.append((time.perf_counter() - start) / n)
        out.append((size, statistics.mean(rounds), statistics.pstdev(rounds)))
    if rank == 0:
        queue.put(out)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--max-mib", type=int, default=256)
    p.add_argument("--ranks", type=int, default=2)
    a = p.parse_args()
    sizes = []
    s = 1024
    while s <= a.max_mib << 20:
        sizes.append(s)
        s *= 4
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    port = 29500 + os.getpid() % 1000
    procs = [ctx.Process(target=worker, args=(r, a.ranks, sizes, port, queue)) for r in range(a.ranks)]
    for pr in procs:
        pr.start()
    result = queue.get()
    for pr in procs:
        pr.join()
    factor = 2.0 * (a.ranks - 1) / a.ranks
    print(f"torch {torch.__version__} gloo, {a.ranks} processes")
    print(f"{'size':<10} {'time (us)':>14} {'+- (us)':>12} {'busbw (GB/s)':>14}")
    for size, mean, sd in result:
        human = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"
        print(f"{human:<10} {mean * 1e6:14.1f} {sd * 1e6:12.1f} {size / mean * factor / 1e9:14.3f}")


if __name__ == "__main__":
    main()
