import type { LayersModel, Tensor, Variable } from '@tensorflow/tfjs';
import type { Task } from '../metrics';
import type { BackendName, Tensorflow } from './backend';

/**
 * One optimisation step of trainModel's network, written out as its forward and backward passes.
 *
 * Why not `model.fit`: on networks this small, fit's per-batch machinery (gathering the batch by index,
 * async callbacks, the symbolic executor, tfjs autodiff recording every elementwise op of the loss and the
 * L2 penalty and replaying them backwards) costs several times the arithmetic. The written-out step runs
 * the same network on the same variables: the same initial weights, the same dropout masks (tf.dropout's
 * formula with the per-batch seeds), the same loss and L2 penalty, and Adam as tfjs computes it (FlatAdam).
 * What differs is rounding: dense layers run as one fused kernel, and the loss gradient is the analytic
 * one ((p − y)·w/n for sigmoid and softmax with cross-entropy, 2(ŷ − y)/n for squared error), where tfjs's
 * autodiff also differentiates its probability clipping (ε = 1e-7) and so stops learning from a prediction
 * saturated beyond it.
 */
export interface TrainStep {
  /**
   * Trains on one batch and returns its loss as fit reports it (the mean loss plus the L2 penalty, dropout
   * on), as a scalar the caller disposes, so that reading it can wait for the end of the epoch.
   */
  trainBatch(x: Tensor, y: Tensor, dropoutSeeds: readonly number[]): Tensor;
  /** Mean loss over the rows without dropout or penalty, as fit's validation loss. */
  evaluate(x: Tensor, y: Tensor): Promise<number>;
}

export interface TrainStepOptions {
  task: Task;
  dropout: number;
  l2: number;
  /** Per-class loss weights (index = class), or null. */
  classWeights: readonly number[] | null;
  backend: BackendName;
}

/** An optimiser: one update from the gradients of trainableVariables(model), in that order (FlatAdam). */
export interface Optimiser {
  apply(gradients: readonly Tensor[]): void;
}

interface DenseLayer {
  kernel: Variable;
  bias: Variable;
}

// Validation rows evaluated per forward pass: bounds the activations held at once.
const EVALUATION_CHUNK_ROWS = 8192;

/** The network's weights in the order model.fit trained them (kernel, then bias, of each layer in turn): the order of the optimiser's state. */
export function trainableVariables(model: LayersModel): Variable[] {
  return denseLayersOf(model).flatMap(({ kernel, bias }) => [kernel, bias]);
}

export function createTrainStep(tf: Tensorflow, model: LayersModel, optimizer: Optimiser, options: TrainStepOptions): TrainStep {
  const { task, dropout, l2, classWeights } = options;
  const layers = denseLayersOf(model);
  const hidden = layers.slice(0, -1);
  const output = layers.at(-1)!;
  const keepProbability = 1 - dropout;
  const lossOf = lossFunction(tf, task, classWeights);
  // The WASM backend's matMul is several times slower with a transposed operand than a transpose followed
  // by a plain matMul (measured: 2.5 to 5× at 64 units, 8 to 10× at 256); the other backends transpose in the kernel.
  const transposeFirst = options.backend === 'wasm';
  const matMul = (a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor => {
    if (!transposeFirst) return tf.matMul(a, b, transposeA, transposeB);
    // aᵀ·b = (bᵀ·a)ᵀ: with b a column (one output unit) both transposes are reshapes, not copies. Only the
    // left operand may be a reshaped view: the WASM backend caches the right operand's packing by its data,
    // not its shape, so a kernel reshaped into the right operand would reuse the kernel's packing.
    if (transposeA && !transposeB && b.shape[1] === 1) return tf.reshape(tf.matMul(tf.reshape(b, [1, -1]), a), [-1, 1]);
    return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
  };
  // Bias gradients: a row of ones times the deltas, because the WASM backend sums over the first axis by
  // transposing first, about five times slower than this matMul (measured at 256 × 64).
  const columnSums = (delta: Tensor): Tensor =>
    transposeFirst ? tf.reshape(tf.matMul(tf.ones([1, delta.shape[0]!]), delta), [-1]) : tf.sum(delta, 0);

  const forward = (x: Tensor, masks?: Tensor[]): { inputs: Tensor[]; activations: Tensor[]; outputs: Tensor } => {
    const inputs: Tensor[] = [];
    const activations: Tensor[] = [];
    let h = x;
    hidden.forEach(({ kernel, bias }, index) => {
      inputs.push(h);
      const activation = tf.fused.matMul({ a: h, b: kernel, bias, activation: 'relu' });
      activations.push(activation);
      h = masks ? tf.mul(activation, masks[index]!) : activation;
    });
    inputs.push(h);
    const logits = tf.fused.matMul({ a: h, b: output.kernel, bias: output.bias });
    const outputs = task === 'binary_classification' ? tf.sigmoid(logits) : task === 'multiclass_classification' ? tf.softmax(logits) : logits;
    return { inputs, activations, outputs };
  };

  /** Gradient of the mean loss with respect to the output layer's pre-activation. */
  const outputGradient = (y: Tensor, outputs: Tensor): Tensor => {
    const rows = y.shape[0]!;
    if (task === 'regression') return tf.mul(tf.sub(outputs, y), 2 / (rows * y.shape[1]!));
    const error = tf.sub(outputs, y);
    if (!classWeights) return tf.mul(error, 1 / rows);
    return tf.mul(error, tf.div(rowWeights(tf, task, classWeights, y), rows));
  };

  return {
    trainBatch(x, y, dropoutSeeds) {
      return tf.tidy(() => {
        // tf.dropout's own multiplier, floor(uniform + keep) / keep, so the masks are the ones model.fit drew.
        const masks =
          dropout > 0
            ? hidden.map(({ bias }, index) => {
                const uniform = tf.randomUniform([x.shape[0]!, bias.shape[0]!], 0, 1, 'float32', dropoutSeeds[index]);
                return tf.div(tf.floor(tf.add(uniform, keepProbability)), keepProbability);
              })
            : undefined;
        const { inputs, activations, outputs } = forward(x, masks);
        const meanLoss = tf.mean(lossOf(y, outputs));
        const loss = l2 > 0 ? tf.add(meanLoss, tf.mul(tf.addN(layers.map(({ kernel }) => tf.sum(tf.square(kernel)))), l2)) : meanLoss;

        // Filled from the last layer back; the optimiser takes them first layer first, kernel before bias.
        const gradients: Tensor[] = [];
        let delta = outputGradient(y, outputs);
        for (let index = layers.length - 1; index >= 0; index--) {
          const { kernel } = layers[index]!;
          const kernelGradient = matMul(inputs[index]!, delta, true, false);
          gradients.push(columnSums(delta), l2 > 0 ? tf.add(kernelGradient, tf.mul(kernel, 2 * l2)) : kernelGradient);
          if (index === 0) break;
          let upstream = matMul(delta, kernel, false, true);
          if (masks) upstream = tf.mul(upstream, masks[index - 1]!);
          delta = tf.mul(upstream, tf.step(activations[index - 1]!));
        }
        optimizer.apply(gradients.reverse());
        return loss;
      });
    },

    async evaluate(x, y) {
      const rows = x.shape[0]!;
      const total = tf.tidy(() => {
        let sum: Tensor = tf.scalar(0);
        for (let start = 0; start < rows; start += EVALUATION_CHUNK_ROWS) {
          const size = Math.min(EVALUATION_CHUNK_ROWS, rows - start);
          const chunkX = size === rows ? x : tf.slice(x, [start, 0], [size, -1]);
          const chunkY = size === rows ? y : tf.slice(y, [start, 0], [size, -1]);
          sum = tf.add(sum, tf.sum(lossOf(chunkY, forward(chunkX).outputs)));
        }
        return sum;
      });
      try {
        return (await total.data())[0]! / rows;
      } finally {
        total.dispose();
      }
    },
  };
}

/** The Dense layers' variables in model order (Dropout layers hold none). */
function denseLayersOf(model: LayersModel): DenseLayer[] {
  return model.layers
    .filter((layer) => layer.getClassName() === 'Dense')
    .map((layer) => {
      const [kernel, bias] = layer.trainableWeights.map((weight) => weight.read() as Variable);
      if (!kernel || !bias) throw new Error(`dense layer ${layer.name} has no kernel or bias`);
      return { kernel, bias };
    });
}

/** Per-row loss, as the layers API's loss of the task computes it (Keras's class_weight when weighted). */
function lossFunction(tf: Tensorflow, task: Task, classWeights: readonly number[] | null): (yTrue: Tensor, yPred: Tensor) => Tensor {
  if (task === 'regression') return tf.metrics.meanSquaredError;
  const unweighted = task === 'binary_classification' ? tf.metrics.binaryCrossentropy : tf.metrics.categoricalCrossentropy;
  if (!classWeights) return unweighted;
  return (yTrue, yPred) => tf.mul(unweighted(yTrue, yPred), tf.reshape(rowWeights(tf, task, classWeights, yTrue), [-1]));
}

/** Each row's class weight, as a column: from the 0/1 target for binary, the one-hot row for multi-class. */
function rowWeights(tf: Tensorflow, task: Task, classWeights: readonly number[], yTrue: Tensor): Tensor {
  if (task === 'binary_classification') {
    const [weight0, weight1] = classWeights as [number, number];
    return tf.add(tf.mul(yTrue, weight1 - weight0), weight0);
  }
  return tf.sum(tf.mul(yTrue, tf.tensor1d(classWeights as number[])), -1, true);
}
