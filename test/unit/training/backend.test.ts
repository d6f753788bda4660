import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKEND_ENV_VAR, initTensorflow } from '../../../src/training';

// The optional native packages (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) are not installable
// on this machine, so these tests exercise the fallback path. Order matters: the backend is memoised
// per process once a load succeeds, so the failing forced loads run first.
describe('initTensorflow', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails with the reason when a forced backend cannot load', async () => {
    await expect(initTensorflow('tensorflow-gpu')).rejects.toThrow(
      /"tensorflow-gpu" was requested but @tensorflow\/tfjs-node-gpu failed: Cannot find module/,
    );
  });

  it(`takes a forced backend from ${BACKEND_ENV_VAR} and rejects unknown names`, async () => {
    vi.stubEnv(BACKEND_ENV_VAR, 'tensorflow');
    await expect(initTensorflow()).rejects.toThrow(/"tensorflow" was requested but @tensorflow\/tfjs-node failed/);
    vi.stubEnv(BACKEND_ENV_VAR, 'gpu');
    await expect(initTensorflow()).rejects.toThrow(/DRIFTWATCH_TF_BACKEND must be one of .*got "gpu"/);
  });

  it('falls back to wasm and says why the native backends were skipped', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, '');
    const { tf, backend } = await initTensorflow();
    // wasm works here; cpu is the last resort where WebAssembly cannot start.
    expect(['wasm', 'cpu']).toContain(backend.name);
    expect(backend.detail).toMatch(/^tfjs-node-gpu: Cannot find module '@tensorflow\/tfjs-node-gpu'; tfjs-node: Cannot find module/);
    expect(backend.detail).not.toContain('\n');
    expect(tf.getBackend()).toBe(backend.name);
    expect(tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().arraySync())).toBe(6);
  });

  it('is memoised and refuses to switch backends later', async () => {
    const first = await initTensorflow('auto');
    expect(await initTensorflow(first.backend.name)).toBe(first);
    const other = first.backend.name === 'wasm' ? 'cpu' : 'wasm';
    await expect(initTensorflow(other)).rejects.toThrow(`already running on the ${first.backend.name} backend; cannot switch to ${other}`);
  });
});
