// Bayesian optimisation: a Gaussian process on the unit hypercube and expected improvement.
// Workflow code imports this: pure and deterministic, no Node modules, no Math.random, no Date, no I/O.

import { encodeSearchSpace, fitGaussianProcess, type GaussianProcess, type SpaceEncoding } from './gaussian-process';
import { createRng, deriveSeed } from './random';
import { proposeRandomTrials } from './random-search';
import { type ParameterValues, type SearchSpace, validateSearchSpace } from './search-space';

export interface BayesianOptions {
  seed: number;
  /** Scored trials needed before the GP takes over from random search. Default 10, like skopt and Optuna. */
  initialRandomTrials?: number;
  /** Whether lower scores are better. Default true. */
  minimize?: boolean;
  /**
   * Observations from earlier runs, scores already on this run's scale, fitted with `extraNoise`
   * (in standardised target units) added to their noise: they shape the model where this run has
   * no data yet and weigh less than this run's own scores. They are not counted as trials.
   */
  prior?: { observations: ReadonlyArray<{ parameters: ParameterValues; score: number }>; extraNoise: number };
}

const CANDIDATES = 2000;
const REFINED = 5;
const REFINE_STEPS = 60;

/**
 * Proposes `count` trials for parallel evaluation.
 *
 * Until `initialRandomTrials` scored trials exist (and at least 2 observations, `prior` included), the proposals are random search's
 * trials with indices history.length, history.length + 1, ... (the same values proposeRandomTrials gives). After that, a GP
 * (see gaussian-process.ts) is fitted to the history and each proposal maximises expected improvement
 * over the best observed score: EI is evaluated at CANDIDATES seeded random points of the space, and the
 * best REFINED of them are refined by a seeded local random search with a shrinking step.
 *
 * Batches use the constant liar: after choosing a point, it is added to the GP's data with the best
 * observed score as its (pretend) result, the GP is updated with the same hyperparameters, and the next
 * point is chosen. The lie flattens EI around points already chosen, so the batch spreads out.
 * Proposals are distinct from each other and from the history while the space allows it.
 *
 * Failed trials stay in `history` with a null score: the GP ignores them, but they keep their index,
 * so the random phase never proposes a failed trial's point again. The result depends only on the arguments.
 */
export function proposeBayesianTrials(
  space: SearchSpace,
  history: ReadonlyArray<{ parameters: ParameterValues; score: number | null }>,
  count: number,
  options: BayesianOptions,
): ParameterValues[] {
  validateSearchSpace(space);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const initialRandomTrials = options.initialRandomTrials ?? 10;
  if (!Number.isSafeInteger(initialRandomTrials) || initialRandomTrials < 0) {
    throw new RangeError(`initialRandomTrials must be a non-negative integer, got ${initialRandomTrials}`);
  }
  const scored = history.filter((trial): trial is { parameters: ParameterValues; score: number } =>
    trial.score !== null && Number.isFinite(trial.score));
  if (count === 0) return [];
  const prior = (options.prior?.observations ?? []).filter((trial) => Number.isFinite(trial.score));
  if (scored.length < initialRandomTrials || scored.length + prior.length < 2) {
    return proposeRandomTrials(space, count, options.seed, history.length);
  }

  const encoding = encodeSearchSpace(space);
  const sign = options.minimize === false ? -1 : 1;
  const observations = [...prior, ...scored];
  const points = observations.map((trial) => encoding.encode(trial.parameters));
  const targets = observations.map((trial) => sign * trial.score);
  const extraNoise = observations.map((_, index) => (index < prior.length ? options.prior!.extraNoise : 0));
  // Improvement is measured against this run's best; earlier runs' scores are only a guide.
  const lie = Math.min(...(scored.length > 0 ? targets.slice(prior.length) : targets));
  const seen = new Set(history.map((trial) => key(encoding, trial.parameters)));
  const baseSeed = deriveSeed(options.seed, history.length);

  let gp = fitGaussianProcess(points, targets, { seed: deriveSeed(baseSeed, 0), extraNoise });
  const proposals: ParameterValues[] = [];
  for (let index = 0; index < count; index++) {
    if (index > 0) gp = fitGaussianProcess(points, targets, { seed: 0, hyperparameters: gp.hyperparameters, extraNoise });
    const random = createRng(deriveSeed(baseSeed, 1, index));
    let chosen = maximiseExpectedImprovement(gp, encoding, lie, random, seen);
    if (chosen === undefined) {
      // Every candidate was already tried (a small discrete space): fall back to a random trial.
      chosen = proposeRandomTrials(space, 1, deriveSeed(baseSeed, 2), index)[0]!;
    }
    proposals.push(chosen);
    seen.add(key(encoding, chosen));
    points.push(encoding.encode(chosen));
    targets.push(lie);
    extraNoise.push(0);
  }
  return proposals;
}

function key(encoding: SpaceEncoding, values: ParameterValues): string {
  return JSON.stringify(encoding.encode(values));
}

function maximiseExpectedImprovement(
  gp: GaussianProcess,
  encoding: SpaceEncoding,
  best: number,
  random: () => number,
  seen: ReadonlySet<string>,
): ParameterValues | undefined {
  const d = encoding.dimensions;
  // Decoding then encoding snaps a point to the space (integers rounded, one-hot made exact).
  const snap = (point: number[]): { values: ParameterValues; point: number[] } => {
    const values = encoding.decode(point);
    return { values, point: encoding.encode(values) };
  };
  const score = (point: number[]): number => {
    const { mean, variance } = gp.predict(point);
    return expectedImprovement(mean, Math.sqrt(variance), best);
  };
  const candidates: { raw: number[]; values: ParameterValues; value: number }[] = [];
  for (let c = 0; c < CANDIDATES; c++) {
    const raw = Array.from({ length: d }, () => random());
    const snapped = snap(raw);
    if (seen.has(JSON.stringify(snapped.point))) continue;
    candidates.push({ raw, values: snapped.values, value: score(snapped.point) });
  }
  // Stable order: by EI descending, ties keep generation order.
  candidates.sort((a, b) => b.value - a.value);
  let winner = candidates[0];
  for (const start of candidates.slice(0, REFINED)) {
    let current = start;
    let step = 0.1;
    for (let s = 0; s < REFINE_STEPS; s++) {
      const raw = current.raw.map((value) => clamp01(value + step * gaussian(random)));
      const snapped = snap(raw);
      if (!seen.has(JSON.stringify(snapped.point))) {
        const value = score(snapped.point);
        if (value > current.value) {
          current = { raw, values: snapped.values, value };
          continue;
        }
      }
      step *= 0.93;
    }
    if (winner === undefined || current.value > winner.value) winner = current;
  }
  return winner?.values;
}

/** EI for minimisation: E[max(best - f, 0)] with f ~ N(mean, sd²). */
export function expectedImprovement(mean: number, sd: number, best: number): number {
  const improvement = best - mean;
  if (!(sd > 1e-12)) return Math.max(improvement, 0);
  const z = improvement / sd;
  return improvement * normalCdf(z) + sd * normalPdf(z);
}

function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF via erfc (Numerical Recipes' Chebyshev fit erfcc, fractional error < 1.2e-7). */
function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const erfcAbs =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return 0.5 * (x >= 0 ? erfcAbs : 2 - erfcAbs);
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function clamp01(value: number): number {
  return Math.min(Math.max(value, 0), 1);
}
