import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BackendInfo, type NativeBinding, describeBackend, nativeRuntime, settleGpuBackend } from '../../../src/training/backend';
import { BACKEND_ENV_VAR, initTensorflow } from '../../../src/training';
import { isInstalled } from './installed';

// tfjs-node is there after `npm run setup:native` (test/unit/training/backend-native.test.ts covers it);
// the stock install of either native package fails where libtensorflow cannot be downloaded.
const nativeInstalled = isInstalled('@tensorflow/tfjs-node');
const gpuInstalled = isInstalled('@tensorflow/tfjs-node-gpu');

// The backend is memoised per process once a load succeeds, so the failing forced loads run first.
describe('initTensorflow', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.skipIf(gpuInstalled)('fails with the reason when a forced backend cannot load', async () => {
    await expect(initTensorflow('tensorflow-gpu')).rejects.toThrow(
      /"tensorflow-gpu" was requested but @tensorflow\/tfjs-node-gpu failed: Cannot find module/,
    );
  });

  it('rejects unknown names in DRIFTWATCH_TF_BACKEND', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, 'gpu');
    await expect(initTensorflow()).rejects.toThrow(/DRIFTWATCH_TF_BACKEND must be one of .*got "gpu"/);
  });

  it.skipIf(nativeInstalled)(`takes a forced backend from ${BACKEND_ENV_VAR}`, async () => {
    vi.stubEnv(BACKEND_ENV_VAR, 'tensorflow');
    await expect(initTensorflow()).rejects.toThrow(/"tensorflow" was requested but @tensorflow\/tfjs-node failed/);
  });

  it.skipIf(nativeInstalled || gpuInstalled)('falls back to wasm and says why the native backends were skipped', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, '');
    const { tf, backend } = await initTensorflow();
    // wasm works here; cpu is the last resort where WebAssembly cannot start.
    expect(['wasm', 'cpu']).toContain(backend.name);
    expect(backend.device).toBe('CPU');
    expect(backend.tensorflowVersion).toBeUndefined();
    expect(backend.detail).toMatch(/^tfjs-node-gpu: Cannot find module '@tensorflow\/tfjs-node-gpu'; tfjs-node: Cannot find module/);
    expect(backend.detail).not.toContain('\n');
    expect(tf.getBackend()).toBe(backend.name);
    expect(tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().arraySync())).toBe(6);
  });

  it('is memoised and refuses to switch backends later', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, '');
    const first = await initTensorflow('auto');
    expect(await initTensorflow(first.backend.name)).toBe(first);
    const other = first.backend.name === 'wasm' ? 'cpu' : 'wasm';
    await expect(initTensorflow(other)).rejects.toThrow(`already running on the ${first.backend.name} backend; cannot switch to ${other}`);
  });
});

function binding(version: string, onGpu: boolean): NativeBinding {
  return { TF_Version: version, isUsingGpuDevice: () => onGpu };
}

describe('nativeRuntime', () => {
  it('reports the TensorFlow version and the CPU, without asking for a GPU name', () => {
    const gpuName = vi.fn(() => 'NVIDIA H200');
    expect(nativeRuntime(binding('2.21.0', false), gpuName)).toEqual({ tensorflowVersion: '2.21.0', device: 'CPU' });
    expect(gpuName).not.toHaveBeenCalled();
  });

  it('names the GPU TensorFlow runs on, or says GPU when the name is unknown', () => {
    expect(nativeRuntime(binding('2.21.0', true), () => 'NVIDIA H200')).toEqual({ tensorflowVersion: '2.21.0', device: 'GPU NVIDIA H200' });
    expect(nativeRuntime(binding('2.21.0', true), () => null).device).toBe('GPU');
  });
});

describe('settleGpuBackend', () => {
  const gpuPackageOnCpu: BackendInfo = { name: 'tensorflow-gpu', package: '@tensorflow/tfjs-node-gpu', tensorflowVersion: '2.21.0', device: 'CPU' };

  it('refuses a forced tensorflow-gpu that sees no GPU, and says what to check', () => {
    expect(() => settleGpuBackend(gpuPackageOnCpu, 'forced')).toThrow(
      /"tensorflow-gpu" was requested but TensorFlow 2\.21\.0 sees no GPU.*nvidia-smi.*CUDA_VISIBLE_DEVICES.*setup-native\.sh --gpu/,
    );
  });

  it('in auto mode reports it as the tensorflow backend on the CPU, from the GPU package', () => {
    expect(settleGpuBackend(gpuPackageOnCpu, 'auto')).toEqual({
      ...gpuPackageOnCpu, name: 'tensorflow', detail: 'tfjs-node-gpu: TensorFlow sees no GPU, running on the CPU',
    });
  });

  it('leaves a GPU that TensorFlow sees, and every other backend, as they are', () => {
    const onGpu: BackendInfo = { ...gpuPackageOnCpu, device: 'GPU NVIDIA H200' };
    const wasm: BackendInfo = { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'CPU' };
    for (const backend of [onGpu, wasm]) {
      expect(settleGpuBackend(backend, 'forced')).toBe(backend);
      expect(settleGpuBackend(backend, 'auto')).toBe(backend);
    }
  });
});

describe('describeBackend', () => {
  it('says backend, package, TensorFlow version and device in one line', () => {
    expect(describeBackend({ name: 'tensorflow', package: '@tensorflow/tfjs-node', tensorflowVersion: '2.21.0', device: 'CPU' }))
      .toBe('tensorflow (@tensorflow/tfjs-node, TensorFlow 2.21.0) on CPU');
    expect(describeBackend({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'CPU' })).toBe('wasm (@tensorflow/tfjs-backend-wasm) on CPU');
    // An artifact saved before the device was recorded.
    expect(describeBackend({ name: 'cpu', package: '@tensorflow/tfjs' })).toBe('cpu (@tensorflow/tfjs)');
  });
});
