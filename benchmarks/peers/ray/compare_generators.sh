#!/usr/bin/env bash
# Streaming generators, Prism then Ray, on this machine in one run (same shapes and protocol):
#   benchmarks/peers/ray/compare_generators.sh [--values N] [--rounds R] [--warmup W] [--backpressure B]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
"$here/setup.sh" >&2
echo "== Prism"
"$root/benchmarks/run" generators "$@"
echo "== Ray $("$here/.venv/bin/python" -c 'import ray; print(ray.__version__)')"
RAY_USAGE_STATS_ENABLED=0 "$here/.venv/bin/python" "$here/generators.py" "$@"
