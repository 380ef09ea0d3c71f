#!/usr/bin/env bash
# Training throughput in one run: plain DJL, Prism (ml-train) with 1 and 2 workers, then Ray
# Train's TorchTrainer with 1 and 2 workers; same model, data, batches and clock.
#   benchmarks/peers/ray/compare_train.sh [--epochs N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/setup.sh"
if ! "$here/.venv/bin/python" -c 'import torch, pydantic' 2>/dev/null; then
  "$here/.venv/bin/pip" install -q --disable-pip-version-check --retries 0 "torch==${PRISM_TORCH_VERSION:-2.13.0+cpu}" pandas pyarrow fsspec pydantic
fi
echo "== Prism (ml-train on DJL) and plain DJL"
"$here/../../run" train "$@"
echo "== Ray Train (TorchTrainer, gloo)"
"$here/.venv/bin/python" "$here/train_digits.py" "$@"
