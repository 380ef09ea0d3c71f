#!/usr/bin/env bash
# Tune overhead in one run: Prism's ml-tune (benchmarks/run tune, TuneOverhead), then Ray Tune 2.58
# (tune_overhead.py), same shapes, cluster size, warm-up and rounds, one after the other on this
# machine. Writes benchmarks/reports/<date>/tune-overhead/{prism.md,ray.md,compare.md} (and each
# side's JSON and per-round log) and prints the comparison (Prism/Ray per row).
#   benchmarks/peers/ray/compare_tune.sh [--trials N] [--concurrent N] [--report-seconds S]
#                                        [--rounds N] [--warmup-trials N] [--cpus N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
"$here/setup.sh"
# Ray Tune's own imports beyond ray's core (idempotent: only when one is missing).
if ! "$here/.venv/bin/python" -c 'import pandas, pyarrow, fsspec, pydantic' 2>/dev/null; then
  "$here/.venv/bin/pip" install -q --disable-pip-version-check --retries 0 pandas pyarrow fsspec pydantic
fi
out="$root/benchmarks/reports/$(date -u +%F)/tune-overhead"
mkdir -p "$out"
commit="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!benchmarks/reports' || echo ' (with local changes)')"
load_before=$(uptime)

echo "== Prism (ml-tune)" >&2
{
  echo "# Tune overhead: Prism ml-tune"
  echo
  echo "$(date -u '+%F %H:%M UTC'), commit $commit, $(nproc) cores; arguments: ${*:-(defaults)}"
  echo
  "$root/benchmarks/run" tune --json "$out/prism.json" "$@" 2> >(tee "$out/prism-rounds.txt" >&2)
} | tee "$out/prism.md"
load_mid=$(uptime)

echo "== Ray Tune" >&2
{
  echo "# Tune overhead: Ray Tune"
  echo
  echo "$(date -u '+%F %H:%M UTC'), commit $commit, $(nproc) cores; arguments: ${*:-(defaults)}"
  echo
  "$here/.venv/bin/python" "$here/tune_overhead.py" --json "$out/ray.json" "$@" \
    2> >(grep --line-buffered -E '^(round|warm-up)' | tee "$out/ray-rounds.txt" >&2)
} | tee "$out/ray.md"
load_after=$(uptime)
sleep 1

"$here/.venv/bin/python" - "$out" "$commit" "$load_before" "$load_mid" "$load_after" "$*" <<'EOF' | tee "$out/compare.md"
import json, sys, datetime
out, commit, before, mid, after, args = sys.argv[1:7]
p = json.load(open(f"{out}/prism.json"))["rows"]
rj = json.load(open(f"{out}/ray.json"))
r = rj["rows"]
notes = {
    "A": "same work: each trial reports once, the driver records it, the trial ends",
    "B-fifo": "not the same semantics: Prism's trial runs up to 256 reports ahead of the driver "
              "(nothing decides per result); each of Ray's reports waits for the driver",
    "B-decide": "same semantics: every report waits for the driver's decision (Prism: stop "
                "criterion training_iteration >= 1e12; Ray: the same stop criterion)",
}
def f(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"
print("# Tune overhead: Prism ml-tune vs Ray Tune", rj["version"])
print()
print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}; "
      f"arguments: {args or '(defaults)'}")
print()
print(f"- load before Prism: `{before.strip()}`")
print(f"- load between Prism and Ray: `{mid.strip()}`")
print(f"- load after Ray: `{after.strip()}`")
print()
print("Median of the rounds (min–max); every rate is over the whole `fit()`, runner/actor start-up "
      "included on both sides.")
print()
print("| shape | unit | Prism | Ray | Prism/Ray | note |")
print("| --- | --- | ---: | ---: | ---: | --- |")
for key in ["A", "B-fifo", "B-decide"]:
    a, b = p[key], r[key]
    label = a["label"].split(" (Prism")[0].split(" (every")[0]
    print(f"| {label} | {a['unit']} | {f(a['median'])} ({f(a['min'])}–{f(a['max'])}) | "
          f"{f(b['median'])} ({f(b['min'])}–{f(b['max'])}) | "
          f"{a['median'] / b['median']:.2f}× | {notes[key]} |")
EOF
