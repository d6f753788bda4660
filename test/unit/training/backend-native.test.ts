import { describe, expect, it, vi } from 'vitest';
import { BACKEND_ENV_VAR, DEFAULT_HYPERPARAMETERS, initTensorflow, trainModel } from '../../../src/training';
import { isInstalled } from './installed';

// Runs where `npm run setup:native` built tfjs-node, and always under `npm run test:native` (CI), where
// DRIFTWATCH_TF_BACKEND=tensorflow makes a missing build fail here instead of skipping.
describe.runIf(isInstalled('@tensorflow/tfjs-node') || process.env[BACKEND_ENV_VAR] === 'tensorflow')('the native tensorflow backend', () => {
  it('reports its TensorFlow version and device, and records them in the artifacts it trains', async () => {
    vi.stubEnv(BACKEND_ENV_VAR, 'tensorflow');
    const { tf, backend } = await initTensorflow();
    expect(backend).toMatchObject({ name: 'tensorflow', package: '@tensorflow/tfjs-node', device: 'CPU' });
    expect(backend.tensorflowVersion).toMatch(/^2\.\d+\.\d+/);
    expect(tf.getBackend()).toBe('tensorflow');

    const rows = Array.from({ length: 64 }, (_, i) => ({ x: i / 64 }));
    const { artifact } = await trainModel({
      task: 'binary_classification',
      features: [{ name: 'x', kind: 'numeric' }],
      rows,
      labels: rows.map(({ x }) => (x > 0.5 ? 1 : 0)),
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, hiddenLayers: 1, hiddenUnits: 4, epochs: 2, batchSize: 16 },
      seed: 1,
    });
    expect(JSON.parse(JSON.stringify(artifact.backend))).toEqual(backend);
  });
});
