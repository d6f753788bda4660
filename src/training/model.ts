import { createHash } from 'node:crypto';
import type { LayersModel, Tensor, io } from '@tensorflow/tfjs';
import { InvalidLabelsError } from '../errors';
import type { Task } from '../metrics';
import { createRng, deriveSeed } from '../tuning/random';
import { FlatAdam } from './adam';
import { type BackendInfo, type Tensorflow, withTensorflow } from './backend';
import type { LinearBaselineParameters } from './baseline-artifact';
import { classCountOf, validateLabels } from './labels';
import { type FeatureInput, type Preprocessor, fitPreprocessor, transformRows } from './preprocess';
import { createTrainStep, trainableVariables } from './train-step';

export interface Hyperparameters {
  hiddenLayers: number;
  hiddenUnits: number;
  learningRate: number;
  epochs: number;
  batchSize: number;
  dropout: number;
  l2: number;
}

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = Object.freeze({
  hiddenLayers: 2,
  hiddenUnits: 32,
  learningRate: 1e-3,
  epochs: 50,
  batchSize: 64,
  dropout: 0.1,
  l2: 1e-4,
});

export interface EpochProgress {
  /** 1-based number of the epoch that just finished. */
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  /**
   * The state after this epoch, for TrainInput.resumeFrom after a retry. Lazy because it copies every
   * weight, so callers can save every N epochs only. Call it before onEpoch settles: training waits
   * for the copy, and a call after the next epoch started is rejected. JSON.stringify(progress) leaves
   * this function out, so the progress can still go into a heartbeat as it is.
   */
  checkpoint: () => Promise<TrainingCheckpoint>;
}

/**
 * Everything a training run needs to continue after a completed epoch, as plain JSON: a caller can
 * write it to a file and pass it back parsed. Tensors are base64 (see EncodedTensors).
 */
export interface TrainingCheckpoint {
  formatVersion: 1;
  /** A run refuses a checkpoint whose fingerprint differs from its own (CheckpointMismatchError). */
  fingerprint: TrainingFingerprint;
  /** Epochs completed; a resumed run continues with epoch epochsCompleted + 1. */
  epochsCompleted: number;
  /** Batches trained so far: the per-batch dropout seeds are derived from it. */
  batchesSeen: number;
  /** Early-stopping state; bestValidationLoss is null without a validation split. */
  bestValidationLoss: number | null;
  epochsWithoutImprovement: number;
  modelWeights: EncodedTensors;
  /** Adam's iteration count, first moments and second moments, in the order of tfjs `optimizer.getWeights()` (see FlatAdam). */
  optimizerWeights: EncodedTensors;
  /**
   * beta1^t and beta2^t as Adam accumulated them, one float32 multiplication per batch. Recomputing
   * them with pow() (as tfjs's `setWeights` does) rounds differently and would make a resumed run
   * drift from an uninterrupted one in the last bits.
   */
  adamBetaPowers: [number, number];
  /** Weights of the best validation epoch so far, restored when training ends; null without a validation split. */
  bestWeights: EncodedTensors | null;
}

/** Tensors as specs plus their values concatenated (little-endian, as tf.io.encodeWeights lays them out) in base64. */
export interface EncodedTensors {
  specs: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' }>;
  dataBase64: string;
}

/** What a training run depends on. Plain values where they make a mismatch readable, a hash for the data. */
export interface TrainingFingerprint {
  task: Task;
  hyperparameters: Hyperparameters;
  seed: number;
  validationFraction: number;
  validationStrategy: ValidationStrategy;
  /** After clamping to hyperparameters.epochs. */
  minEpochs: number;
  /** The resolved per-class loss weights (TrainResult.classWeights). */
  classWeights: number[] | null;
  rowCount: number;
  /** SHA-256 of the fitted preprocessor and of the model's input and target matrices (training and validation). */
  dataSha256: string;
}

/** The checkpoint passed as resumeFrom was taken from a run with different inputs. */
export class CheckpointMismatchError extends Error {
  constructor(readonly differences: readonly string[]) {
    super(`the checkpoint comes from a different training run, refusing to resume from it: ${differences.join('; ')}`);
    this.name = 'CheckpointMismatchError';
  }
}

/**
 * How the early-stopping validation rows are drawn. 'stratified': a seeded random share of the rows, per
 * class for classification, so validation has the training data's seasons and label rate; 'recent': the
 * last rows, which on seasonal data validate on another season than most of training.
 */
export type ValidationStrategy = 'stratified' | 'recent';

/** 'auto' weights classes 'balanced' when the rarest class is below 20% of the training rows, else 'none'. */
export type ClassWeightOption = 'auto' | 'balanced' | 'none';

export interface TrainInput {
  task: Task;
  features: FeatureInput[];
  /** In event-time order (validationStrategy 'recent' validates on the last rows). */
  rows: ReadonlyArray<Record<string, unknown>>;
  labels: ArrayLike<number>;
  hyperparameters: Hyperparameters;
  seed: number;
  /** Share of the rows held out for early stopping (patience 5 on validation loss); default 0.2, 0 disables it. */
  validationFraction?: number;
  /** Default 'stratified'. */
  validationStrategy?: ValidationStrategy;
  /** Early stopping never stops before this many epochs (clamped to hyperparameters.epochs); default 10. */
  minEpochs?: number;
  /** Classification only; default 'auto'. Regression accepts 'auto' and 'none' and never weights. */
  classWeights?: ClassWeightOption;
  /** Awaited after every epoch, so an activity can heartbeat, checkpoint or cancel from here. */
  onEpoch?: (progress: EpochProgress) => Promise<void> | void;
  /** Continue a run from a checkpoint its onEpoch took; the other inputs must be the same as for that run. */
  resumeFrom?: TrainingCheckpoint;
}

/** Plain JSON, stored in PostgreSQL JSONB. */
export interface ModelArtifact {
  formatVersion: 1;
  task: Task;
  preprocessor: Preprocessor;
  modelTopology: unknown;
  weightSpecs: unknown;
  weightDataBase64: string;
  backend: BackendInfo;
  /** How the network was trained, or, for a linear baseline's weights (see baseline-artifact.ts), how that was fitted. */
  hyperparameters: Hyperparameters | LinearBaselineParameters;
  /** 0 for a linear baseline: it is fitted by L-BFGS, not trained in epochs. */
  epochsTrained: number;
  /**
   * Regression trains on standardised targets; predict maps outputs back with value * labelStd + labelMean.
   * Classification (binary and multi-class) stores 0 and 1 and applies no mapping.
   */
  labelMean: number;
  labelStd: number;
  /** K, the number of classes of a multiclass_classification model (labels 0..K-1); absent for the other tasks. */
  classCount?: number;
  /**
   * The per-class loss weights training used (index = class), absent when it used none (and in artifacts
   * older than class weighting). A model trained with weights w_k learns probabilities proportional to
   * w_k·P(k | x); predict divides each class probability by w_k and renormalises, so the probabilities it
   * returns are calibrated to the training class prior again.
   */
  classWeights?: number[];
}

export interface TrainResult {
  artifact: ModelArtifact;
  /**
   * Best validation loss (the weights kept), in standardised units for regression, class-weighted like the
   * training loss when classWeights is set (so before predict's correction); null without a validation split.
   */
  validationLoss: number | null;
  epochsTrained: number;
  /** Seconds spent in this call, so after a resume only the epochs trained since. */
  trainingSeconds: number;
  /** Epochs completed by the checkpoint this run resumed from; null when it started from scratch. */
  resumedFromEpoch: number | null;
  /** Rows trained on and rows validated on. */
  trainingRows: number;
  validationRows: number;
  /** The per-class loss weights used (index = class, 'balanced': n / (classes present · n_k)); null when unweighted. */
  classWeights: number[] | null;
}

const DEFAULT_VALIDATION_FRACTION = 0.2;
const DEFAULT_VALIDATION_STRATEGY: ValidationStrategy = 'stratified';
// Ten epochs before early stopping may act: validation loss on a few hundred rows is noisy in the first
// epochs, and the broken challengers stopped at epoch 6 with the first epoch's weights.
const DEFAULT_MIN_EPOCHS = 10;
// Below a 20% share the rarest class contributes too little to an unweighted loss for the model to rank
// it well; above it, weighting mostly adds variance.
const AUTO_BALANCE_BELOW_SHARE = 0.2;
const OUTPUT_ACTIVATION_BY_TASK = {
  binary_classification: 'sigmoid',
  multiclass_classification: 'softmax',
  regression: 'linear',
} as const satisfies Record<Task, string>;
const EARLY_STOPPING_PATIENCE = 5;

// Independent random streams derived from the training seed.
const SHUFFLE_STREAM = 1;
const KERNEL_INIT_STREAM = 2;
const DROPOUT_STREAM = 3;
const VALIDATION_STREAM = 4;

export async function trainModel(input: TrainInput): Promise<TrainResult> {
  const { task, hyperparameters, seed, resumeFrom } = input;
  validateHyperparameters(hyperparameters);
  const rowCount = input.rows.length;
  if (input.labels.length !== rowCount) {
    throw new RangeError(`got ${input.labels.length} labels for ${rowCount} rows`);
  }
  const validationFraction = input.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new RangeError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }
  const validationStrategy = input.validationStrategy ?? DEFAULT_VALIDATION_STRATEGY;
  if (validationStrategy !== 'stratified' && validationStrategy !== 'recent') {
    throw new RangeError(`validationStrategy must be 'stratified' or 'recent', got ${JSON.stringify(validationStrategy)}`);
  }
  const requestedMinEpochs = input.minEpochs ?? DEFAULT_MIN_EPOCHS;
  if (!(Number.isInteger(requestedMinEpochs) && requestedMinEpochs >= 0)) {
    throw new RangeError(`minEpochs must be an integer >= 0, got ${requestedMinEpochs}`);
  }
  const minEpochs = Math.min(requestedMinEpochs, hyperparameters.epochs);
  if (rowCount - Math.floor(rowCount * validationFraction) === 0) throw new RangeError('no training rows');
  const labels = Float64Array.from(input.labels);
  validateLabels(task, labels);
  const classCount = task === 'multiclass_classification' ? classCountOf(labels) : undefined;
  if (classCount === 1) throw new InvalidLabelsError('multiclass labels hold only class 0; at least two classes are needed', null);
  const { trainIndexes, validationIndexes } = splitForValidation(task, labels, validationFraction, validationStrategy, seed);
  const trainCount = trainIndexes.length;
  const validationCount = validationIndexes.length;
  const classWeights = resolveClassWeights(task, labels, trainIndexes, classCount, input.classWeights ?? 'auto');

  const startedAt = performance.now();

  const trainRows = trainIndexes.map((i) => input.rows[i]!);
  const preprocessor = fitPreprocessor(input.features, trainRows);
  if (preprocessor.width === 0) throw new Error('the features produce no model inputs (no numeric features, no categories seen)');
  const { mean: labelMean, std: labelStd } =
    task === 'regression' ? standardisation(Float64Array.from(trainIndexes, (i) => labels[i]!)) : { mean: 0, std: 1 };
  const scaledLabels = labels.map((label) => (label - labelMean) / labelStd);
  const targetWidth = classCount ?? 1;
  const targetsOf = (rowIndexes: ArrayLike<number>): Float32Array =>
    classCount === undefined ? Float32Array.from(rowIndexes, (i) => scaledLabels[i]!) : oneHot(rowIndexes, labels, classCount);

  // fit() shuffles with Math.random, so shuffle once here with the seed instead.
  const order = seededPermutation(trainCount, deriveSeed(seed, SHUFFLE_STREAM)).map((i) => trainIndexes[i]!);
  const trainFeatures = transformRows(preprocessor, order.map((i) => input.rows[i]!));
  const trainTargets = targetsOf(order);
  const validationFeatures = transformRows(preprocessor, validationIndexes.map((i) => input.rows[i]!));
  const validationTargets = targetsOf(validationIndexes);

  const fingerprint: TrainingFingerprint = {
    task,
    hyperparameters: { ...hyperparameters },
    seed,
    validationFraction,
    validationStrategy,
    minEpochs,
    classWeights,
    rowCount,
    dataSha256: sha256Hex(JSON.stringify(preprocessor), trainFeatures, trainTargets, validationFeatures, validationTargets),
  };
  if (resumeFrom) assertResumable(resumeFrom, fingerprint);

  return withTensorflow(async ({ tf, backend }) => {
    // Everything holding tensor memory is disposed in the finally block, whichever step fails.
    const owned: Array<{ dispose(): void }> = [];
    const own = <T extends { dispose(): void }>(resource: T): T => {
      owned.push(resource);
      return resource;
    };
    let bestWeights: Tensor[] | undefined;
    try {
      const validation: [Tensor, Tensor] | undefined =
        validationCount > 0
          ? [
              own(tf.tensor2d(validationFeatures, [validationCount, preprocessor.width])),
              own(tf.tensor2d(validationTargets, [validationCount, targetWidth])),
            ]
          : undefined;
      const model = own(buildModel(tf, task, preprocessor.width, targetWidth, hyperparameters, seed));
      const optimizer = own(new FlatAdam(tf, trainableVariables(model), hyperparameters.learningRate));
      // Replaced rather than mutated, so a checkpoint keeps the values of its own epoch.
      let state: RunState = {
        epochsCompleted: 0,
        batchesSeen: 0,
        bestValidationLoss: null,
        epochsWithoutImprovement: 0,
      };
      if (resumeFrom) {
        state = {
          epochsCompleted: resumeFrom.epochsCompleted,
          batchesSeen: resumeFrom.batchesSeen,
          bestValidationLoss: resumeFrom.bestValidationLoss,
          epochsWithoutImprovement: resumeFrom.epochsWithoutImprovement,
        };
        await restoreTrainingState(tf, model, optimizer, resumeFrom);
        bestWeights = resumeFrom.bestWeights ? decodeTensors(tf, resumeFrom.bestWeights) : undefined;
      }
      let divergedLoss: number | undefined;
      const shouldStopEarly = ({ epochsWithoutImprovement, epochsCompleted }: RunState) =>
        epochsWithoutImprovement >= EARLY_STOPPING_PATIENCE && epochsCompleted >= minEpochs;
      const finished = state.epochsCompleted >= hyperparameters.epochs || shouldStopEarly(state);

      if (!finished) {
        const step = createTrainStep(tf, model, optimizer, {
          task,
          dropout: hyperparameters.dropout,
          l2: hyperparameters.l2,
          classWeights,
          backend: backend.name,
        });
        // The rows are shuffled once above and batches keep their order every epoch (as fit with shuffle: false),
        // so each batch becomes a tensor once instead of being gathered from the whole matrix every epoch.
        const batches = batchesOf(tf, trainFeatures, trainTargets, preprocessor.width, targetWidth, hyperparameters.batchSize).map(own);
        const dropoutLayerCount = hyperparameters.dropout > 0 ? hyperparameters.hiddenLayers : 0;
        while (state.epochsCompleted < hyperparameters.epochs) {
          const batchLosses: Tensor[] = [];
          let epochLossSum = 0;
          try {
            for (const { x, y } of batches) {
              // A fresh dropout seed per batch keeps masks varied while training stays reproducible (a resumed run
              // continues the stream at batchesSeen).
              const seeds = Array.from({ length: dropoutLayerCount }, (_, layerIndex) => tfSeed(seed, DROPOUT_STREAM, layerIndex, state.batchesSeen));
              batchLosses.push(step.trainBatch(x, y, seeds));
              state = { ...state, batchesSeen: state.batchesSeen + 1 };
            }
            // One read per epoch: reading each batch's loss would wait for the backend after every step.
            const stacked = tf.stack(batchLosses);
            batchLosses.push(stacked); // disposed with them
            const values = await stacked.data();
            batches.forEach(({ rows }, index) => (epochLossSum += values[index]! * rows));
          } finally {
            tf.dispose(batchLosses);
          }
          const loss = epochLossSum / trainCount;
          const valLoss = validation ? await step.evaluate(...validation) : null;
          state = { ...state, epochsCompleted: state.epochsCompleted + 1 };
          if (!Number.isFinite(loss)) {
            divergedLoss = loss;
            break;
          }
          let stop = false;
          if (valLoss !== null) {
            if (valLoss < (state.bestValidationLoss ?? Number.POSITIVE_INFINITY)) {
              state = { ...state, bestValidationLoss: valLoss, epochsWithoutImprovement: 0 };
              // Restored when training ends.
              bestWeights?.forEach((tensor) => tensor.dispose());
              bestWeights = model.getWeights().map((tensor) => tensor.clone());
            } else {
              state = { ...state, epochsWithoutImprovement: state.epochsWithoutImprovement + 1 };
              stop = shouldStopEarly(state);
            }
          }
          if (input.onEpoch) {
            const epochState = state;
            const epochBestWeights = bestWeights;
            const snapshots: Array<Promise<unknown>> = [];
            let epochOver = false;
            const checkpoint = (): Promise<TrainingCheckpoint> => {
              if (epochOver) {
                const epoch = epochState.epochsCompleted;
                return Promise.reject(new Error(`checkpoint() of epoch ${epoch} was called after onEpoch settled; call it within onEpoch`));
              }
              const snapshot = snapshotTraining(tf, model, optimizer, fingerprint, epochState, epochBestWeights);
              snapshots.push(snapshot.catch(() => undefined));
              return snapshot;
            };
            try {
              await input.onEpoch({ epoch: epochState.epochsCompleted, epochs: hyperparameters.epochs, loss, valLoss, checkpoint });
            } finally {
              epochOver = true;
              // The next batch would change the weights under a snapshot still being read.
              await Promise.all(snapshots);
            }
          }
          if (stop) break;
        }
      }
      if (divergedLoss !== undefined) throw new Error(`training diverged at epoch ${state.epochsCompleted}: loss is ${divergedLoss}`);
      if (bestWeights) model.setWeights(bestWeights);

      const serialised = await serialiseModel(tf, model);
      const artifact: ModelArtifact = {
        formatVersion: 1,
        task,
        preprocessor,
        ...serialised,
        backend,
        hyperparameters: { ...hyperparameters },
        epochsTrained: state.epochsCompleted,
        labelMean,
        labelStd,
        ...(classCount !== undefined && { classCount }),
        ...(classWeights && { classWeights }),
      };
      return {
        artifact,
        validationLoss: bestWeights ? state.bestValidationLoss : null,
        epochsTrained: state.epochsCompleted,
        trainingSeconds: (performance.now() - startedAt) / 1000,
        resumedFromEpoch: resumeFrom?.epochsCompleted ?? null,
        trainingRows: trainCount,
        validationRows: validationCount,
        classWeights,
      };
    } finally {
      bestWeights?.forEach((tensor) => tensor.dispose());
      owned.forEach((resource) => resource.dispose());
    }
  });
}

/**
 * Probabilities of class 1 for binary classification; for multi-class, the K class probabilities of each
 * row, row-major (rows.length × artifact.classCount values); values in label units for regression.
 */
export async function predict(artifact: ModelArtifact, rows: ReadonlyArray<Record<string, unknown>>): Promise<Float32Array> {
  if (artifact.formatVersion !== 1) throw new Error(`unsupported model artifact format version ${String(artifact.formatVersion)}`);
  if (rows.length === 0) return new Float32Array(0);
  return withTensorflow(async ({ tf }) => {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: artifact.modelTopology as io.ModelArtifacts['modelTopology'],
        weightSpecs: artifact.weightSpecs as io.WeightsManifestEntry[],
        weightData: decodeBase64(artifact.weightDataBase64),
      }),
    );
    try {
      const features = transformRows(artifact.preprocessor, rows);
      const output = tf.tidy(() => {
        const raw = model.predict(tf.tensor2d(features, [rows.length, artifact.preprocessor.width])) as Tensor;
        return artifact.task === 'regression' ? raw.mul(artifact.labelStd).add(artifact.labelMean) : raw;
      });
      try {
        const probabilitiesOrValues = (await output.data()) as Float32Array;
        if (artifact.classWeights) undoClassWeighting(probabilitiesOrValues, artifact.task, artifact.classWeights);
        return probabilitiesOrValues;
      } finally {
        output.dispose();
      }
    } finally {
      model.dispose();
    }
  });
}

/**
 * The rows that train and the rows that validate (early stopping), each in ascending row order.
 * `floor(rows × validationFraction)` rows validate. 'recent' takes the last rows. 'stratified' draws a
 * seeded random subset: for classification each class gives its share (largest remainder, so the
 * counts add up), and a class with at least two rows keeps at least one in training (a single-row
 * class stays in training whole); for regression a plain random subset.
 */
export function splitForValidation(
  task: Task,
  labels: ArrayLike<number>,
  validationFraction: number,
  strategy: ValidationStrategy,
  seed: number,
): { trainIndexes: number[]; validationIndexes: number[] } {
  const rowCount = labels.length;
  const validationCount = Math.floor(rowCount * validationFraction);
  const allRows = Array.from({ length: rowCount }, (_, i) => i);
  if (strategy === 'recent') {
    return { trainIndexes: allRows.slice(0, rowCount - validationCount), validationIndexes: allRows.slice(rowCount - validationCount) };
  }
  const random = createRng(deriveSeed(seed, VALIDATION_STREAM));
  const strata = task === 'regression' ? [allRows] : rowsByClass(labels);
  const quotas = stratumQuotas(
    strata.map((rows) => rows.length),
    validationCount,
    task === 'regression',
  );
  const isValidation = new Uint8Array(rowCount);
  strata.forEach((rows, stratum) => {
    for (const row of sampleWithoutReplacement(rows, quotas[stratum]!, random)) isValidation[row] = 1;
  });
  return {
    trainIndexes: allRows.filter((i) => isValidation[i] === 0),
    validationIndexes: allRows.filter((i) => isValidation[i] === 1),
  };
}

/** Row indexes grouped by label, classes in ascending order. */
function rowsByClass(labels: ArrayLike<number>): number[][] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]!);
    if (rows) rows.push(i);
    else byClass.set(labels[i]!, [i]);
  }
  return [...byClass.entries()].sort(([a], [b]) => a - b).map(([, rows]) => rows);
}

/**
 * Validation rows per stratum in proportion to its size, by largest remainder (ties to the earlier
 * stratum). Without `uncapped`, a stratum may give at most size − 1 rows, and a single row none.
 */
function stratumQuotas(sizes: number[], total: number, uncapped: boolean): number[] {
  const rowCount = sizes.reduce((sum, size) => sum + size, 0);
  const capacity = sizes.map((size) => (uncapped ? size : Math.max(0, size - 1)));
  const exact = sizes.map((size) => (rowCount === 0 ? 0 : (size * total) / rowCount));
  const quotas = exact.map((share, stratum) => Math.min(Math.floor(share), capacity[stratum]!));
  const byRemainder = sizes.map((_, stratum) => stratum).sort((a, b) => exact[b]! - quotas[b]! - (exact[a]! - quotas[a]!) || a - b);
  let missing = total - quotas.reduce((sum, quota) => sum + quota, 0);
  while (missing > 0) {
    const before = missing;
    for (const stratum of byRemainder) {
      if (missing === 0) break;
      if (quotas[stratum]! < capacity[stratum]!) {
        quotas[stratum]! += 1;
        missing--;
      }
    }
    // Every stratum is at capacity: fewer validation rows than asked for.
    if (missing === before) break;
  }
  return quotas;
}

/** `count` of `items` drawn at random (a partial Fisher–Yates shuffle of a copy). */
function sampleWithoutReplacement(items: readonly number[], count: number, random: () => number): number[] {
  const pool = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/**
 * 'balanced' weights as scikit-learn's compute_class_weight computes them, n / (classes present · n_k),
 * from the training rows; classes absent from them get 1 (no row carries it).
 */
function resolveClassWeights(
  task: Task,
  labels: Float64Array,
  trainIndexes: readonly number[],
  classCount: number | undefined,
  option: ClassWeightOption,
): number[] | null {
  if (option !== 'auto' && option !== 'balanced' && option !== 'none') {
    throw new RangeError(`classWeights must be 'auto', 'balanced' or 'none', got ${JSON.stringify(option)}`);
  }
  if (task === 'regression') {
    if (option === 'balanced') throw new RangeError("classWeights 'balanced' needs a classification task");
    return null;
  }
  if (option === 'none') return null;
  const counts = new Array<number>(classCount ?? 2).fill(0);
  for (const i of trainIndexes) counts[labels[i]!]! += 1;
  const presentCounts = counts.filter((count) => count > 0);
  const rarestShare = Math.min(...presentCounts) / trainIndexes.length;
  if (option === 'auto' && !(rarestShare < AUTO_BALANCE_BELOW_SHARE)) return null;
  return counts.map((count) => (count === 0 ? 1 : trainIndexes.length / (presentCounts.length * count)));
}

/**
 * Divides each class probability by its training weight and renormalises (in place): weighting made the
 * model estimate probabilities proportional to w_k·P(k | x), so this returns P(k | x) under the training prior.
 */
function undoClassWeighting(probabilities: Float32Array, task: Task, classWeights: readonly number[]): void {
  if (task === 'binary_classification') {
    const [weight0, weight1] = classWeights as [number, number];
    probabilities.forEach((p, i) => {
      const positive = p / weight1;
      probabilities[i] = positive / (positive + (1 - p) / weight0);
    });
    return;
  }
  const classCount = classWeights.length;
  for (let start = 0; start < probabilities.length; start += classCount) {
    let total = 0;
    for (let k = 0; k < classCount; k++) total += probabilities[start + k]! / classWeights[k]!;
    for (let k = 0; k < classCount; k++) probabilities[start + k] = probabilities[start + k]! / classWeights[k]! / total;
  }
}

function buildModel(
  tf: Tensorflow,
  task: Task,
  inputWidth: number,
  outputUnits: number,
  hyperparameters: Hyperparameters,
  seed: number,
): LayersModel {
  const model = tf.sequential();
  const regulariser = hyperparameters.l2 > 0 ? tf.regularizers.l2({ l2: hyperparameters.l2 }) : undefined;
  for (let layerIndex = 0; layerIndex < hyperparameters.hiddenLayers; layerIndex++) {
    model.add(
      tf.layers.dense({
        ...(layerIndex === 0 && { inputShape: [inputWidth] }),
        units: hyperparameters.hiddenUnits,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: tfSeed(seed, KERNEL_INIT_STREAM, layerIndex) }),
        kernelRegularizer: regulariser,
      }),
    );
    if (hyperparameters.dropout > 0) model.add(tf.layers.dropout({ rate: hyperparameters.dropout }));
  }
  model.add(
    tf.layers.dense({
      ...(hyperparameters.hiddenLayers === 0 && { inputShape: [inputWidth] }),
      units: outputUnits,
      activation: OUTPUT_ACTIVATION_BY_TASK[task],
      kernelInitializer: tf.initializers.glorotUniform({
        seed: tfSeed(seed, KERNEL_INIT_STREAM, hyperparameters.hiddenLayers),
      }),
      kernelRegularizer: regulariser,
    }),
  );
  return model;
}

/** The model in the artifact's TensorFlow.js fields. */
export async function serialiseModel(
  tf: Tensorflow,
  model: LayersModel,
): Promise<Pick<ModelArtifact, 'modelTopology' | 'weightSpecs' | 'weightDataBase64'>> {
  let captured: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured?.modelTopology || !captured.weightSpecs || !captured.weightData) {
    throw new Error('TensorFlow.js saved the model without topology or weights');
  }
  return {
    modelTopology: captured.modelTopology,
    weightSpecs: captured.weightSpecs,
    weightDataBase64: Buffer.from(tf.io.CompositeArrayBuffer.join(captured.weightData)).toString('base64'),
  };
}

interface RunState {
  epochsCompleted: number;
  batchesSeen: number;
  bestValidationLoss: number | null;
  epochsWithoutImprovement: number;
}

/** One row of classCount columns per row index, 1 in the column of its label. */
function oneHot(rowIndexes: ArrayLike<number>, labels: Float64Array, classCount: number): Float32Array {
  const targets = new Float32Array(rowIndexes.length * classCount);
  for (let i = 0; i < rowIndexes.length; i++) targets[i * classCount + labels[rowIndexes[i]!]!] = 1;
  return targets;
}

interface Batch {
  x: Tensor;
  y: Tensor;
  rows: number;
  dispose(): void;
}

/** Consecutive batches of `batchSize` rows (the last one smaller when the rows do not divide evenly). */
function batchesOf(tf: Tensorflow, features: Float32Array, targets: Float32Array, width: number, targetWidth: number, batchSize: number): Batch[] {
  const rowCount = targets.length / targetWidth;
  const batches: Batch[] = [];
  for (let start = 0; start < rowCount; start += batchSize) {
    const rows = Math.min(batchSize, rowCount - start);
    const x = tf.tensor2d(features.subarray(start * width, (start + rows) * width), [rows, width]);
    const y = tf.tensor2d(targets.subarray(start * targetWidth, (start + rows) * targetWidth), [rows, targetWidth]);
    batches.push({ x, y, rows, dispose: () => tf.dispose([x, y]) });
  }
  return batches;
}

function sha256Hex(...parts: Array<string | Float32Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(typeof part === 'string' ? part : new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  }
  return hash.digest('hex');
}

function assertResumable(checkpoint: TrainingCheckpoint, fingerprint: TrainingFingerprint): void {
  if (checkpoint.formatVersion !== 1) {
    throw new Error(`unsupported training checkpoint format version ${String(checkpoint.formatVersion)}`);
  }
  const theirs = checkpoint.fingerprint;
  const differences: string[] = [];
  const compare = (what: string, ours: unknown, their: unknown) => {
    if (JSON.stringify(ours) !== JSON.stringify(their)) differences.push(`${what} is ${JSON.stringify(ours)} here but ${JSON.stringify(their)} in the checkpoint`);
  };
  compare('task', fingerprint.task, theirs.task);
  for (const name of Object.keys(fingerprint.hyperparameters) as Array<keyof Hyperparameters>) {
    compare(`hyperparameter ${name}`, fingerprint.hyperparameters[name], theirs.hyperparameters[name]);
  }
  compare('seed', fingerprint.seed, theirs.seed);
  compare('validationFraction', fingerprint.validationFraction, theirs.validationFraction);
  compare('validationStrategy', fingerprint.validationStrategy, theirs.validationStrategy);
  compare('minEpochs', fingerprint.minEpochs, theirs.minEpochs);
  compare('class weights', fingerprint.classWeights, theirs.classWeights);
  compare('row count', fingerprint.rowCount, theirs.rowCount);
  // Only worth reporting when nothing more readable explains it.
  if (differences.length === 0 && fingerprint.dataSha256 !== theirs.dataSha256) {
    differences.push('the rows, labels or features differ (data hash)');
  }
  if (differences.length > 0) throw new CheckpointMismatchError(differences);
  const { epochsCompleted } = checkpoint;
  if (!(Number.isInteger(epochsCompleted) && epochsCompleted >= 1 && epochsCompleted <= fingerprint.hyperparameters.epochs)) {
    const { epochs } = fingerprint.hyperparameters;
    throw new RangeError(`checkpoint epochsCompleted must be an integer in [1, ${epochs}], got ${epochsCompleted}`);
  }
}

async function snapshotTraining(
  tf: Tensorflow,
  model: LayersModel,
  optimizer: FlatAdam,
  fingerprint: TrainingFingerprint,
  state: RunState,
  bestWeights: Tensor[] | undefined,
): Promise<TrainingCheckpoint> {
  const optimizerWeights = optimizer.weights();
  try {
    return {
      formatVersion: 1,
      fingerprint,
      ...state,
      modelWeights: await encodeTensors(tf, model.getWeights()),
      optimizerWeights: await encodeTensors(tf, optimizerWeights),
      adamBetaPowers: await optimizer.betaPowers(),
      bestWeights: bestWeights ? await encodeTensors(tf, bestWeights) : null,
    };
  } finally {
    tf.dispose(optimizerWeights);
  }
}

async function restoreTrainingState(tf: Tensorflow, model: LayersModel, optimizer: FlatAdam, checkpoint: TrainingCheckpoint): Promise<void> {
  const modelWeights = decodeTensors(tf, checkpoint.modelWeights);
  const optimizerWeights = decodeTensors(tf, checkpoint.optimizerWeights);
  try {
    model.setWeights(modelWeights);
    await optimizer.restore(optimizerWeights, checkpoint.adamBetaPowers);
  } finally {
    // The model and the optimizer hold their own variables now.
    [...modelWeights, ...optimizerWeights].forEach((tensor) => tensor.dispose());
  }
}

async function encodeTensors(tf: Tensorflow, tensors: Tensor[]): Promise<EncodedTensors> {
  // Positional names: the resumed model's layers get other auto-generated names, so order is what matches.
  const { data, specs } = await tf.io.encodeWeights(tensors.map((tensor, index) => ({ name: String(index), tensor })));
  return {
    specs: specs.map(({ name, shape, dtype }) => {
      if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`cannot checkpoint a ${dtype} tensor`);
      return { name, shape, dtype };
    }),
    dataBase64: Buffer.from(data).toString('base64'),
  };
}

function decodeTensors(tf: Tensorflow, encoded: EncodedTensors): Tensor[] {
  const byName = tf.io.decodeWeights(decodeBase64(encoded.dataBase64), encoded.specs);
  return encoded.specs.map(({ name }) => byName[name]!);
}

function decodeBase64(base64: string): ArrayBuffer {
  const bytes = Buffer.from(base64, 'base64');
  // Small Buffers share a pooled ArrayBuffer, so copy out exactly this one's bytes.
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** tfjs treats a seed of 0 as "no seed" and falls back to Math.random. */
function tfSeed(seed: number, ...streams: number[]): number {
  return deriveSeed(seed, ...streams) || 1;
}

function seededPermutation(length: number, seed: number): number[] {
  const random = createRng(seed);
  const order = Array.from({ length }, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function standardisation(values: Float64Array): { mean: number; std: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, std: variance > 0 ? Math.sqrt(variance) : 1 };
}

function validateHyperparameters(hyperparameters: Hyperparameters): void {
  const { hiddenLayers, hiddenUnits, learningRate, epochs, batchSize, dropout, l2 } = hyperparameters;
  const problems = [
    !(Number.isInteger(hiddenLayers) && hiddenLayers >= 0) && `hiddenLayers must be an integer >= 0, got ${hiddenLayers}`,
    !(Number.isInteger(hiddenUnits) && hiddenUnits >= 1) && `hiddenUnits must be an integer >= 1, got ${hiddenUnits}`,
    !(learningRate > 0 && Number.isFinite(learningRate)) && `learningRate must be a positive number, got ${learningRate}`,
    !(Number.isInteger(epochs) && epochs >= 1) && `epochs must be an integer >= 1, got ${epochs}`,
    !(Number.isInteger(batchSize) && batchSize >= 1) && `batchSize must be an integer >= 1, got ${batchSize}`,
    !(dropout >= 0 && dropout < 1) && `dropout must be in [0, 1), got ${dropout}`,
    !(l2 >= 0 && Number.isFinite(l2)) && `l2 must be a non-negative number, got ${l2}`,
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) throw new RangeError(`invalid hyperparameters: ${problems.join('; ')}`);
}
