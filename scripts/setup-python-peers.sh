#!/usr/bin/env bash
# Creates .tools/py, a virtual environment with the Python peers driftwatch is checked against
# (scipy, Evidently, ...): used to regenerate test fixtures and by the benchmarks, never at runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .tools/py/bin/python ] || ! cmp -s scripts/python-peers.txt .tools/py/.installed-peers; then
  echo "[setup] installing Python peers into .tools/py (scripts/python-peers.txt)"
  python3 -m venv .tools/py
  .tools/py/bin/pip install --quiet --disable-pip-version-check -r scripts/python-peers.txt
  cp scripts/python-peers.txt .tools/py/.installed-peers
fi
