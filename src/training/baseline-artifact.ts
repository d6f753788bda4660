/**
 * The linear baseline as a servable model: one Dense layer on the baseline's own preprocessing, saved
 * in the TensorFlow.js format that `predict` and the artifact store load, so a retrain can register and
 * promote the baseline like any trained challenger. `predict(artifact, rows)` equals
 * `predictBaseline(baseline, rows, 'linear')` up to float32 rounding.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { withTensorflow } from './backend';
import type { BaselineModel } from './baseline';
import { type ModelArtifact, serialiseModel } from './model';

/**
 * What a linear baseline's artifact (and its registry row) records where a trained network records its
 * hyperparameters: flat, like those. The L2 setting as scikit-learn names it, C for logistic regression
 * and alpha for ridge (neither for a constant model: one class in training), and the L-BFGS iterations
 * and whether the gradient reached the tolerance.
 */
export interface LinearBaselineParameters {
  model: 'linear_baseline';
  C?: number;
  alpha?: number;
  iterations: number;
  converged: boolean;
}

/**
 * The logit of a class the baseline never saw in training (or of the other class of a constant binary
 * model): far below any logit a finite input can produce, so its exp, and the class's probability, is
 * exactly 0 in float32, as predictBaseline gives it.
 */
const IMPOSSIBLE_CLASS_LOGIT = -1e30;

interface DenseWeights {
  units: number;
  activation: 'sigmoid' | 'softmax' | 'linear';
  /** width × units, row-major (the Dense kernel's layout). */
  kernel: Float32Array;
  bias: Float32Array;
}

export async function linearBaselineArtifact(baseline: BaselineModel): Promise<ModelArtifact> {
  if (baseline.formatVersion !== 1) throw new Error(`unsupported baseline format version ${String(baseline.formatVersion)}`);
  const { width } = baseline.preprocessor;
  if (width === 0) throw new Error('the features produce no model inputs (no numeric features, no categories seen)');
  const dense = denseWeights(baseline);
  return withTensorflow(async ({ tf, backend }) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [width], units: dense.units, activation: dense.activation }));
    const weights: Tensor[] = [tf.tensor2d(dense.kernel, [width, dense.units]), tf.tensor1d(dense.bias)];
    try {
      model.setWeights(weights);
      const { linear, task } = baseline;
      return {
        formatVersion: 1,
        task,
        preprocessor: baseline.preprocessor,
        ...(await serialiseModel(tf, model)),
        backend,
        hyperparameters: { model: 'linear_baseline', ...linear.l2, iterations: linear.iterations, converged: linear.converged },
        epochsTrained: 0,
        // The layer outputs label units already.
        labelMean: 0,
        labelStd: 1,
        ...(task === 'multiclass_classification' && { classCount: baseline.classCount! }),
      };
    } finally {
      weights.forEach((tensor) => tensor.dispose());
      model.dispose();
    }
  });
}

/**
 * The layer that computes predictBaseline's 'linear' predictions. Binary classification: one sigmoid
 * unit, P(class 1). Multiclass: a softmax over all K classes, where a two-class ('sigmoid') fit is the
 * softmax of logits 0 and z (σ(z) = e^z / (e^0 + e^z)) and classes absent from training get an
 * impossible logit. Regression: one linear unit.
 */
function denseWeights(baseline: BaselineModel): DenseWeights {
  const { linear, preprocessor: { width } } = baseline;
  if (linear.link === 'identity') {
    return { units: 1, activation: 'linear', kernel: Float32Array.from(linear.coefficients), bias: Float32Array.from(linear.intercepts) };
  }
  if (baseline.task === 'binary_classification') {
    const kernel = new Float32Array(width);
    if (linear.link === 'constant') {
      const bias = linear.classes[0] === 1 ? -IMPOSSIBLE_CLASS_LOGIT : IMPOSSIBLE_CLASS_LOGIT;
      return { units: 1, activation: 'sigmoid', kernel, bias: Float32Array.of(bias) };
    }
    kernel.set(linear.coefficients);
    return { units: 1, activation: 'sigmoid', kernel, bias: Float32Array.from(linear.intercepts) };
  }
  const classCount = baseline.classCount!;
  const kernel = new Float32Array(width * classCount);
  const bias = new Float32Array(classCount).fill(IMPOSSIBLE_CLASS_LOGIT);
  // Class k's logit: the linear score of `output`, or 0 without one (the reference class of a two-class
  // fit, the only class of a constant one).
  const giveLogit = (k: number, output?: number) => {
    if (output === undefined) {
      bias[k] = 0;
      return;
    }
    bias[k] = linear.intercepts[output]!;
    for (let j = 0; j < width; j++) kernel[j * classCount + k] = linear.coefficients[output * width + j]!;
  };
  if (linear.link === 'constant') giveLogit(linear.classes[0]!);
  else if (linear.link === 'sigmoid') {
    giveLogit(linear.classes[0]!);
    giveLogit(linear.classes[1]!, 0);
  } else linear.classes.forEach((k, output) => giveLogit(k, output));
  return { units: classCount, activation: 'softmax', kernel, bias };
}
