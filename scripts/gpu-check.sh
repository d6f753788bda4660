#!/usr/bin/env bash
# The GPU path, checked on a machine with an NVIDIA GPU (issue 12): builds the tensorflow-gpu
# backend (scripts/setup-native.sh --gpu: TensorFlow 2.21 and CUDA 12 from PyPI's wheels), prints
# the device TensorFlow sees and a matrix product timed on it, then runs `bench/train.ts --quick`,
# whose table puts tensorflow-gpu's training samples/s beside the other backends and PyTorch.
# Meant to finish within 5 minutes on a fresh machine (most of it is downloading the CUDA wheels,
# about 3 GB); each step says how long it took.
#
#   bash scripts/gpu-check.sh
#
# Needs: an NVIDIA driver for CUDA 12.5 or newer (nvidia-smi), Linux x86_64, Node.js >= 20 with npm,
# python3 with pip, make and g++ (scripts/setup-native.sh says what is missing).
# PyTorch on CUDA is measured beside it when a Python with a CUDA build of torch is found
# (GPU_CHECK_PYTHON, .tools/py/bin/python, python3) and bench/train.ts can run its peer on CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[gpu-check] %s\n' "$*"; }
fail() { printf '[gpu-check] error: %s\n' "$*" >&2; exit 1; }

began=$SECONDS
step_began=$SECONDS
step() {
  say "$1 ($((SECONDS - step_began)) s)"
  step_began=$SECONDS
}

# 1. A GPU and its driver, before anything slow.
command -v nvidia-smi >/dev/null ||
  fail "nvidia-smi not found: this check needs a machine with an NVIDIA GPU and its driver (the CPU backends are checked by npm test)"
gpus=$(nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader) ||
  fail "nvidia-smi found no usable GPU (is the driver loaded? nvidia-smi says why)"
[ -n "$gpus" ] || fail "nvidia-smi lists no GPU"
driver_cuda=$(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | cut -d' ' -f3 || true)
say "GPUs (index, name, driver, memory):"
printf '  %s\n' "$gpus"
say "the driver supports CUDA ${driver_cuda:-?}; the CUDA wheels of tensorflow[and-cuda]==2.21.0 need 12.5 or newer"
command -v node >/dev/null || fail "node not found: install Node.js 20 or newer"
[ "$(node -p 'Number(process.versions.node.split(".")[0]) >= 20')" = true ] || fail "Node.js $(node --version) is too old: 20 or newer"

# 2. The project's Node packages. Their install scripts are skipped: the stock native packages'
# would download libtensorflow 2.9.1 (CUDA 11.2), which the next step replaces anyway.
if [ ! -x node_modules/.bin/tsx ]; then
  say "installing the Node packages (npm ci --ignore-scripts)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
step "Node packages ready"

# 3. The tensorflow-gpu backend.
bash scripts/setup-native.sh --gpu
step "tensorflow-gpu backend built"

# 4. What TensorFlow sees, and whether ops run on it: the backend fails here, with the reason, when
# TensorFlow finds no GPU (DRIFTWATCH_TF_BACKEND=tensorflow-gpu never falls back to the CPU).
export DRIFTWATCH_TF_BACKEND=tensorflow-gpu
# The GPU's memory is taken as needed rather than all at start (other processes may share it).
export TF_FORCE_GPU_ALLOW_GROWTH=true
node_modules/.bin/tsx --eval "
import { describeBackend, initTensorflow } from '$PWD/src/training';
(async () => {
  const { tf, backend } = await initTensorflow();
  console.log('[gpu-check] backend: ' + describeBackend(backend));
  const n = 4096;
  const a = tf.randomNormal([n, n]);
  tf.matMul(a, a).dataSync();
  const runs = 20;
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) tf.tidy(() => tf.matMul(a, a).sum()).dataSync();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log('[gpu-check] float32 matMul ' + n + 'x' + n + ': ' + ((2 * n ** 3 * runs) / seconds / 1e12).toFixed(2) + ' TFLOP/s');
})().catch((error) => { console.error('[gpu-check] error: ' + (error instanceof Error ? error.message : String(error))); process.exit(1); });
"
step "device checked"

# 5. Training throughput. PyTorch on CUDA when a Python has it and the benchmark can run its peer there.
torch_python=
for candidate in "${GPU_CHECK_PYTHON:-}" .tools/py/bin/python python3; do
  if [ -z "$candidate" ] || ! command -v "$candidate" >/dev/null; then continue; fi
  if torch_device=$("$candidate" -c 'import torch; assert torch.cuda.is_available(); print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")' 2>/dev/null); then
    torch_python=$candidate
    break
  fi
done
bench_usage=$(node_modules/.bin/tsx bench/train.ts --help)
bench_options=(--quick --timeout-minutes 2)
if [ -z "$torch_python" ]; then
  say "PyTorch on CUDA: not measured (no Python with a CUDA build of torch; set GPU_CHECK_PYTHON to one)"
elif grep -q -- '--torch-device' <<<"$bench_usage"; then
  say "PyTorch on CUDA: $torch_device ($torch_python)"
  bench_options+=(--torch-device cuda --python "$torch_python")
else
  say "PyTorch on CUDA: $torch_device is importable, but bench/train.ts cannot run its peer on CUDA yet (no --torch-device option)"
fi
node_modules/.bin/tsx bench/train.ts "${bench_options[@]}"
step "training benchmark done"

total=$((SECONDS - began))
say "total ${total} s$([ "$total" -gt 300 ] && echo ' (over the 5 minutes this check is meant to take; the step times above say where)')"
