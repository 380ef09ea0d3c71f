#!/usr/bin/env python3
"""Runs Prism's and Ray's microbenchmarks on the same metrics, one after the other on this
machine, and prints metric | Prism | Ray | Prism/Ray. The Ray side is Ray's own
`ray microbenchmark`, unmodified (benchmarks/peers/ray/run.sh).

usage: benchmarks/peers/ray/compare.py [PATTERN] [--out DIR]
PATTERN selects metrics by substring, like Ray's TESTS_TO_RUN (default: all)."""
import argparse
import datetime
import json
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
LINE = re.compile(r"^(.+?) per second ([0-9.]+) \+- ([0-9.]+)\s*$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def parse(text):
    out = {}
    for line in text.splitlines():
        m = LINE.match(ANSI.sub("", line).strip())
        if m:
            out[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return out


def run(cmd, log):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    log.write_text(proc.stdout)
    if proc.returncode != 0:
        # Ray's `ray microbenchmark` ends with a Ray Client section that can fail on its own
        # (a timed-out client server); the metrics printed before still count.
        print(f"warning: {cmd[0]} exited with {proc.returncode}; see {log}", file=sys.stderr)
        if not parse(proc.stdout):
            sys.exit(f"{cmd[0]} printed no metric")
    return proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pattern", nargs="?", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--render", action="store_true",
                    help="only re-read the logs a previous run left in --out")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.render:
        prism = parse((out / "prism-micro.log").read_text())
        ray = parse((out / "ray-micro.log").read_text())
    else:
        prism = parse(run([str(ROOT / "benchmarks" / "run"), "micro", args.pattern],
                          out / "prism-micro.log"))
        ray = parse(run([str(HERE / "run.sh"), args.pattern], out / "ray-micro.log"))
    # Ray's "client: ..." metrics measure Ray Client (a remote-driver mode Prism does not have).
    names = list(prism) + [n for n in ray if n not in prism and not n.startswith("client:")]
    rows = []
    print(f"{'metric':<48} {'Prism':>14} {'Ray':>14} {'Prism/Ray':>10}")
    for n in names:
        p = prism.get(n)
        r = ray.get(n)
        ratio = p[0] / r[0] if p and r and r[0] > 0 else None
        rows.append({"metric": n, "prism": p and p[0], "prism_std": p and p[1],
                     "ray": r and r[0], "ray_std": r and r[1], "ratio": ratio})
        print(f"{n:<48} {p[0] if p else float('nan'):>14,.1f} "
              f"{r[0] if r else float('nan'):>14,.1f} "
              f"{(f'{ratio:.2f}x' if ratio else '-'):>10}")
    (out / "compare.json").write_text(json.dumps({
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "pattern": args.pattern, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
