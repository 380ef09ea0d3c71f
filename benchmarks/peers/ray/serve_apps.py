#!/usr/bin/env python3
"""Ray Serve applications for the serving comparison (compare_serve.sh): one per shape, deployed by
name, on a local Ray cluster of 2 CPUs started by this process (ray.init(num_cpus=2), Ray Serve's
own "serve.run from a script" shape). Prints READY once the application answers and blocks until
SIGTERM or SIGINT, which shuts Serve down and stops the cluster (serve.shutdown, ray.shutdown).

    benchmarks/peers/ray/.venv/bin/python benchmarks/peers/ray/serve_apps.py noop [--replicas 1|2]
    benchmarks/peers/ray/.venv/bin/python benchmarks/peers/ray/serve_apps.py digits [--random-weights]
    common: [--port 8000] [--access-log]

noop   GET (or any method) / -> {"ok": true}. The shape of Ray Serve 2.58's own no-op benchmark
       deployment (`Noop` in ray/serve/_private/benchmarks/common.py, used by
       http_noop_latency.py): a plain `def __call__` returning a constant and, in `__init__`, the
       replica's "ray.serve" logger set to WARNING (Ray's benchmarks do this to turn the per-request
       access log off); here the constant is the JSON {"ok": true} instead of b"". Ray's defaults
       otherwise (max_ongoing_requests 5 per replica, one proxy on the head node).
digits POST /digits {"pixels": [64 floats]} -> {"digit": k}. The MLP of Prism's digits classifier
       (examples/.../Digits.java: Linear(64, 128), ReLU, Linear(128, 10); inputs are the CSV's
       0..16 values divided by 16), trained at start-up for a few epochs on the digits CSV with a
       fixed seed (about a second; --random-weights skips it), answered in batches:
       @serve.batch(max_batch_size=10, batch_wait_timeout_s=0.01). max_ongoing_requests is 10,
       not Ray's default 5: with 5 a replica can never form a batch of 10 (Ray logs a warning
       saying to raise it to max_batch_size * max_concurrent_batches).

--access-log keeps Ray Serve's default per-request access log in the replicas (Ray's own
benchmarks turn it off; the proxy's logging is Ray's default either way).
"""
import argparse
import gzip
import logging
import os
import signal
import sys
import threading
import time
import urllib.request

import ray
from ray import serve

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DIGITS_CSV = os.path.join(ROOT, "examples", "src", "main", "resources", "datasets", "digits.csv.gz")


def quiet_access_log(enabled):
    if not enabled:
        # As Ray's own benchmark deployments do ("Turn off access log.").
        logging.getLogger("ray.serve").setLevel(logging.WARNING)


@serve.deployment
class Noop:
    def __init__(self, access_log: bool = False):
        quiet_access_log(access_log)

    def __call__(self, *args, **kwargs):
        return {"ok": True}


def train_digits(path, seed=11, epochs=10):
    """A few epochs of Adam (lr 0.003, batch 64) on all 1,797 rows: the same net as Digits.java."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    if path is None:
        return net.eval(), None
    rows = np.loadtxt(gzip.open(path, "rt"), delimiter=",", dtype=np.float32)
    x = torch.from_numpy(rows[:, :64] / 16.0)
    y = torch.from_numpy(rows[:, 64].astype(np.int64))
    opt = torch.optim.Adam(net.parameters(), lr=0.003)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for k in range(0, len(x), 64):
            idx = order[k:k + 64]
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        accuracy = float((net(x).argmax(1) == y).float().mean())
    return net, accuracy


@serve.deployment(max_ongoing_requests=10)
class DigitsClassifier:
    def __init__(self, data_path, access_log: bool = False):
        import torch

        quiet_access_log(access_log)
        self.torch = torch
        start = time.perf_counter()
        self.net, accuracy = train_digits(data_path)
        logging.getLogger("ray.serve").warning(
            "digits MLP ready in %.2f s (training accuracy %s, torch threads %d)",
            time.perf_counter() - start, accuracy, torch.get_num_threads())

    @serve.batch(max_batch_size=10, batch_wait_timeout_s=0.01)
    async def predict(self, pixels_batch):
        with self.torch.no_grad():
            x = self.torch.tensor(pixels_batch, dtype=self.torch.float32)
            digits = self.net(x).argmax(1).tolist()
        return [{"digit": d} for d in digits]

    async def __call__(self, request):
        body = await request.json()
        pixels = body["pixels"]
        if len(pixels) != 64:
            raise ValueError(f"expected 64 pixels, got {len(pixels)}")
        return await self.predict(pixels)


def probe(port, shape):
    """One request that must answer 200 before READY is printed."""
    if shape == "digits":
        body = ('{"pixels": [' + ", ".join(["0.5"] * 64) + "]}").encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/digits", data=body,
                                     headers={"Content-Type": "application/json"})
    else:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/")
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shape", choices=["noop", "digits"])
    p.add_argument("--replicas", type=int, default=1)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--access-log", action="store_true")
    p.add_argument("--random-weights", action="store_true")
    p.add_argument("--data", default=DIGITS_CSV)
    a = p.parse_args()

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=a.cpus)
    # After ray.init: Ray installs its own fatal-signal handler, which would print a stack trace
    # and end the process before serve.shutdown() ran.
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    serve.start(http_options={"host": "127.0.0.1", "port": a.port})
    if a.shape == "noop":
        app = Noop.options(num_replicas=a.replicas).bind(a.access_log)
        serve.run(app, name="noop", route_prefix="/")
    else:
        data = None if a.random_weights else a.data
        app = DigitsClassifier.options(num_replicas=a.replicas).bind(data, a.access_log)
        serve.run(app, name="digits", route_prefix="/digits")
    status, body = probe(a.port, a.shape)
    print(f"READY {a.shape} replicas={a.replicas} port={a.port} probe={status} {body}", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        print("stopping", flush=True)
        try:
            serve.shutdown()
        finally:
            ray.shutdown()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
