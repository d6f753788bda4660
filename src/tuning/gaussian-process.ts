// Gaussian-process regression for Bayesian optimisation. Workflow code imports this (through
// bayesian.ts), so it stays pure and deterministic: no Node modules, no Math.random, no Date, no I/O.
// The linear algebra is small and dense on purpose: n is at most a few hundred observations.

import { createRng, deriveSeed } from './random';
import type { ParameterSpec, ParameterValues, SearchSpace } from './search-space';

// ---------------------------------------------------------------------------------------------
// Search space <-> unit hypercube
// ---------------------------------------------------------------------------------------------

/**
 * Maps parameter values to points of [0, 1]^d and back. Parameters are taken in name order.
 *  - float: one dimension, linear in the value (or in log(value) when `log` is set);
 *  - int: one dimension over [min - 0.5, max + 0.5] (log scale: log(min - 0.5) .. log(max + 0.5)),
 *    decoded by rounding, so every integer owns an equal slice of the dimension, as in random search;
 *  - categorical: one-hot, one dimension per choice; decoding takes the largest coordinate (first on
 *    ties) and encoding gives an exact one-hot vector. One-hot keeps the choices unordered and equally
 *    far apart, and the ARD length scales can still tell which choices matter.
 */
export interface SpaceEncoding {
  readonly dimensions: number;
  encode(values: ParameterValues): number[];
  decode(point: readonly number[]): ParameterValues;
}

export function encodeSearchSpace(space: SearchSpace): SpaceEncoding {
  const parameters = Object.entries(space).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const offsets: number[] = [];
  let dimensions = 0;
  for (const [, spec] of parameters) {
    offsets.push(dimensions);
    dimensions += spec.type === 'categorical' ? spec.choices.length : 1;
  }
  return {
    dimensions,
    encode(values) {
      const point = new Array<number>(dimensions).fill(0);
      parameters.forEach(([name, spec], index) => {
        const offset = offsets[index]!;
        const value = values[name];
        if (spec.type === 'categorical') {
          const choice = spec.choices.indexOf(value as string | number | boolean);
          if (choice < 0) throw new RangeError(`parameter "${name}": ${JSON.stringify(value)} is not one of its choices`);
          point[offset + choice] = 1;
        } else {
          if (typeof value !== 'number' || !Number.isFinite(value)) {
            throw new RangeError(`parameter "${name}": expected a finite number, got ${JSON.stringify(value)}`);
          }
          point[offset] = toUnit(spec, value);
        }
      });
      return point;
    },
    decode(point) {
      const values: ParameterValues = {};
      parameters.forEach(([name, spec], index) => {
        const offset = offsets[index]!;
        if (spec.type === 'categorical') {
          let best = 0;
          for (let c = 1; c < spec.choices.length; c++) if (point[offset + c]! > point[offset + best]!) best = c;
          values[name] = spec.choices[best]!;
        } else {
          values[name] = fromUnit(spec, clamp(point[offset]!, 0, 1));
        }
      });
      return values;
    },
  };
}

type NumericSpec = Exclude<ParameterSpec, { type: 'categorical' }>;

function numericRange(spec: NumericSpec): [number, number] {
  const [low, high] = spec.type === 'int' ? [spec.min - 0.5, spec.max + 0.5] : [spec.min, spec.max];
  return spec.log ? [Math.log(low), Math.log(high)] : [low, high];
}

function toUnit(spec: NumericSpec, value: number): number {
  const [low, high] = numericRange(spec);
  const v = spec.log ? Math.log(Math.max(value, Number.MIN_VALUE)) : value;
  return clamp((v - low) / (high - low), 0, 1);
}

function fromUnit(spec: NumericSpec, unit: number): number {
  const [low, high] = numericRange(spec);
  const v = low + (high - low) * unit;
  const value = spec.log ? Math.exp(v) : v;
  return spec.type === 'int' ? clamp(Math.round(value), spec.min, spec.max) : clamp(value, spec.min, spec.max);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

// ---------------------------------------------------------------------------------------------
// Gaussian process
// ---------------------------------------------------------------------------------------------

/** Kernel hyperparameters, in the units of the standardised targets. */
export interface GpHyperparameters {
  /** One per input dimension (ARD). */
  readonly lengthScales: readonly number[];
  readonly signalVariance: number;
  readonly noiseVariance: number;
}

export interface GpPrediction {
  /** Posterior mean of the latent function, in the units of the targets. */
  mean: number;
  /** Posterior variance of the latent function (observation noise excluded), in squared target units. */
  variance: number;
}

export interface GaussianProcess {
  readonly hyperparameters: GpHyperparameters;
  /** Log marginal likelihood of the standardised targets under the hyperparameters. */
  readonly logMarginalLikelihood: number;
  predict(point: readonly number[]): GpPrediction;
}

export interface GpFitOptions {
  /** Seeds the starting points of the hyperparameter restarts. */
  seed: number;
  /** Nelder–Mead runs from different starting points; the first always starts from a fixed default. Default 3. */
  restarts?: number;
  /** Objective evaluations per restart. Default 250. */
  maxEvaluations?: number;
  /** Use these hyperparameters instead of fitting them. */
  hyperparameters?: GpHyperparameters;
  /**
   * Noise variance added to each observation's own, in units of the standardised targets (default 0
   * for all): observations known to be less reliable (earlier runs' scores) pull the fit less.
   */
  extraNoise?: readonly number[];
}

// Bounds of the log-hyperparameters (targets are standardised, inputs in [0, 1]).
const LOG_LENGTH_SCALE = [Math.log(0.01), Math.log(100)] as const;
const LOG_SIGNAL_VARIANCE = [Math.log(0.01), Math.log(100)] as const;
const LOG_NOISE_VARIANCE = [Math.log(1e-6), Math.log(1)] as const;
const SQRT5 = Math.sqrt(5);

/**
 * Fits a GP with a Matérn 5/2 ARD kernel, k(x, x') = s² (1 + √5 r + 5r²/3) exp(-√5 r) with
 * r² = Σ ((x_i - x'_i) / l_i)², plus Gaussian noise, to targets standardised to mean 0 and variance 1.
 * Hyperparameters maximise the log marginal likelihood: Nelder–Mead on the log-parameters (clamped
 * to fixed bounds) from `restarts` seeded starting points. The Cholesky factorisation adds jitter when
 * the kernel matrix is not numerically positive definite.
 */
export function fitGaussianProcess(
  points: readonly (readonly number[])[],
  targets: readonly number[],
  options: GpFitOptions,
): GaussianProcess {
  const n = points.length;
  if (n === 0) throw new RangeError('a Gaussian process needs at least one observation');
  if (targets.length !== n) throw new RangeError(`got ${n} points but ${targets.length} targets`);
  const d = points[0]!.length;
  for (const point of points) {
    if (point.length !== d) throw new RangeError('all points must have the same number of dimensions');
  }
  for (const target of targets) if (!Number.isFinite(target)) throw new RangeError(`targets must be finite, got ${target}`);
  const extraNoise = Float64Array.from(options.extraNoise ?? new Array<number>(n).fill(0));
  if (extraNoise.length !== n || extraNoise.some((value) => !(value >= 0))) {
    throw new RangeError(`extraNoise must hold ${n} non-negative numbers`);
  }

  const mean = targets.reduce((sum, t) => sum + t, 0) / n;
  const variance = targets.reduce((sum, t) => sum + (t - mean) ** 2, 0) / n;
  const scale = variance > 0 ? Math.sqrt(variance) : 1;
  const y = targets.map((t) => (t - mean) / scale);
  const x = points.map((p) => Float64Array.from(p));

  let hyperparameters = options.hyperparameters;
  if (hyperparameters === undefined) {
    const objective = (theta: number[]): number => {
      const fit = factorise(x, y, fromTheta(theta, d), extraNoise);
      return fit === undefined ? Number.POSITIVE_INFINITY : -fit.logMarginalLikelihood;
    };
    const restarts = options.restarts ?? 3;
    const maxEvaluations = options.maxEvaluations ?? 250;
    let best: { theta: number[]; value: number } | undefined;
    for (let restart = 0; restart < restarts; restart++) {
      const start = restart === 0 ? defaultTheta(d) : randomTheta(d, createRng(deriveSeed(options.seed, restart)));
      const result = nelderMead((theta) => objective(clampTheta(theta, d)), start, maxEvaluations);
      if (best === undefined || result.value < best.value) best = { theta: clampTheta(result.point, d), value: result.value };
    }
    hyperparameters = fromTheta(best!.theta, d);
  }
  const fit = factorise(x, y, hyperparameters, extraNoise);
  if (fit === undefined) throw new Error('the kernel matrix could not be factorised');
  const { cholesky, alpha } = fit;
  const hp = hyperparameters;
  const inverseLengthScales = Float64Array.from(hp.lengthScales, (l) => 1 / l);

  return {
    hyperparameters: hp,
    logMarginalLikelihood: fit.logMarginalLikelihood,
    predict(point) {
      if (point.length !== d) throw new RangeError(`expected a point with ${d} dimensions, got ${point.length}`);
      const kStar = new Float64Array(n);
      for (let i = 0; i < n; i++) kStar[i] = kernel(x[i]!, point, inverseLengthScales, hp.signalVariance);
      let mu = 0;
      for (let i = 0; i < n; i++) mu += kStar[i]! * alpha[i]!;
      const v = forwardSubstitute(cholesky, n, kStar);
      let reduction = 0;
      for (let i = 0; i < n; i++) reduction += v[i]! * v[i]!;
      const latentVariance = Math.max(hp.signalVariance - reduction, 0);
      return { mean: mean + scale * mu, variance: latentVariance * scale * scale };
    },
  };
}

function kernel(a: ArrayLike<number>, b: ArrayLike<number>, inverseLengthScales: Float64Array, signalVariance: number): number {
  let r2 = 0;
  for (let k = 0; k < inverseLengthScales.length; k++) {
    const diff = (a[k]! - b[k]!) * inverseLengthScales[k]!;
    r2 += diff * diff;
  }
  const r = SQRT5 * Math.sqrt(r2);
  return signalVariance * (1 + r + (r * r) / 3) * Math.exp(-r);
}

interface Factorisation {
  cholesky: Float64Array;
  alpha: Float64Array;
  logMarginalLikelihood: number;
}

function factorise(x: readonly Float64Array[], y: readonly number[], hp: GpHyperparameters, extraNoise: Float64Array): Factorisation | undefined {
  const n = x.length;
  const inverseLengthScales = Float64Array.from(hp.lengthScales, (l) => 1 / l);
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const value = kernel(x[i]!, x[j]!, inverseLengthScales, hp.signalVariance);
      matrix[i * n + j] = value;
      matrix[j * n + i] = value;
    }
    matrix[i * n + i] = hp.signalVariance + hp.noiseVariance + extraNoise[i]!;
  }
  const cholesky = choleskyWithJitter(matrix, n, hp.signalVariance);
  if (cholesky === undefined) return undefined;
  const alpha = backSubstitute(cholesky, n, forwardSubstitute(cholesky, n, Float64Array.from(y)));
  let fitTerm = 0;
  for (let i = 0; i < n; i++) fitTerm += y[i]! * alpha[i]!;
  let logDeterminant = 0;
  for (let i = 0; i < n; i++) logDeterminant += Math.log(cholesky[i * n + i]!);
  const logMarginalLikelihood = -0.5 * fitTerm - logDeterminant - 0.5 * n * Math.log(2 * Math.PI);
  return Number.isFinite(logMarginalLikelihood) ? { cholesky, alpha, logMarginalLikelihood } : undefined;
}

/** Lower-triangular L with LLᵀ = A + jitter·I, trying no jitter first, then 1e-10·scale growing tenfold to 1e-4·scale. */
export function choleskyWithJitter(matrix: Float64Array, n: number, scale: number): Float64Array | undefined {
  for (let exponent = -Infinity; exponent <= -4; exponent = exponent === -Infinity ? -10 : exponent + 1) {
    const jitter = exponent === -Infinity ? 0 : scale * 10 ** exponent;
    const factor = cholesky(matrix, n, jitter);
    if (factor !== undefined) return factor;
  }
  return undefined;
}

function cholesky(matrix: Float64Array, n: number, jitter: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = matrix[j * n + j]! + jitter;
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k]! ** 2;
    if (!(diagonal > 0)) return undefined;
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = matrix[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = sum / ljj;
    }
  }
  return l;
}

/** Solves L z = b for lower-triangular L. */
function forwardSubstitute(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * z[k]!;
    z[i] = sum / l[i * n + i]!;
  }
  return z;
}

/** Solves Lᵀ z = b for lower-triangular L. */
function backSubstitute(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * z[k]!;
    z[i] = sum / l[i * n + i]!;
  }
  return z;
}

// theta = [log l_1 .. log l_d, log s², log σ²_noise]
function defaultTheta(d: number): number[] {
  return [...new Array<number>(d).fill(Math.log(0.3)), 0, Math.log(1e-3)];
}

function randomTheta(d: number, random: () => number): number[] {
  const draw = ([low, high]: readonly [number, number]): number => low + (high - low) * random();
  // Start length scales in a sensible middle range (0.05 .. 2) rather than the full bounds.
  const lengths = Array.from({ length: d }, () => draw([Math.log(0.05), Math.log(2)]));
  return [...lengths, draw([Math.log(0.3), Math.log(3)]), draw([Math.log(1e-5), Math.log(0.1)])];
}

function clampTheta(theta: readonly number[], d: number): number[] {
  return theta.map((value, index) => {
    const [low, high] = index < d ? LOG_LENGTH_SCALE : index === d ? LOG_SIGNAL_VARIANCE : LOG_NOISE_VARIANCE;
    return clamp(value, low, high);
  });
}

function fromTheta(theta: readonly number[], d: number): GpHyperparameters {
  return {
    lengthScales: theta.slice(0, d).map(Math.exp),
    signalVariance: Math.exp(theta[d]!),
    noiseVariance: Math.exp(theta[d + 1]!),
  };
}

/** Nelder–Mead minimisation (standard coefficients), initial simplex of step 1 in every coordinate. */
export function nelderMead(
  f: (point: number[]) => number,
  start: readonly number[],
  maxEvaluations: number,
  step = 1,
): { point: number[]; value: number } {
  const dim = start.length;
  const simplex: { point: number[]; value: number }[] = [];
  let evaluations = 0;
  const evaluate = (point: number[]): { point: number[]; value: number } => {
    evaluations++;
    const value = f(point);
    return { point, value: Number.isNaN(value) ? Number.POSITIVE_INFINITY : value };
  };
  simplex.push(evaluate([...start]));
  for (let i = 0; i < dim; i++) {
    const point = [...start];
    point[i] = point[i]! + step;
    simplex.push(evaluate(point));
  }
  while (evaluations < maxEvaluations) {
    simplex.sort((a, b) => a.value - b.value);
    const best = simplex[0]!;
    const worst = simplex[dim]!;
    const secondWorst = simplex[dim - 1] ?? best;
    if (Math.abs(worst.value - best.value) < 1e-9 * (1 + Math.abs(best.value))) break;
    const centroid = new Array<number>(dim).fill(0);
    for (let i = 0; i < dim; i++) for (let k = 0; k < dim; k++) centroid[k] = centroid[k]! + simplex[i]!.point[k]! / dim;
    const along = (coefficient: number): number[] =>
      centroid.map((c, k) => c + coefficient * (worst.point[k]! - c));
    const reflected = evaluate(along(-1));
    if (reflected.value < best.value) {
      const expanded = evaluate(along(-2));
      simplex[dim] = expanded.value < reflected.value ? expanded : reflected;
    } else if (reflected.value < secondWorst.value) {
      simplex[dim] = reflected;
    } else {
      const contracted = reflected.value < worst.value ? evaluate(along(-0.5)) : evaluate(along(0.5));
      if (contracted.value < Math.min(worst.value, reflected.value)) {
        simplex[dim] = contracted;
      } else {
        for (let i = 1; i <= dim; i++) {
          simplex[i] = evaluate(simplex[i]!.point.map((value, k) => best.point[k]! + 0.5 * (value - best.point[k]!)));
        }
      }
    }
  }
  simplex.sort((a, b) => a.value - b.value);
  return simplex[0]!;
}
