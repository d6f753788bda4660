import type { LayersModel, Tensor, io } from '@tensorflow/tfjs';
import type { Task } from '../metrics';
import { createRng, deriveSeed } from '../tuning/random';
import { type BackendInfo, type Tensorflow, initTensorflow } from './backend';
import { type FeatureInput, type Preprocessor, fitPreprocessor, transformRows } from './preprocess';

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
}

export interface TrainInput {
  task: Task;
  features: FeatureInput[];
  /** In event-time order: the last rows become the validation split. */
  rows: ReadonlyArray<Record<string, unknown>>;
  labels: ArrayLike<number>;
  hyperparameters: Hyperparameters;
  seed: number;
  /** Share of the last rows held out for early stopping (patience 5 on validation loss); default 0.2, 0 disables it. */
  validationFraction?: number;
  /** Awaited after every epoch, so an activity can heartbeat or cancel from here. */
  onEpoch?: (progress: EpochProgress) => Promise<void> | void;
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
  hyperparameters: Hyperparameters;
  epochsTrained: number;
  /**
   * Regression trains on standardised targets; predict maps outputs back with value * labelStd + labelMean.
   * Classification stores 0 and 1 and applies no mapping.
   */
  labelMean: number;
  labelStd: number;
}

export interface TrainResult {
  artifact: ModelArtifact;
  /** Best validation loss (the weights kept), in standardised units for regression; null without a validation split. */
  validationLoss: number | null;
  epochsTrained: number;
  trainingSeconds: number;
}

const DEFAULT_VALIDATION_FRACTION = 0.2;
const EARLY_STOPPING_PATIENCE = 5;

// Independent random streams derived from the training seed.
const SHUFFLE_STREAM = 1;
const KERNEL_INIT_STREAM = 2;
const DROPOUT_STREAM = 3;

export async function trainModel(input: TrainInput): Promise<TrainResult> {
  const { task, hyperparameters, seed } = input;
  validateHyperparameters(hyperparameters);
  const rowCount = input.rows.length;
  if (input.labels.length !== rowCount) {
    throw new RangeError(`got ${input.labels.length} labels for ${rowCount} rows`);
  }
  const validationFraction = input.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new RangeError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }
  const validationCount = Math.floor(rowCount * validationFraction);
  const trainCount = rowCount - validationCount;
  if (trainCount === 0) throw new RangeError('no training rows');
  const labels = Float64Array.from(input.labels);
  labels.forEach((label, index) => {
    if (!Number.isFinite(label)) throw new RangeError(`label at row ${index} is not a finite number: ${label}`);
    if (task === 'binary_classification' && label !== 0 && label !== 1) {
      throw new RangeError(`classification labels must be 0 or 1, got ${label} at row ${index}`);
    }
  });

  const { tf, backend } = await initTensorflow();
  const startedAt = performance.now();

  const trainRows = input.rows.slice(0, trainCount);
  const preprocessor = fitPreprocessor(input.features, trainRows);
  if (preprocessor.width === 0) throw new Error('the features produce no model inputs (no numeric features, no categories seen)');
  const { mean: labelMean, std: labelStd } =
    task === 'regression' ? standardisation(labels.subarray(0, trainCount)) : { mean: 0, std: 1 };
  const scaledLabels = labels.map((label) => (label - labelMean) / labelStd);

  // fit() shuffles with Math.random, so shuffle once here with the seed instead.
  const order = seededPermutation(trainCount, deriveSeed(seed, SHUFFLE_STREAM));
  const trainFeatures = transformRows(preprocessor, order.map((i) => trainRows[i]!));
  const trainTargets = Float32Array.from(order, (i) => scaledLabels[i]!);
  const validationFeatures = transformRows(preprocessor, input.rows.slice(trainCount));
  const validationTargets = Float32Array.from(scaledLabels.subarray(trainCount));

  // Everything holding tensor memory is disposed in the finally block, whichever step fails.
  const owned: Array<{ dispose(): void }> = [];
  const own = <T extends { dispose(): void }>(resource: T): T => {
    owned.push(resource);
    return resource;
  };
  let bestWeights: Tensor[] | undefined;
  try {
    const xTrain = own(tf.tensor2d(trainFeatures, [trainCount, preprocessor.width]));
    const yTrain = own(tf.tensor2d(trainTargets, [trainCount, 1]));
    const validation: [Tensor, Tensor] | undefined =
      validationCount > 0
        ? [
            own(tf.tensor2d(validationFeatures, [validationCount, preprocessor.width])),
            own(tf.tensor2d(validationTargets, [validationCount, 1])),
          ]
        : undefined;
    const model = own(buildModel(tf, task, preprocessor.width, hyperparameters, seed));
    const optimizer = own(tf.train.adam(hyperparameters.learningRate));
    model.compile({ optimizer, loss: task === 'regression' ? 'meanSquaredError' : 'binaryCrossentropy' });
    const dropoutLayers = model.layers.filter((layer) => layer.getClassName() === 'Dropout');
    let batchesSeen = 0;
    let bestValidationLoss = Number.POSITIVE_INFINITY;
    let epochsWithoutImprovement = 0;
    let epochsTrained = 0;
    let divergedLoss: number | undefined;

    await model.fit(xTrain, yTrain, {
      epochs: hyperparameters.epochs,
      batchSize: hyperparameters.batchSize,
      shuffle: false,
      validationData: validation,
      verbose: 0,
      callbacks: {
        onBatchBegin: () => {
          // tfjs dropout draws its mask from the layer's fixed seed, which would repeat the same mask on
          // every batch; a fresh seed per batch keeps masks varied while training stays reproducible.
          dropoutLayers.forEach((layer, layerIndex) => {
            (layer as unknown as { seed: number }).seed = tfSeed(seed, DROPOUT_STREAM, layerIndex, batchesSeen);
          });
          batchesSeen++;
        },
        onEpochEnd: async (epoch, logs) => {
          epochsTrained = epoch + 1;
          const loss = logs?.loss ?? Number.NaN;
          const valLoss = validation ? (logs?.val_loss ?? Number.NaN) : null;
          if (!Number.isFinite(loss)) {
            divergedLoss = loss;
            model.stopTraining = true;
            return;
          }
          if (valLoss !== null) {
            if (valLoss < bestValidationLoss) {
              bestValidationLoss = valLoss;
              epochsWithoutImprovement = 0;
              // tfjs's earlyStopping cannot restore the best weights, so keep a copy of them here.
              bestWeights?.forEach((tensor) => tensor.dispose());
              bestWeights = model.getWeights().map((tensor) => tensor.clone());
            } else if (++epochsWithoutImprovement >= EARLY_STOPPING_PATIENCE) {
              model.stopTraining = true;
            }
          }
          await input.onEpoch?.({ epoch: epochsTrained, epochs: hyperparameters.epochs, loss, valLoss });
        },
      },
    });
    if (divergedLoss !== undefined) throw new Error(`training diverged at epoch ${epochsTrained}: loss is ${divergedLoss}`);
    if (bestWeights) model.setWeights(bestWeights);

    const serialised = await serialiseModel(tf, model);
    const artifact: ModelArtifact = {
      formatVersion: 1,
      task,
      preprocessor,
      ...serialised,
      backend,
      hyperparameters: { ...hyperparameters },
      epochsTrained,
      labelMean,
      labelStd,
    };
    return {
      artifact,
      validationLoss: bestWeights ? bestValidationLoss : null,
      epochsTrained,
      trainingSeconds: (performance.now() - startedAt) / 1000,
    };
  } finally {
    bestWeights?.forEach((tensor) => tensor.dispose());
    owned.forEach((resource) => resource.dispose());
  }
}

/** Probabilities of class 1 for classification, values in label units for regression. */
export async function predict(artifact: ModelArtifact, rows: ReadonlyArray<Record<string, unknown>>): Promise<Float32Array> {
  if (artifact.formatVersion !== 1) throw new Error(`unsupported model artifact format version ${String(artifact.formatVersion)}`);
  if (rows.length === 0) return new Float32Array(0);
  const { tf } = await initTensorflow();
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
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  } finally {
    model.dispose();
  }
}

function buildModel(tf: Tensorflow, task: Task, inputWidth: number, hyperparameters: Hyperparameters, seed: number): LayersModel {
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
      units: 1,
      activation: task === 'regression' ? 'linear' : 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({
        seed: tfSeed(seed, KERNEL_INIT_STREAM, hyperparameters.hiddenLayers),
      }),
      kernelRegularizer: regulariser,
    }),
  );
  return model;
}

async function serialiseModel(
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
