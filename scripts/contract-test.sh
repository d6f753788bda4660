#!/usr/bin/env bash
# Contract test of the HTTP API: schemathesis generates requests from the served OpenAPI document
# (valid and invalid ones) and checks every answer: no 5xx, status codes, content types and bodies as
# documented, invalid input refused, auth enforced. Runs against a fresh database seeded with the
# example model, a drift report and an admin key, with a worker so operations complete.
#
# Temporal: TEMPORAL_ADDRESS if set, else the local dev server (started if needed, like any command).
# CONTRACT_MAX_EXAMPLES bounds the generated cases per operation (default 25: under a minute here).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-25}"
ST=.tools/venv/bin/st
say() { echo "[contract-test] $*" >&2; }

if ! "$ST" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  say "installing schemathesis==$SCHEMATHESIS_VERSION into .tools/venv"
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

BASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/driftwatch}"
DB_NAME="driftwatch_contract_$$_${RANDOM}"
export DATABASE_URL="${BASE_URL%/*}/${DB_NAME}"
export DRIFTWATCH_TASK_QUEUE="contract-${DB_NAME}"
# Its worker must not claim the metrics ports a worker of the machine may hold.
export DRIFTWATCH_METRICS_PORT=0 DRIFTWATCH_TEMPORAL_METRICS_PORT=0
# Workflow IDs are per model: a model of its own keeps this run off the workflows of any real one.
export CONTRACT_MODEL="contract-$$-${RANDOM}"
WORK="$(mktemp -d)"
export DRIFTWATCH_ARTIFACT_DIR="$WORK/artifacts"
TSX=node_modules/.bin/tsx
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$TSX" scripts/contract-fixture.ts teardown || say "could not tear down $CONTRACT_MODEL ($DATABASE_URL)"
  rm -rf "$WORK"
}
trap cleanup EXIT

KEY="$("$TSX" scripts/contract-fixture.ts seed)"

# The worker first: without TEMPORAL_ADDRESS it may start the local dev server, which the service then finds.
"$TSX" src/cli.ts worker > "$WORK/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do
  grep -q 'worker running' "$WORK/worker.log" && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$WORK/worker.log" >&2; say "the worker did not start"; exit 1; }
  sleep 0.5
done
grep -q 'worker running' "$WORK/worker.log" || { cat "$WORK/worker.log" >&2; say "the worker did not start in 2 minutes"; exit 1; }

"$TSX" src/cli.ts serve --port 0 > "$WORK/service.log" 2>&1 &
pids+=($!)
URL=""
for _ in $(seq 1 120); do
  URL="$(grep -o 'serving http://[^ ]*' "$WORK/service.log" | head -n 1 | cut -d' ' -f2 || true)"
  [ -n "$URL" ] && break
  kill -0 "${pids[1]}" 2>/dev/null || { cat "$WORK/service.log" >&2; say "the service did not start"; exit 1; }
  sleep 0.5
done
[ -n "$URL" ] || { cat "$WORK/service.log" >&2; say "the service did not print its URL"; exit 1; }
say "service at $URL, schemathesis $SCHEMATHESIS_VERSION, $MAX_EXAMPLES examples per operation"

status=0
"$ST" --config-file scripts/schemathesis.toml run "$URL/openapi.json" \
  --header "Authorization: Bearer $KEY" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --seed 1 \
  --generation-database none \
  --workers 1 \
  --request-timeout 60 \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  say "schemathesis failed (exit $status); the service's errors:"
  grep '"level":50' "$WORK/service.log" | head -n 20 >&2 || true
fi
exit "$status"
