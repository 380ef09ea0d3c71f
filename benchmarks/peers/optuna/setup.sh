#!/usr/bin/env bash
# Creates the Optuna peer's virtualenv (benchmarks/peers/optuna/.venv, git-ignored) from this
# machine's Python package index, for the search-quality comparison (tpe_quality.py).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="$here/.venv"
version="${PRISM_OPTUNA_VERSION:-5.0.0}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import optuna' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --retries 0 "optuna==$version"
"$venv/bin/python" -c 'import optuna, sys; print("optuna", optuna.__version__, "ready in", sys.prefix)'
