#!/usr/bin/env python3
"""Ray Train's TorchTrainer on the digits MLP: the peer of `benchmarks/run train`, same model
(64-128-10, Adam 0.003, cross-entropy), same data and split (rows with index % 5 == 0 held out,
features / 16), same global batch (64, split evenly over the workers, each epoch one shuffled
order shared by all workers), same clock (epochs after the warm-up ones, read on rank 0
after a barrier), CPU workers with gloo and one torch thread each, as Prism's workers use one.

    benchmarks/peers/ray/.venv/bin/python benchmarks/peers/ray/train_digits.py [--epochs N] [--warmup-epochs N] [--workers 1,2]
"""
import argparse
import gzip
import os
import tempfile
import time

import numpy as np
import ray
import ray.train
import torch
import torch.distributed as dist
from ray.train import RunConfig, ScalingConfig
from ray.train.torch import TorchTrainer

GLOBAL_BATCH = 64


def load(path):
    rows = np.loadtxt(gzip.open(path, "rt"), delimiter=",", dtype=np.float32)
    x = rows[:, :64] / 16.0
    y = rows[:, 64].astype(np.int64)
    test = np.arange(len(rows)) % 5 == 0
    return x[~test], y[~test], x[test], y[test]


def loop(config):
    torch.set_num_threads(1)
    torch.manual_seed(11)
    ctx = ray.train.get_context()
    rank, n = ctx.get_world_rank(), ctx.get_world_size()
    trx, try_, tex, tey = load(config["data"])
    trx, try_ = torch.from_numpy(trx), torch.from_numpy(try_)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    model = ray.train.torch.prepare_model(model)
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = GLOBAL_BATCH // n
    rows = len(trx)
    start, samples = 0.0, 0
    for epoch in range(config["epochs"]):
        if epoch == config["warmup"]:
            dist.barrier()
            start = time.perf_counter()
        order = torch.from_numpy(np.random.default_rng(42 + epoch).permutation(rows))
        for k in range(rows // GLOBAL_BATCH):
            idx = order[k * GLOBAL_BATCH + rank * batch: k * GLOBAL_BATCH + (rank + 1) * batch]
            opt.zero_grad()
            loss = loss_fn(model(trx[idx]), try_[idx])
            loss.backward()
            opt.step()
            if epoch >= config["warmup"]:
                samples += GLOBAL_BATCH
    dist.barrier()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred = model(torch.from_numpy(tex)).argmax(1).numpy()
    metrics = {"samples_per_s": samples / seconds, "seconds": seconds,
               "accuracy": float((pred == tey).mean())}
    # Ray Train 2.58 (Train v2) hands back only metrics reported with a checkpoint: rank 0 attaches
    # a tiny one, after the clock stopped.
    checkpoint = None
    if rank == 0:
        d = tempfile.mkdtemp(prefix="ckpt-")
        with open(os.path.join(d, "metrics.txt"), "w") as f:
            f.write(str(metrics))
        checkpoint = ray.train.Checkpoint.from_directory(d)
    ray.train.report(metrics, checkpoint=checkpoint)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--warmup-epochs", type=int, default=5)
    p.add_argument("--workers", default="1,2")
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../examples/src/main/resources/datasets/digits.csv.gz"))
    a = p.parse_args()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"ray {ray.__version__}, torch {torch.__version__}: TorchTrainer, digits MLP, global batch {GLOBAL_BATCH}, {a.epochs} epochs (the first {a.warmup_epochs} warm-up)")
    print(f"{'run':<22} {'samples/s':>14} {'seconds':>10} {'accuracy':>10}")
    storage = tempfile.mkdtemp(prefix="ray-train-bench-")
    for n in [int(w) for w in a.workers.split(",")]:
        trainer = TorchTrainer(loop, train_loop_config={"epochs": a.epochs, "warmup": a.warmup_epochs, "data": os.path.abspath(a.data)},
                               scaling_config=ScalingConfig(num_workers=n, use_gpu=False),
                               run_config=RunConfig(name=f"w{n}", storage_path=storage))
        m = trainer.fit().metrics
        label = f"Ray Train, {n} worker" + ("s" if n > 1 else "")
        print(f"{label:<22} {m['samples_per_s']:14.0f} {m['seconds']:10.2f} {m['accuracy']:10.4f}")
    ray.shutdown()


if __name__ == "__main__":
    main()
