#!/usr/bin/env bash
# Actor creation, Prism then Ray, on this machine in one run:
#   benchmarks/peers/ray/compare_actors.sh [N]   (default 200 actors)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
n=${1:-200}
"$here/setup.sh" >&2
echo "== Prism"
"$root/benchmarks/run" actors "$n"
echo "== Ray $("$here/.venv/bin/python" -c 'import ray; print(ray.__version__)')"
RAY_USAGE_STATS_ENABLED=0 "$here/.venv/bin/python" "$here/actor_creation.py" "$n"
