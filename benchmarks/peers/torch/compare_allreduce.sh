#!/usr/bin/env bash
# Prism's allreduce and torch.distributed gloo's, one after the other in one run, same sizes and
# protocol: benchmarks/peers/torch/compare_allreduce.sh [--max-mib N] [--ranks N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/setup.sh"
echo "== Prism (dev.prism.collective between worker JVMs: TCP ring below 1 MiB, shared memory from 1 MiB on one host)"
"$here/../../run" allreduce "$@"
echo "== torch.distributed (gloo)"
"$here/.venv/bin/python" "$here/allreduce.py" "$@"
