#!/usr/bin/env bash
# Creates the torch peer's virtualenv (benchmarks/peers/torch/.venv, git-ignored) from this
# machine's Python package index: torch's CPU build (gloo included) and numpy, for the collective
# (torch.distributed gloo) and training (Ray Train's TorchTrainer uses the Ray venv) comparisons.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="$here/.venv"
version="${PRISM_TORCH_VERSION:-2.13.0+cpu}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch.distributed as d, sys; sys.exit(not d.is_gloo_available())' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --retries 0 "torch==$version" numpy
"$venv/bin/python" -c 'import torch; print("torch", torch.__version__, "ready in", __import__("sys").prefix)'
