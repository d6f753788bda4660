import type { LayersModel, Tensor, Variable } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/metrics';
import { FlatAdam } from '../../../src/training/adam';
import { type Tensorflow, initTensorflow } from '../../../src/training/backend';
import { createTrainStep, trainableVariables } from '../../../src/training/train-step';
import { createRng } from '../../../src/tuning';

let tf: Tensorflow;
let backend: Awaited<ReturnType<typeof initTensorflow>>['backend'];

beforeAll(async () => {
  ({ tf, backend } = await initTensorflow());
});

function bytesOf(tensor: Tensor): string {
  return Buffer.from((tensor.dataSync() as Float32Array).buffer).toString('base64');
}

/** Variables of the given shapes, filled from a seeded stream. */
function variablesOf(shapes: number[][], seed: number): Variable[] {
  const random = createRng(seed);
  return shapes.map((shape) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5), shape)));
}

function gradientsOf(variables: Variable[], step: number): Tensor[] {
  const random = createRng(100 + step);
  // Mixed scales, as real gradients have: Adam's normalisation must round the same on each.
  return variables.map((variable) => tf.tensor(Float32Array.from({ length: variable.size }, () => (random() - 0.5) * 10 ** (-6 * random())), variable.shape));
}

describe('FlatAdam', () => {
  const shapes = [[5, 3], [3], [3, 1], [1]];

  it("updates every weight bit-identically to tfjs's AdamOptimizer, and reports its state in getWeights()'s layout", async () => {
    const reference = variablesOf(shapes, 1);
    const flat = variablesOf(shapes, 1);
    const adam = tf.train.adam(0.01);
    const flatAdam = new FlatAdam(tf, flat, 0.01);
    for (let step = 0; step < 25; step++) {
      const gradients = gradientsOf(reference, step);
      adam.applyGradients(reference.map((variable, index) => ({ name: variable.name, tensor: gradients[index]! })));
      flatAdam.apply(gradients);
      tf.dispose(gradients);
    }
    expect(flat.map(bytesOf)).toEqual(reference.map(bytesOf));
    const tfjsState = (await adam.getWeights()).map(({ tensor }) => tensor);
    const flatState = flatAdam.weights();
    expect(flatState.map((tensor) => tensor.shape)).toEqual(tfjsState.map((tensor) => tensor.shape));
    expect(flatState.map((tensor) => Array.from(tensor.dataSync()))).toEqual(tfjsState.map((tensor) => Array.from(tensor.dataSync())));
    const { accBeta1, accBeta2 } = adam as unknown as { accBeta1: Tensor; accBeta2: Tensor };
    expect(await flatAdam.betaPowers()).toEqual([accBeta1.dataSync()[0], accBeta2.dataSync()[0]]);
    tf.dispose([...flatState, tfjsState[0]!]);
    adam.dispose();
    flatAdam.dispose();
  });

  it.each(['FlatAdam', "tfjs's AdamOptimizer (a checkpoint written before FlatAdam)"])(
    'continues from the state of %s exactly as the run it was taken from',
    async (source) => {
      const train = (variables: Variable[], apply: (gradients: Tensor[]) => void, steps: number[]) => {
        for (const step of steps) {
          const gradients = gradientsOf(variables, step);
          apply(gradients);
          tf.dispose(gradients);
        }
      };
      const straight = variablesOf(shapes, 2);
      const straightAdam = new FlatAdam(tf, straight, 0.01);
      train(straight, (gradients) => straightAdam.apply(gradients), [...Array(20).keys()]);

      const interrupted = variablesOf(shapes, 2);
      let state: Tensor[];
      let betaPowers: [number, number];
      if (source === 'FlatAdam') {
        const before = new FlatAdam(tf, interrupted, 0.01);
        train(interrupted, (gradients) => before.apply(gradients), [...Array(10).keys()]);
        state = before.weights();
        betaPowers = await before.betaPowers();
        before.dispose();
      } else {
        const before = tf.train.adam(0.01);
        const apply = (gradients: Tensor[]) => before.applyGradients(interrupted.map((variable, index) => ({ name: variable.name, tensor: gradients[index]! })));
        train(interrupted, apply, [...Array(10).keys()]);
        state = (await before.getWeights()).map(({ tensor }) => tensor.clone());
        const { accBeta1, accBeta2 } = before as unknown as { accBeta1: Tensor; accBeta2: Tensor };
        betaPowers = [accBeta1.dataSync()[0]!, accBeta2.dataSync()[0]!];
        before.dispose();
      }
      const resumed = new FlatAdam(tf, interrupted, 0.01);
      await resumed.restore(state, betaPowers);
      tf.dispose(state);
      train(interrupted, (gradients) => resumed.apply(gradients), [...Array(10).keys()].map((step) => step + 10));
      expect(interrupted.map(bytesOf)).toEqual(straight.map(bytesOf));
      straightAdam.dispose();
      resumed.dispose();
    },
  );
});

describe('createTrainStep', () => {
  const width = 5;
  const rows = 32;
  const l2 = 1e-3;
  const dropout = 0.2;

  function network(task: Task, outputs: number): LayersModel {
    const model = tf.sequential();
    for (let layer = 0; layer < 2; layer++) {
      model.add(tf.layers.dense({ ...(layer === 0 && { inputShape: [width] }), units: 8, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 11 + layer }) }));
      model.add(tf.layers.dropout({ rate: dropout }));
    }
    const activation = { binary_classification: 'sigmoid', multiclass_classification: 'softmax', regression: 'linear' } as const;
    model.add(tf.layers.dense({ units: outputs, activation: activation[task], kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }));
    return model;
  }

  function batch(task: Task, outputs: number): { x: Tensor; y: Tensor } {
    const random = createRng(5);
    const x = tf.tensor2d(Float32Array.from({ length: rows * width }, () => random() * 2 - 1), [rows, width]);
    const labels = Array.from({ length: rows }, () => Math.floor(random() * (task === 'multiclass_classification' ? outputs : 2)));
    const y =
      task === 'multiclass_classification'
        ? tf.oneHot(tf.tensor1d(labels, 'int32'), outputs).toFloat()
        : tf.tensor2d(labels.map((label) => (task === 'regression' ? label * 3 - 1 + random() : label)), [rows, 1]);
    return { x, y };
  }

  /**
   * What model.fit differentiates: the layers' own forward pass (dropout from the layers' seeds), the task's loss
   * from tf.metrics, weighted per row like Keras's class_weight, plus l2 · Σ kernel².
   */
  function referenceLoss(model: LayersModel, task: Task, classWeights: number[] | null, x: Tensor, y: Tensor, training: boolean): Tensor {
    const prediction = model.apply(x, { training }) as Tensor;
    const lossOf = { regression: tf.metrics.meanSquaredError, binary_classification: tf.metrics.binaryCrossentropy, multiclass_classification: tf.metrics.categoricalCrossentropy };
    const perRow = lossOf[task](y, prediction);
    const oneHot = task === 'binary_classification' ? tf.concat([tf.sub(1, y), y], 1) : y;
    const weighted = classWeights ? tf.mul(perRow, tf.sum(tf.mul(oneHot, tf.tensor1d(classWeights)), -1)) : perRow;
    if (!training) return tf.mean(weighted);
    const kernels = trainableVariables(model).filter((_, index) => index % 2 === 0);
    return tf.add(tf.mean(weighted), tf.addN(kernels.map((kernel) => tf.sum(tf.mul(l2, tf.square(kernel))))));
  }

  function expectClose(actual: Tensor, expected: Tensor): void {
    const scale = Math.max(1e-3, tf.max(tf.abs(expected)).dataSync()[0]!);
    const difference = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!;
    expect(difference / scale).toBeLessThan(1e-4);
  }

  it.each([
    ['binary_classification', 1, null],
    ['binary_classification', 1, [0.6, 3]],
    ['multiclass_classification', 3, null],
    ['multiclass_classification', 3, [1, 0.5, 2]],
    ['regression', 1, null],
  ] as const)('%s (%i outputs), class weights %j: computes the loss and gradients fit computes, with the same dropout masks', async (task, outputs, classWeights) => {
    const model = network(task, outputs);
    const { x, y } = batch(task, outputs);
    const seeds = [101, 202];
    const variables = trainableVariables(model);
    model.layers.filter((layer) => layer.getClassName() === 'Dropout').forEach((layer, index) => Object.assign(layer, { seed: seeds[index] }));
    const expected = tf.variableGrads(() => referenceLoss(model, task, classWeights && [...classWeights], x, y, true) as never, variables);

    let gradients: Tensor[] = [];
    const step = createTrainStep(tf, model, { apply: (computed) => (gradients = computed.map((tensor) => tf.keep(tensor.clone()))) }, {
      task,
      dropout,
      l2,
      classWeights: classWeights && [...classWeights],
      backend: backend.name,
    });
    const loss = step.trainBatch(x, y, seeds);
    expect(loss.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0]!, 5);
    expect(gradients).toHaveLength(variables.length);
    variables.forEach((variable, index) => expectClose(gradients[index]!, expected.grads[variable.name]!));

    const validationLoss = await step.evaluate(x, y);
    expect(validationLoss).toBeCloseTo(referenceLoss(model, task, classWeights && [...classWeights], x, y, false).dataSync()[0]!, 5);
    tf.dispose([x, y, loss, expected.value, ...Object.values(expected.grads), ...gradients]);
    model.dispose();
  });
});
