import { beforeAll, describe, expect, it } from 'vitest';
import { scorePredictions } from '../../../src/metrics';
import { createRng } from '../../../src/tuning';
import {
  DEFAULT_HYPERPARAMETERS,
  type EpochProgress,
  type FeatureInput,
  type Hyperparameters,
  type ModelArtifact,
  type TrainResult,
  initTensorflow,
  predict,
  splitForValidation,
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

  it('reports every epoch once, in order, with the validation loss', async () => {
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
    expect(result.artifact.backend).toEqual((await initTensorflow()).backend);
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

  it.each([0, 2])('releases every tensor it made, with %i hidden layers, checkpoints and a validation split', async (hiddenLayers) => {
    const { tf } = await initTensorflow();
    const before = tf.memory().numTensors;
    await trainModel({
      task: 'binary_classification',
      features,
      rows: training.rows.slice(0, 120),
      labels: training.labels.slice(0, 120),
      hyperparameters: { ...hyperparameters, hiddenLayers, epochs: 3 },
      seed: 1,
      onEpoch: async ({ checkpoint }) => void (await checkpoint()),
    });
    expect(tf.memory().numTensors).toBe(before);
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

describe('splitForValidation', () => {
  // Label rate drifts over time: 10% positives in the first 80% of rows, 60% in the last 20%.
  const labels = Array.from({ length: 500 }, (_, i) => (i < 400 ? (i % 10 === 0 ? 1 : 0) : i % 5 < 3 ? 1 : 0));
  const positives = (indexes: number[]) => indexes.filter((i) => labels[i] === 1).length;

  it("'stratified' gives every class its share, at random and reproducibly", () => {
    const { trainIndexes, validationIndexes } = splitForValidation('binary_classification', labels, 0.2, 'stratified', 7);
    expect(validationIndexes).toHaveLength(100);
    expect(trainIndexes).toHaveLength(400);
    expect([...trainIndexes, ...validationIndexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    // 100 positives of 500: exactly 20 validate.
    expect(positives(validationIndexes)).toBe(20);
    expect(validationIndexes.some((i) => i < 400)).toBe(true);
    expect(splitForValidation('binary_classification', labels, 0.2, 'stratified', 7).validationIndexes).toEqual(validationIndexes);
    expect(splitForValidation('binary_classification', labels, 0.2, 'stratified', 8).validationIndexes).not.toEqual(validationIndexes);
  });

  it("'recent' validates on the last rows, whatever their label rate", () => {
    const { trainIndexes, validationIndexes } = splitForValidation('binary_classification', labels, 0.2, 'recent', 7);
    expect(validationIndexes).toEqual(Array.from({ length: 100 }, (_, i) => 400 + i));
    expect(trainIndexes).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(positives(validationIndexes)).toBe(60);
  });

  it('keeps a row of every class with two or more rows in training, and single rows whole', () => {
    const rare = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2];
    const { trainIndexes, validationIndexes } = splitForValidation('multiclass_classification', rare, 0.5, 'stratified', 1);
    expect(validationIndexes).toHaveLength(5);
    expect(trainIndexes).toContain(10);
    expect(trainIndexes.filter((i) => rare[i] === 1)).toHaveLength(1);
  });

  it('draws a plain random subset for regression', () => {
    const values = Array.from({ length: 50 }, (_, i) => i);
    const { validationIndexes } = splitForValidation('regression', values, 0.2, 'stratified', 3);
    expect(validationIndexes).toHaveLength(10);
    expect(validationIndexes).not.toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
  });
});

describe('trainModel early stopping and class weights', () => {
  const small: Hyperparameters = { ...hyperparameters, hiddenUnits: 32, learningRate: 0.05, epochs: 30, dropout: 0 };

  it('fits the preprocessor on the training part of a stratified split only', async () => {
    const { rows, labels } = syntheticClassification(200, 12);
    const { artifact, trainingRows, validationRows } = await trainModel({
      task: 'binary_classification', features, rows, labels, hyperparameters: { ...hyperparameters, epochs: 1 }, seed: 5,
    });
    const { trainIndexes } = splitForValidation('binary_classification', labels, 0.2, 'stratified', 5);
    expect([trainingRows, validationRows]).toEqual([160, 40]);
    const x1Mean = trainIndexes.reduce((sum, i) => sum + rows[i]!.x1, 0) / trainIndexes.length;
    expect(artifact.preprocessor.features[0]).toMatchObject({ name: 'x1', mean: x1Mean });
  });

  it('never stops before minEpochs, and keeps the best epoch', async () => {
    // Labels independent of the features: validation loss rises after the first epochs.
    const random = createRng(13);
    const { rows } = syntheticClassification(300, 13);
    const labels = rows.map(() => (random() < 0.5 ? 1 : 0));
    const run = (minEpochs?: number) => {
      const valLosses: number[] = [];
      const training = trainModel({
        task: 'binary_classification', features, rows, labels, hyperparameters: small, seed: 2, ...(minEpochs !== undefined && { minEpochs }),
        onEpoch: (p) => void valLosses.push(p.valLoss!),
      });
      return training.then((result) => ({ result, valLosses }));
    };
    const early = await run(1);
    expect(early.result.epochsTrained).toBeLessThan(10);
    const { result, valLosses } = await run();
    expect(result.epochsTrained).toBeGreaterThanOrEqual(10);
    expect(result.epochsTrained).toBeLessThan(small.epochs);
    expect(result.validationLoss).toBe(Math.min(...valLosses));
    // The artifact holds the best epoch's weights: its log loss on the validation rows is that epoch's loss.
    const { validationIndexes } = splitForValidation('binary_classification', labels, 0.2, 'stratified', 2);
    const probabilities = await predict(result.artifact, validationIndexes.map((i) => rows[i]!));
    const { log_loss } = scorePredictions('binary_classification', validationIndexes.map((i) => labels[i]!), probabilities);
    expect(log_loss).toBeCloseTo(result.validationLoss!, 5);
    expect(valLosses.at(-1)).not.toBeCloseTo(result.validationLoss!, 5);
  });

  it("weights a rare class ('auto') and predicts probabilities calibrated to the training prior", async () => {
    // About 9% positives, more likely with larger x1.
    const rareLabels = (rows: Array<{ x1: number }>, seed: number) => {
      const random = createRng(seed);
      return rows.map((row) => (random() < 1 / (1 + Math.exp(-(2 * row.x1 - 4))) ? 1 : 0));
    };
    const { rows } = syntheticClassification(1000, 17);
    const labels = rareLabels(rows, 17);
    const heldOut = syntheticClassification(2000, 18).rows;
    const heldOutLabels = rareLabels(heldOut, 18);
    const base = { task: 'binary_classification' as const, features, rows, labels, hyperparameters: { ...small, epochs: 20 }, seed: 3 };
    const weighted = await trainModel(base);
    const { trainIndexes } = splitForValidation('binary_classification', labels, 0.2, 'stratified', 3);
    const trainingPositives = trainIndexes.filter((i) => labels[i] === 1).length;
    // scikit-learn's 'balanced': n / (2 · n_k).
    const n = trainIndexes.length;
    expect(weighted.classWeights).toEqual([n / (2 * (n - trainingPositives)), n / (2 * trainingPositives)]);
    expect(weighted.artifact.classWeights).toEqual(weighted.classWeights);
    const unweighted = await trainModel({ ...base, classWeights: 'none' });
    expect(unweighted.classWeights).toBeNull();
    expect(unweighted.artifact).not.toHaveProperty('classWeights');

    const logLoss = async (artifact: ModelArtifact) =>
      scorePredictions('binary_classification', heldOutLabels, await predict(artifact, heldOut)).log_loss!;
    const { classWeights: _, ...uncorrected } = weighted.artifact;
    // Without the correction the weighted model overstates the rare class badly; with it, it is as calibrated as an unweighted model.
    expect(await logLoss(uncorrected)).toBeGreaterThan(1.5 * (await logLoss(unweighted.artifact)));
    expect(await logLoss(weighted.artifact)).toBeLessThan(1.05 * (await logLoss(unweighted.artifact)));
  });

  it('leaves balanced labels unweighted and refuses weights for regression', async () => {
    const { rows, labels } = syntheticClassification(100, 3);
    const result = await trainModel({ task: 'binary_classification', features, rows, labels, hyperparameters: { ...hyperparameters, epochs: 1 }, seed: 1 });
    expect(result.classWeights).toBeNull();
    await expect(
      trainModel({ task: 'regression', features, rows, labels, hyperparameters, seed: 1, classWeights: 'balanced' }),
    ).rejects.toThrow(/'balanced' needs a classification task/);
    await expect(trainModel({ task: 'binary_classification', features, rows, labels, hyperparameters, seed: 1, minEpochs: -1 })).rejects.toThrow(
      /minEpochs must be an integer >= 0/,
    );
  });
});
