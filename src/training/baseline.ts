/**
 * Baselines a challenger has to beat, fitted on the challenger's own training rows: an L2-regularised
 * linear model (logistic regression for classification, ridge regression for regression) and the
 * prior (training class frequencies, or the training mean). Plain TypeScript, deterministic, and the
 * same objective scikit-learn minimises with its defaults, so its numbers can be checked against it.
 */
import type { Task } from '../metrics';
import { classCountOf, validateLabels } from './labels';
import { type FeatureInput, type Preprocessor, fitPreprocessor, transformRows } from './preprocess';

export type BaselineKind = 'linear' | 'prior';

export interface BaselineInput {
  task: Task;
  features: FeatureInput[];
  rows: ReadonlyArray<Record<string, unknown>>;
  /** As for trainModel: 0/1, class indices 0..K-1, or values. */
  labels: ArrayLike<number>;
}

/**
 * The linear model on the preprocessed inputs.
 * - 'sigmoid': binary logistic regression; one output whose sigmoid is P(classes[1]) against classes[0].
 *   Used whenever exactly two classes occur in training, for multiclass too, as scikit-learn does.
 * - 'softmax': multinomial logistic regression, one output per class in `classes`.
 * - 'constant': training held one class only, `classes[0]`, which gets probability 1.
 * - 'identity': ridge regression, one output in label units.
 * Classes not in `classes` get probability 0.
 */
export interface LinearBaseline {
  link: 'sigmoid' | 'softmax' | 'constant' | 'identity';
  classes: number[];
  /** Outputs × preprocessor.width, row-major. */
  coefficients: number[];
  intercepts: number[];
  /** The L2 setting as scikit-learn names it: C for logistic regression, alpha for ridge. */
  l2: { C: number } | { alpha: number } | null;
  /** L-BFGS iterations, and whether the gradient reached the tolerance (not just the iteration cap). */
  iterations: number;
  converged: boolean;
}

export type PriorBaseline =
  | { kind: 'class_frequencies'; frequencies: number[] }
  | { kind: 'mean'; mean: number };

/** Plain JSON. */
export interface BaselineModel {
  formatVersion: 1;
  task: Task;
  /** Fitted on the same rows, like the challenger's (standardised numerics, one-hot categories). */
  preprocessor: Preprocessor;
  /** K: 2 for binary, the largest label + 1 for multiclass (as trainModel infers it); absent for regression. */
  classCount?: number;
  rows: number;
  linear: LinearBaseline;
  prior: PriorBaseline;
}

// scikit-learn's defaults: LogisticRegression(C=1.0) and Ridge(alpha=1.0), the intercept not penalised.
export const BASELINE_LOGISTIC_C = 1;
export const BASELINE_RIDGE_ALPHA = 1;

const MAX_ITERATIONS = 1000;
/** On the largest gradient component of the per-row mean objective. */
const GRADIENT_TOLERANCE = 1e-9;
const LBFGS_MEMORY = 10;
const ARMIJO_C1 = 1e-4;
const MAX_LINE_SEARCH_HALVINGS = 30;
/** Relative rounding error of the objective (a float64 mean over up to millions of rows), with margin. */
const VALUE_NOISE = 1e-12;
const YIELD_EVERY_MS = 20;
const ROWS_PER_TIME_CHECK = 512;

export async function fitBaseline(input: BaselineInput): Promise<BaselineModel> {
  const { task, rows } = input;
  const rowCount = rows.length;
  if (input.labels.length !== rowCount) throw new RangeError(`got ${input.labels.length} labels for ${rowCount} rows`);
  if (rowCount === 0) throw new RangeError('cannot fit a baseline on zero rows');
  const yielder = createYielder();
  const labels = Float64Array.from(input.labels);
  validateLabels(task, labels);
  const classCount = task === 'binary_classification' ? 2 : task === 'multiclass_classification' ? classCountOf(labels) : undefined;
  const preprocessor = fitPreprocessor(input.features, rows);
  await yielder();
  const design: Design = { x: await transformInChunks(preprocessor, rows, yielder), rows: rowCount, width: preprocessor.width };

  if (classCount === undefined) {
    const mean = labels.reduce((sum, label) => sum + label, 0) / rowCount;
    return {
      formatVersion: 1,
      task,
      preprocessor,
      rows: rowCount,
      linear: await fitRidge(design, labels, mean, yielder),
      prior: { kind: 'mean', mean },
    };
  }
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) counts[label]! += 1;
  return {
    formatVersion: 1,
    task,
    preprocessor,
    classCount,
    rows: rowCount,
    linear: await fitLogistic(design, labels, counts, yielder),
    prior: { kind: 'class_frequencies', frequencies: counts.map((count) => count / rowCount) },
  };
}

/**
 * Predictions in the shape `predict` of a trained model returns: P(class 1) per row for binary
 * classification, K class probabilities per row (row-major) for multiclass, values for regression.
 */
export function predictBaseline(model: BaselineModel, rows: ReadonlyArray<Record<string, unknown>>, kind: BaselineKind): Float32Array {
  if (model.formatVersion !== 1) throw new Error(`unsupported baseline format version ${String(model.formatVersion)}`);
  const classCount = model.classCount ?? 1;
  const probabilities = new Float64Array(rows.length * classCount);
  if (kind === 'prior') {
    const { prior } = model;
    for (let row = 0; row < rows.length; row++) {
      if (prior.kind === 'mean') probabilities[row] = prior.mean;
      else probabilities.set(prior.frequencies, row * classCount);
    }
  } else {
    const { linear, preprocessor } = model;
    const x = transformRows(preprocessor, rows);
    const outputs = linear.intercepts.length;
    const scores = new Float64Array(Math.max(outputs, 1));
    for (let row = 0; row < rows.length; row++) {
      linearScores(linear, x, row, preprocessor.width, scores);
      const out = row * classCount;
      if (linear.link === 'identity') probabilities[out] = scores[0]!;
      else if (linear.link === 'constant') probabilities[out + linear.classes[0]!] = 1;
      else if (linear.link === 'sigmoid') {
        const positive = sigmoid(scores[0]!);
        probabilities[out + linear.classes[0]!] = 1 - positive;
        probabilities[out + linear.classes[1]!] = positive;
      } else {
        const logNormaliser = logSumExp(scores, outputs);
        linear.classes.forEach((k, m) => {
          probabilities[out + k] = Math.exp(scores[m]! - logNormaliser);
        });
      }
    }
  }
  if (model.task !== 'binary_classification') return Float32Array.from(probabilities);
  return Float32Array.from({ length: rows.length }, (_, row) => probabilities[row * 2 + 1]!);
}

interface Design {
  /** Rows × width, row-major. */
  x: Float32Array;
  rows: number;
  width: number;
}

/** Parameters are laid out as outputs × width coefficients, then the outputs' intercepts. */
interface Objective {
  /** Fills `gradient` and returns the value; both are per-row means plus the penalty. */
  evaluate(parameters: Float64Array, gradient: Float64Array): Promise<number>;
  size: number;
}

async function transformInChunks(
  preprocessor: Preprocessor,
  rows: ReadonlyArray<Record<string, unknown>>,
  yielder: Yielder,
): Promise<Float32Array> {
  const x = new Float32Array(rows.length * preprocessor.width);
  for (let start = 0; start < rows.length; start += ROWS_PER_TIME_CHECK) {
    x.set(transformRows(preprocessor, rows.slice(start, start + ROWS_PER_TIME_CHECK)), start * preprocessor.width);
    await yielder();
  }
  return x;
}

/**
 * scikit-learn's objective, divided by the row count: the mean log loss plus ‖W‖² / (2·C·n). Two
 * classes present: one coefficient vector (binary); three or more: one per class (multinomial).
 */
async function fitLogistic(design: Design, labels: Float64Array, counts: number[], yielder: Yielder): Promise<LinearBaseline> {
  const classes = counts.flatMap((count, k) => (count > 0 ? [k] : []));
  const l2 = { C: BASELINE_LOGISTIC_C };
  if (classes.length === 1) {
    return { link: 'constant', classes, coefficients: [], intercepts: [], l2: null, iterations: 0, converged: true };
  }
  const outputs = classes.length === 2 ? 1 : classes.length;
  const outputOfClass = new Map(classes.map((k, m) => [k, m]));
  const targets = Int32Array.from(labels, (label) => outputOfClass.get(label)!);
  const { rows, width, x } = design;
  const penalty = 1 / (BASELINE_LOGISTIC_C * rows);
  const coefficientCount = outputs * width;
  const scores = new Float64Array(outputs);
  const objective: Objective = {
    size: coefficientCount + outputs,
    async evaluate(parameters, gradient) {
      gradient.fill(0);
      let loss = 0;
      for (let row = 0; row < rows; row++) {
        if (row % ROWS_PER_TIME_CHECK === 0) await yielder();
        rowScores(parameters, coefficientCount, x, row, width, outputs, scores);
        const target = targets[row]!;
        if (outputs === 1) {
          const z = scores[0]!;
          // log(1 + e^z) − y·z, and its derivative σ(z) − y, without overflow.
          loss += softplus(z) - target * z;
          accumulateRow(gradient, coefficientCount, x, row, width, 0, sigmoid(z) - target);
        } else {
          const logNormaliser = logSumExp(scores, outputs);
          loss += logNormaliser - scores[target]!;
          for (let m = 0; m < outputs; m++) {
            const residual = Math.exp(scores[m]! - logNormaliser) - (m === target ? 1 : 0);
            accumulateRow(gradient, coefficientCount, x, row, width, m, residual);
          }
        }
      }
      return finishObjective(parameters, gradient, coefficientCount, loss / rows, 1 / rows, penalty);
    },
  };
  // Start from the prior: zero coefficients and the log class frequencies as intercepts.
  const start = new Float64Array(objective.size);
  if (outputs === 1) start[coefficientCount] = Math.log(counts[classes[1]!]! / counts[classes[0]!]!);
  else classes.forEach((k, m) => (start[coefficientCount + m] = Math.log(counts[k]! / rows)));
  const solution = await minimiseLbfgs(objective, start, yielder);
  return {
    link: outputs === 1 ? 'sigmoid' : 'softmax',
    classes,
    coefficients: Array.from(solution.parameters.subarray(0, coefficientCount)),
    intercepts: Array.from(solution.parameters.subarray(coefficientCount)),
    l2,
    iterations: solution.iterations,
    converged: solution.converged,
  };
}

/**
 * Ridge regression, Σ(y − Xw − b)² + α‖w‖², solved on standardised labels (the same minimiser, scaled)
 * so the tolerance means the same for labels in any unit.
 */
async function fitRidge(design: Design, labels: Float64Array, mean: number, yielder: Yielder): Promise<LinearBaseline> {
  const { rows, width, x } = design;
  const variance = labels.reduce((sum, label) => sum + (label - mean) ** 2, 0) / rows;
  const scale = variance > 0 ? Math.sqrt(variance) : 1;
  const targets = Float64Array.from(labels, (label) => (label - mean) / scale);
  const scores = new Float64Array(1);
  const objective: Objective = {
    size: width + 1,
    async evaluate(parameters, gradient) {
      gradient.fill(0);
      let loss = 0;
      for (let row = 0; row < rows; row++) {
        if (row % ROWS_PER_TIME_CHECK === 0) await yielder();
        rowScores(parameters, width, x, row, width, 1, scores);
        const residual = scores[0]! - targets[row]!;
        loss += 0.5 * residual * residual;
        accumulateRow(gradient, width, x, row, width, 0, residual);
      }
      return finishObjective(parameters, gradient, width, loss / rows, 1 / rows, BASELINE_RIDGE_ALPHA / rows);
    },
  };
  const solution = await minimiseLbfgs(objective, new Float64Array(objective.size), yielder);
  const coefficients = Array.from(solution.parameters.subarray(0, width), (w) => w * scale);
  return {
    link: 'identity',
    classes: [],
    coefficients,
    intercepts: [solution.parameters[width]! * scale + mean],
    l2: { alpha: BASELINE_RIDGE_ALPHA },
    iterations: solution.iterations,
    converged: solution.converged,
  };
}

/** Scales the summed data gradient to a mean and adds the L2 penalty on the coefficients (never the intercepts). */
function finishObjective(
  parameters: Float64Array,
  gradient: Float64Array,
  coefficientCount: number,
  meanLoss: number,
  rowScale: number,
  penalty: number,
): number {
  let squaredNorm = 0;
  for (let i = 0; i < gradient.length; i++) {
    gradient[i]! *= rowScale;
    if (i < coefficientCount) {
      squaredNorm += parameters[i]! ** 2;
      gradient[i]! += penalty * parameters[i]!;
    }
  }
  return meanLoss + 0.5 * penalty * squaredNorm;
}

function rowScores(
  parameters: Float64Array,
  coefficientCount: number,
  x: Float32Array,
  row: number,
  width: number,
  outputs: number,
  scores: Float64Array,
): void {
  const rowStart = row * width;
  for (let m = 0; m < outputs; m++) {
    let score = parameters[coefficientCount + m]!;
    const weightStart = m * width;
    for (let j = 0; j < width; j++) score += parameters[weightStart + j]! * x[rowStart + j]!;
    scores[m] = score;
  }
}

function accumulateRow(
  gradient: Float64Array,
  coefficientCount: number,
  x: Float32Array,
  row: number,
  width: number,
  output: number,
  residual: number,
): void {
  const rowStart = row * width;
  const weightStart = output * width;
  for (let j = 0; j < width; j++) gradient[weightStart + j]! += residual * x[rowStart + j]!;
  gradient[coefficientCount + output]! += residual;
}

function linearScores(linear: LinearBaseline, x: Float32Array, row: number, width: number, scores: Float64Array): void {
  const rowStart = row * width;
  linear.intercepts.forEach((intercept, m) => {
    let score = intercept;
    for (let j = 0; j < width; j++) score += linear.coefficients[m * width + j]! * x[rowStart + j]!;
    scores[m] = score;
  });
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function logSumExp(values: Float64Array, count: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) max = Math.max(max, values[i]!);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

interface Solution {
  parameters: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking line search (Armijo, or an
 * approximate Wolfe test near the optimum, after Hager & Zhang). The objectives here are smooth and
 * convex, so accepted steps have sᵀy > 0 (pairs without are skipped) and the update stays positive
 * definite; a line search that finds no step ends the search (converged only if the gradient is already
 * within tolerance).
 */
async function minimiseLbfgs(objective: Objective, start: Float64Array, yielder: Yielder): Promise<Solution> {
  const size = objective.size;
  let parameters = Float64Array.from(start);
  let gradient = new Float64Array(size);
  let value = await objective.evaluate(parameters, gradient);
  const history: Array<{ s: Float64Array; y: Float64Array; rho: number }> = [];
  const direction = new Float64Array(size);
  const alphas = new Float64Array(LBFGS_MEMORY);
  const candidate = new Float64Array(size);
  let candidateGradient = new Float64Array(size);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    if (maxAbs(gradient) <= GRADIENT_TOLERANCE) return { parameters, iterations: iteration, converged: true };
    // Two-loop recursion: direction = −H·gradient.
    direction.set(gradient);
    for (let h = history.length - 1; h >= 0; h--) {
      const { s, y, rho } = history[h]!;
      alphas[h] = rho * dot(s, direction);
      axpy(-alphas[h]!, y, direction);
    }
    const newest = history.at(-1);
    const initialScale = newest ? dot(newest.s, newest.y) / dot(newest.y, newest.y) : 1 / Math.max(1, Math.sqrt(dot(gradient, gradient)));
    for (let i = 0; i < size; i++) direction[i]! *= initialScale;
    for (let h = 0; h < history.length; h++) {
      const { s, y, rho } = history[h]!;
      axpy(alphas[h]! - rho * dot(y, direction), s, direction);
    }
    for (let i = 0; i < size; i++) direction[i] = -direction[i]!;
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // Lost the descent direction to rounding: restart from steepest descent.
      history.length = 0;
      for (let i = 0; i < size; i++) direction[i] = -gradient[i]!;
      slope = -dot(gradient, gradient);
    }
    let step = 1;
    let candidateValue = Number.NaN;
    let accepted = false;
    for (let halving = 0; halving < MAX_LINE_SEARCH_HALVINGS; halving++) {
      for (let i = 0; i < size; i++) candidate[i] = parameters[i]! + step * direction[i]!;
      candidateValue = await objective.evaluate(candidate, candidateGradient);
      const sufficientDecrease = candidateValue <= value + ARMIJO_C1 * step * slope;
      // Close to the optimum the decrease Armijo asks for is below the rounding error of a mean over
      // many rows; a step that keeps the value within that noise and does not overshoot along the line
      // (|slope there| ≤ |slope here|, as for a quadratic up to twice the exact step) is progress too.
      const withinNoise =
        candidateValue <= value + VALUE_NOISE * Math.abs(value) && Math.abs(dot(candidateGradient, direction)) <= -slope * (1 - ARMIJO_C1);
      if (sufficientDecrease || withinNoise) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) return { parameters, iterations: iteration, converged: maxAbs(gradient) <= GRADIENT_TOLERANCE };
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = candidate[i]! - parameters[i]!;
      y[i] = candidateGradient[i]! - gradient[i]!;
    }
    const curvature = dot(s, y);
    if (curvature > 0) {
      history.push({ s, y, rho: 1 / curvature });
      if (history.length > LBFGS_MEMORY) history.shift();
    }
    parameters = Float64Array.from(candidate);
    [gradient, candidateGradient] = [candidateGradient, gradient];
    value = candidateValue;
    await yielder();
  }
  return { parameters, iterations: MAX_ITERATIONS, converged: maxAbs(gradient) <= GRADIENT_TOLERANCE };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(scale: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += scale * x[i]!;
}

function maxAbs(values: Float64Array): number {
  let max = 0;
  for (const value of values) max = Math.max(max, Math.abs(value));
  return max;
}

/** Yields to the event loop when ~20 ms of work passed since the last yield. */
type Yielder = () => Promise<void>;

/** A fit runs in a worker next to heartbeats and other activities, so it hands the event loop back every ~20 ms. */
function createYielder(): Yielder {
  let lastYield = performance.now();
  return async () => {
    if (performance.now() - lastYield < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  };
}
