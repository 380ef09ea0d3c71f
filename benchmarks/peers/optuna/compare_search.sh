#!/usr/bin/env bash
# Search quality in one run: Prism's TpeSearch and RandomSearch (benchmarks/run search), then
# Optuna's TPESampler and RandomSampler (tpe_quality.py), same functions, trials and seeds; the
# output goes to the terminal and to benchmarks/reports/<date>/tune-search/compare.md (another name:
# PRISM_REPORT_NAME=compare-40-seeds).
#   benchmarks/peers/optuna/compare_search.sh [--trials N] [--seeds N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
"$here/setup.sh"
out="$root/benchmarks/reports/$(date -u +%F)/tune-search"
mkdir -p "$out"
{
  echo "# Search quality: Prism ml-tune vs Optuna"
  echo
  echo "$(date -u '+%F %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ' (with local changes)'), $(nproc) cores"
  echo
  echo "## Prism (dev.prism.tune.search, in process)"
  echo
  "$root/benchmarks/run" search "$@"
  echo
  echo "## Optuna"
  echo
  "$here/.venv/bin/python" "$here/tpe_quality.py" "$@"
} | tee "$out/${PRISM_REPORT_NAME:-compare}.md"
