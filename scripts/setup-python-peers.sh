#!/usr/bin/env bash
# Creates .tools/py, a virtual environment with the Python peers driftwatch is checked against
# (scipy, Evidently, Optuna, PyTorch, ...): used to regenerate test fixtures and by the benchmarks,
# never at runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .tools/py/bin/python ] || ! cmp -s scripts/python-peers.txt .tools/py/.installed-peers; then
  echo "[setup] installing Python peers into .tools/py (scripts/python-peers.txt)"
  python3 -m venv .tools/py
  .tools/py/bin/pip install --quiet --disable-pip-version-check -r scripts/python-peers.txt
  # torch==2.13.0 must resolve to the CPU wheel; a CUDA build drags in gigabytes of nvidia-* packages.
  if .tools/py/bin/pip list 2>/dev/null | grep -qi '^nvidia-'; then
    echo "[setup] warning: nvidia-* packages in .tools/py: pip installed a CUDA build of PyTorch, not the CPU wheel" >&2
  fi
  cp scripts/python-peers.txt .tools/py/.installed-peers
fi
