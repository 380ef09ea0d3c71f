#!/usr/bin/env bash
# Runs Ray's own `ray microbenchmark` (ray/_private/ray_perf.py, unmodified) on this machine.
#   benchmarks/peers/ray/run.sh [PATTERN]   PATTERN is Ray's TESTS_TO_RUN substring filter,
#                                          e.g. "Plasma Store" or "single client put gigabytes".
# Prints Ray's own lines: "<metric> per second <mean> +- <std>".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/setup.sh" >&2
export TESTS_TO_RUN="${1:-}"
export RAY_USAGE_STATS_ENABLED=0
exec "$here/.venv/bin/ray" microbenchmark
