import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/tuning';
import {
  CheckpointMismatchError,
  DEFAULT_HYPERPARAMETERS,
  type EpochProgress,
  type FeatureInput,
  type TrainInput,
  type TrainingCheckpoint,
  trainModel,
} from '../../../src/training';

const features: FeatureInput[] = [
  { name: 'x1', kind: 'numeric' },
  { name: 'x2', kind: 'numeric' },
  { name: 'segment', kind: 'categorical' },
];

/** Noisy labels, so validation loss keeps moving and early stopping stays out of the way for 12 epochs. */
function syntheticRows(count: number, seed: number, classCount: number) {
  const random = createRng(seed);
  const rows = Array.from({ length: count }, () => ({
    x1: random() * 4 - 2,
    x2: random() * 4 - 2,
    segment: ['a', 'b', 'c'][Math.floor(random() * 3)]!,
  }));
  const labels = rows.map((row) => {
    const score = row.x1 + 0.5 * row.x2 + (random() - 0.5);
    return Math.min(classCount - 1, Math.max(0, Math.floor((score + 2) / (4 / classCount))));
  });
  return { rows, labels };
}

const EPOCHS = 12;
const INTERRUPTED_AFTER = 5;

class SimulatedCrash extends Error {}

function baseInput(task: TrainInput['task'], classCount: number): TrainInput {
  const { rows, labels } = syntheticRows(160, 7, classCount);
  return {
    task,
    features,
    rows,
    labels,
    // Dropout on, so the per-batch seed stream has to resume where it stopped.
    hyperparameters: {
      ...DEFAULT_HYPERPARAMETERS,
      hiddenLayers: 1,
      hiddenUnits: 8,
      learningRate: 0.01,
      epochs: EPOCHS,
      batchSize: 16,
      dropout: 0.2,
    },
    seed: 3,
  };
}

/** Runs until onEpoch of epoch `epoch` and returns that epoch's checkpoint, round-tripped through JSON like a file would. */
async function checkpointAt(input: TrainInput, epoch: number): Promise<TrainingCheckpoint> {
  let checkpoint: TrainingCheckpoint | undefined;
  await expect(
    trainModel({
      ...input,
      onEpoch: async (progress) => {
        if (progress.epoch < epoch) return;
        checkpoint = await progress.checkpoint();
        throw new SimulatedCrash();
      },
    }),
  ).rejects.toBeInstanceOf(SimulatedCrash);
  const serialised = JSON.stringify(checkpoint);
  const restored = JSON.parse(serialised) as TrainingCheckpoint;
  expect(restored).toEqual(checkpoint);
  return restored;
}

describe('resuming training from a checkpoint', () => {
  it.each([
    ['binary_classification', 2, 'none'],
    ['multiclass_classification', 3, 'none'],
    // The weighted loss must resume as exactly as the built-in one.
    ['binary_classification', 2, 'balanced'],
  ] as const)('%s (%i classes), class weights %s: ends bit-identical to an uninterrupted run', async (task, classCount, classWeights) => {
    const input = { ...baseInput(task, classCount), classWeights };
    const straightProgress: EpochProgress[] = [];
    const straight = await trainModel({ ...input, onEpoch: (progress) => void straightProgress.push(progress) });
    expect(straight.resumedFromEpoch).toBeNull();
    expect(straight.epochsTrained).toBe(EPOCHS);

    const checkpoint = await checkpointAt(input, INTERRUPTED_AFTER);
    expect(checkpoint.epochsCompleted).toBe(INTERRUPTED_AFTER);
    expect(checkpoint.batchesSeen).toBe(INTERRUPTED_AFTER * Math.ceil((160 - 32) / 16));

    const resumedProgress: EpochProgress[] = [];
    const resumed = await trainModel({
      ...input,
      resumeFrom: checkpoint,
      onEpoch: (progress) => void resumedProgress.push(progress),
    });
    expect(resumed.resumedFromEpoch).toBe(INTERRUPTED_AFTER);
    expect(resumed.epochsTrained).toBe(EPOCHS);
    const remainingEpochs = Array.from({ length: EPOCHS - INTERRUPTED_AFTER }, (_, i) => INTERRUPTED_AFTER + 1 + i);
    expect(resumedProgress.map((p) => p.epoch)).toEqual(remainingEpochs);
    const lossesOf = (progress: EpochProgress[]) => progress.map(({ epoch, loss, valLoss }) => ({ epoch, loss, valLoss }));
    expect(lossesOf(resumedProgress)).toEqual(lossesOf(straightProgress.slice(INTERRUPTED_AFTER)));
    expect(resumed.validationLoss).toBe(straight.validationLoss);
    expect(resumed.artifact.weightDataBase64).toBe(straight.artifact.weightDataBase64);
    expect(resumed.artifact.classCount).toBe(straight.artifact.classCount);
    expect(resumed.artifact.classWeights).toEqual(straight.artifact.classWeights);
    expect(resumed.classWeights === null).toBe(classWeights === 'none');
  });

  it('finishes at once from the checkpoint of the last epoch', async () => {
    const input = baseInput('binary_classification', 2);
    const straight = await trainModel(input);
    const checkpoint = await checkpointAt(input, EPOCHS);
    const epochsRun: number[] = [];
    const resumed = await trainModel({ ...input, resumeFrom: checkpoint, onEpoch: (progress) => void epochsRun.push(progress.epoch) });
    expect(epochsRun).toEqual([]);
    expect(resumed.epochsTrained).toBe(EPOCHS);
    expect(resumed.validationLoss).toBe(straight.validationLoss);
    expect(resumed.artifact.weightDataBase64).toBe(straight.artifact.weightDataBase64);
  });

  it('refuses a checkpoint taken with other inputs and says what differs', async () => {
    const input = baseInput('binary_classification', 2);
    const checkpoint = await checkpointAt({ ...input, hyperparameters: { ...input.hyperparameters, epochs: 2 } }, 1);
    const otherSeed = trainModel({ ...input, seed: 4, resumeFrom: checkpoint });
    await expect(otherSeed).rejects.toBeInstanceOf(CheckpointMismatchError);
    await expect(otherSeed).rejects.toThrow(/hyperparameter epochs is 12 here but 2 in the checkpoint; seed is 4 here but 3/);
    const flippedLabels = Array.from(input.labels, (label) => 1 - label);
    const twoEpochs = { ...input.hyperparameters, epochs: 2 };
    const otherData = trainModel({ ...input, hyperparameters: twoEpochs, labels: flippedLabels, resumeFrom: checkpoint });
    await expect(otherData).rejects.toThrow(/rows, labels or features differ/);
    const otherSplit = trainModel({ ...input, hyperparameters: twoEpochs, validationStrategy: 'recent', classWeights: 'balanced', resumeFrom: checkpoint });
    await expect(otherSplit).rejects.toThrow(/validationStrategy is "recent" here but "stratified" in the checkpoint; class weights is \[[0-9.,]+\] here but null/);
  });

  it('rejects checkpoint() once onEpoch has settled', async () => {
    let late: (() => Promise<TrainingCheckpoint>) | undefined;
    const input = baseInput('binary_classification', 2);
    await trainModel({
      ...input,
      hyperparameters: { ...input.hyperparameters, epochs: 1 },
      onEpoch: (progress) => {
        late = progress.checkpoint;
      },
    });
    await expect(late!()).rejects.toThrow(/checkpoint\(\) of epoch 1 was called after onEpoch settled/);
  });
});
