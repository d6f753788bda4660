import { beforeAll, describe, expect, it } from 'vitest';
import { scorePredictions } from '../../../src/metrics';
import { createRng } from '../../../src/tuning';
import {
  DEFAULT_HYPERPARAMETERS,
  type EpochProgress,
  type FeatureInput,
  type Hyperparameters,
  type TrainResult,
  predict,
  trainModel,
} from '../../../src/training';

const features: FeatureInput[] = [
  { name: 'x1', kind: 'numeric' },
  { name: 'x2', kind: 'numeric' },
  { name: 'x3', kind: 'numeric' },
  { name: 'segment', kind: 'categorical' },
];
const SEGMENT_SHIFT: Record<string, number> = { a: -1, b: 0, c: 1 };

/** Label 1 iff 2·x1 − x2 + shift(segment) > 0: separable up to the noise in x3, which the label ignores. */
function syntheticClassification(count: number, seed: number) {
  const random = createRng(seed);
  const rows = Array.from({ length: count }, () => ({
    x1: random() * 4 - 2,
    x2: random() * 4 - 2,
    x3: random() * 100,
    segment: ['a', 'b', 'c'][Math.floor(random() * 3)]!,
  }));
  const labels = rows.map((row) => (2 * row.x1 - row.x2 + SEGMENT_SHIFT[row.segment]! > 0 ? 1 : 0));
  return { rows, labels };
}

const hyperparameters: Hyperparameters = {
  ...DEFAULT_HYPERPARAMETERS,
  hiddenLayers: 1,
  hiddenUnits: 16,
  learningRate: 0.01,
  epochs: 15,
  batchSize: 32,
};

describe('trainModel', () => {
  const training = syntheticClassification(500, 1);
  const heldOut = syntheticClassification(300, 2);
  const progress: EpochProgress[] = [];
  let result: TrainResult;

  beforeAll(async () => {
    result = await trainModel({
      task: 'binary_classification',
      features,
      rows: training.rows,
      labels: training.labels,
      hyperparameters,
      seed: 11,
      onEpoch: async (epoch) => {
        progress.push(epoch);
        // An async callback must be awaited before the next epoch starts.
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    });
  });

  it('learns a separable problem (AUC > 0.9 on held-out rows)', async () => {
    const probabilities = await predict(result.artifact, heldOut.rows);
    expect(probabilities).toHaveLength(heldOut.rows.length);
    expect(probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
    const scores = scorePredictions('binary_classification', heldOut.labels, probabilities);
    expect(scores.roc_auc).toBeGreaterThan(0.9);
  });

  it('reports every epoch once, in order, with the validation loss', () => {
    expect(result.epochsTrained).toBeGreaterThan(0);
    expect(result.epochsTrained).toBeLessThanOrEqual(hyperparameters.epochs);
    expect(progress.map((p) => p.epoch)).toEqual(Array.from({ length: result.epochsTrained }, (_, i) => i + 1));
    for (const p of progress) {
      expect(p.epochs).toBe(hyperparameters.epochs);
      expect(Number.isFinite(p.loss)).toBe(true);
      expect(Number.isFinite(p.valLoss)).toBe(true);
    }
    // Early stopping keeps the best epoch's weights.
    expect(result.validationLoss).toBe(Math.min(...progress.map((p) => p.valLoss!)));
    expect(result.artifact.epochsTrained).toBe(result.epochsTrained);
    expect(result.artifact.backend.name).toMatch(/^(wasm|cpu)$/);
    expect(result.trainingSeconds).toBeGreaterThan(0);
    expect(result.resumedFromEpoch).toBeNull();
    expect(result.artifact).not.toHaveProperty('classCount');
  });

  it('round-trips the artifact through JSON with identical predictions', async () => {
    const restored = JSON.parse(JSON.stringify(result.artifact)) as typeof result.artifact;
    expect(restored).toEqual(result.artifact);
    expect(await predict(restored, heldOut.rows)).toEqual(await predict(result.artifact, heldOut.rows));
  });

  it('is reproducible for a seed, dropout included, and varies with it', async () => {
    const train = (seed: number) =>
      trainModel({
        task: 'binary_classification',
        features,
        rows: training.rows,
        labels: training.labels,
        hyperparameters: { ...hyperparameters, epochs: 3, dropout: 0.3 },
        seed,
      });
    const [first, second, other] = [await train(5), await train(5), await train(6)];
    expect(first.artifact.weightDataBase64).toBe(second.artifact.weightDataBase64);
    const firstPredictions = await predict(first.artifact, heldOut.rows);
    expect(await predict(second.artifact, heldOut.rows)).toEqual(firstPredictions);
    expect(await predict(other.artifact, heldOut.rows)).not.toEqual(firstPredictions);
  });

  it('predicts regression targets in their original units', async () => {
    const random = createRng(3);
    const rows = Array.from({ length: 400 }, () => ({ x1: random() * 10, x2: random() * 10, x3: random(), segment: 'a' }));
    const labels = rows.map((row) => 1000 + 50 * row.x1 - 20 * row.x2);
    const { artifact, validationLoss } = await trainModel({
      task: 'regression',
      features,
      rows,
      labels,
      hyperparameters: { ...hyperparameters, hiddenLayers: 0, learningRate: 0.05, epochs: 20, dropout: 0, l2: 0 },
      seed: 4,
    });
    expect(artifact.labelMean).toBeGreaterThan(900);
    expect(artifact.labelStd).toBeGreaterThan(100);
    expect(validationLoss).not.toBeNull();
    const predictions = await predict(artifact, rows.slice(-100));
    const { r2 } = scorePredictions('regression', labels.slice(-100), predictions);
    expect(r2).toBeGreaterThan(0.95);
  });

  it('trains on every row without a validation split', async () => {
    const epochs: Array<number | null> = [];
    const { validationLoss, epochsTrained } = await trainModel({
      task: 'binary_classification',
      features,
      rows: training.rows.slice(0, 100),
      labels: training.labels.slice(0, 100),
      hyperparameters: { ...hyperparameters, epochs: 2 },
      seed: 1,
      validationFraction: 0,
      onEpoch: (p) => {
        epochs.push(p.valLoss);
      },
    });
    expect(validationLoss).toBeNull();
    expect(epochsTrained).toBe(2);
    expect(epochs).toEqual([null, null]);
  });

  it('rejects bad input before training', async () => {
    const base = { task: 'binary_classification' as const, features, rows: training.rows, labels: training.labels, seed: 1 };
    await expect(trainModel({ ...base, hyperparameters: { ...hyperparameters, epochs: 0, dropout: 1 } })).rejects.toThrow(
      /epochs must be an integer >= 1, got 0; dropout must be in \[0, 1\), got 1/,
    );
    await expect(trainModel({ ...base, hyperparameters, labels: training.labels.slice(1) })).rejects.toThrow(/499 labels for 500 rows/);
    await expect(trainModel({ ...base, hyperparameters, labels: training.labels.map((l) => l * 2) })).rejects.toThrow(/0 or 1/);
  });
});

/** Class = which third of the line 2·x1 − x2 + shift(segment) the row falls in. */
function syntheticMulticlass(count: number, seed: number) {
  const { rows } = syntheticClassification(count, seed);
  const labels = rows.map((row) => {
    const score = 2 * row.x1 - row.x2 + SEGMENT_SHIFT[row.segment]!;
    return score < -1.5 ? 0 : score < 1.5 ? 1 : 2;
  });
  return { rows, labels };
}

describe('trainModel for multiclass_classification', () => {
  const base = { task: 'multiclass_classification' as const, features, seed: 21 };

  it('learns three classes and predicts K probabilities per row, row-major', async () => {
    const training = syntheticMulticlass(600, 5);
    const heldOut = syntheticMulticlass(300, 6);
    const { artifact, validationLoss } = await trainModel({
      ...base,
      rows: training.rows,
      labels: training.labels,
      hyperparameters: { ...hyperparameters, epochs: 20 },
    });
    expect(artifact.classCount).toBe(3);
    expect(validationLoss).not.toBeNull();
    const probabilities = await predict(artifact, heldOut.rows);
    expect(probabilities).toHaveLength(heldOut.rows.length * 3);
    for (let row = 0; row < heldOut.rows.length; row++) {
      const sum = probabilities[row * 3]! + probabilities[row * 3 + 1]! + probabilities[row * 3 + 2]!;
      expect(sum).toBeCloseTo(1, 5);
    }
    const scores = scorePredictions('multiclass_classification', heldOut.labels, probabilities);
    expect(scores.accuracy).toBeGreaterThan(0.8);
    expect(scores.roc_auc).toBeGreaterThan(0.9);
  });

  it('infers K as the largest label + 1, even when a class in between is absent', async () => {
    const { rows, labels } = syntheticMulticlass(60, 7);
    const { artifact } = await trainModel({
      ...base,
      rows,
      labels: labels.map((label) => (label === 1 ? 0 : label * 2)),
      hyperparameters: { ...hyperparameters, epochs: 1 },
    });
    expect(artifact.classCount).toBe(5);
    expect(await predict(artifact, rows.slice(0, 2))).toHaveLength(10);
  });

  it('rejects labels that are not class indices, and a single class', async () => {
    const { rows } = syntheticMulticlass(10, 8);
    const labelled = (labels: number[]) => trainModel({ ...base, rows, labels, hyperparameters });
    await expect(labelled([0, 1, 2, 1.5, 0, 1, 2, 0, 1, 2])).rejects.toThrow(/class indices 0, 1, 2, \.\.\., got 1\.5 at row 3/);
    await expect(labelled([0, 1, 2, 0, -1, 1, 2, 0, 1, 2])).rejects.toThrow(/got -1 at row 4/);
    await expect(labelled(Array.from({ length: 10 }, () => 0))).rejects.toThrow(/only class 0/);
  });
});
