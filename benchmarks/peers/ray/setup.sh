#!/usr/bin/env bash
# Creates the Ray peer's virtualenv (benchmarks/peers/ray/.venv, git-ignored) from this machine's
# Python package index: ray 2.58.0 (Ray's own, unmodified code), numpy, grpcio.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="$here/.venv"
if [ -x "$venv/bin/ray" ] && "$venv/bin/python" -c 'import ray, sys; sys.exit(ray.__version__ != "2.58.0")' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
# --retries 0: an unreachable default index then fails fast and pip goes on with the
# machine's own index.
"$venv/bin/pip" install -q --disable-pip-version-check --retries 0 "ray==2.58.0" numpy grpcio
"$venv/bin/python" -c 'import ray; print("ray", ray.__version__, "ready in", __import__("sys").prefix)'
