import { describe, expect, it } from 'vitest';
import { InvalidLabelsError } from '../../../src/errors';
import { createRng } from '../../../src/tuning';
import {
  BackendCrashError,
  BackendReplacedError,
  DEFAULT_HYPERPARAMETERS,
  type FeatureInput,
  MAX_CLASS_COUNT,
  type TrainInput,
  initTensorflow,
  predict,
  trainModel,
} from '../../../src/training';

// Issue 10: one multiclass label of 999999 among 401 rows crashed the WASM backend ("memory access out
// of bounds"), and every later training in the process failed the same way until a restart. These tests
// feed bad cases straight into trainModel, below ingest's checks.

const features: FeatureInput[] = [
  { name: 'x1', kind: 'numeric' },
  { name: 'x2', kind: 'numeric' },
];

const random = createRng(17);
const rows = Array.from({ length: 401 }, () => ({ x1: random() * 4 - 2, x2: random() * 4 - 2 }));
const labels: number[] = rows.map(({ x1, x2 }) => (x1 + x2 < -1 ? 0 : x1 + x2 < 1 ? 1 : 2));
const input: TrainInput = {
  task: 'multiclass_classification',
  features,
  rows,
  labels,
  hyperparameters: { ...DEFAULT_HYPERPARAMETERS, hiddenLayers: 1, hiddenUnits: 8, epochs: 3, batchSize: 32 },
  seed: 5,
};

/** Overwrites the WASM heap, malloc's state and the backend's tensor table included: every later op traps. */
async function corruptWasmHeap(): Promise<void> {
  const { tf } = await initTensorflow();
  (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.fill(0xff);
}

describe('one bad training does not poison the backend for the next', () => {
  it('refuses out-of-range labels before they reach the backend, and trains as before after them', async () => {
    const before = await trainModel(input);
    const strayLabel = [...labels];
    strayLabel[200] = 999_999;
    const refused = trainModel({ ...input, labels: strayLabel });
    await expect(refused).rejects.toBeInstanceOf(InvalidLabelsError);
    await expect(refused).rejects.toThrow(`multiclass labels must be below ${MAX_CLASS_COUNT} (at most ${MAX_CLASS_COUNT} classes), got 999999 at row 200`);
    const after = await trainModel(input);
    expect(after.artifact.weightDataBase64).toBe(before.artifact.weightDataBase64);
  });

  it('refuses regression labels whose scale float32 cannot hold, and non-finite labels', async () => {
    const regression = { ...input, task: 'regression' as const, labels: labels.map((label) => label * 1e37) };
    const { artifact } = await trainModel(regression);
    expect(Number.isFinite(artifact.labelStd) && artifact.labelStd < 3.4e38).toBe(true);
    const huge = [...regression.labels];
    huge[7] = 1e308;
    await expect(trainModel({ ...regression, labels: huge })).rejects.toThrow(/regression labels must lie within ±1e\+38 .*, got 1e\+308 at row 7/);
    const missing = [...regression.labels];
    missing[3] = Number.NaN;
    await expect(trainModel({ ...regression, labels: missing })).rejects.toThrow(/finite numbers, got NaN at row 3/);
  });

  it('replaces a crashed WASM backend: the run that crashed fails, the next trains as before', async (context) => {
    const { tf, backend } = await initTensorflow();
    if (backend.name !== 'wasm') context.skip();
    const before = await trainModel(input);
    const processListeners = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const listenersBefore = processListeners();
    await corruptWasmHeap();
    // The poisoned state of issue 10: any op traps.
    expect(() => tf.tensor1d([1, 2, 3])).toThrow('memory access out of bounds');

    const crashed = trainModel(input);
    await expect(crashed).rejects.toBeInstanceOf(BackendCrashError);
    await expect(crashed).rejects.toThrow('the wasm TensorFlow.js backend crashed (memory access out of bounds) and was replaced by a fresh one');
    const after = await trainModel(input);
    expect(after.artifact.weightDataBase64).toBe(before.artifact.weightDataBase64);
    expect(after.artifact.backend.name).toBe('wasm');
    // The crashed instance's listeners (which hold its heap) went with it.
    expect(processListeners()).toEqual(listenersBefore);
    expect(await predict(after.artifact, input.rows.slice(0, 5))).toEqual(await predict(before.artifact, input.rows.slice(0, 5)));
  });

  it('fails a run that shared the crashed backend with BackendReplacedError, so it can be retried', async (context) => {
    const { backend } = await initTensorflow();
    if (backend.name !== 'wasm') context.skip();
    let reachEpoch!: () => void;
    const epochReached = new Promise<void>((resolve) => (reachEpoch = resolve));
    let resumeEpoch!: () => void;
    const epochResumed = new Promise<void>((resolve) => (resumeEpoch = resolve));
    const sharing = trainModel({
      ...input,
      onEpoch: async () => {
        reachEpoch();
        await epochResumed;
      },
    });
    await epochReached;
    await corruptWasmHeap();
    await expect(trainModel(input)).rejects.toBeInstanceOf(BackendCrashError);
    resumeEpoch();
    await expect(sharing).rejects.toBeInstanceOf(BackendReplacedError);
    await expect(trainModel(input)).resolves.toMatchObject({ epochsTrained: 3 });
  });
});
