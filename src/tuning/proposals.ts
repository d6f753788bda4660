// What the retrain's tuning loop runs next. Pure and deterministic: the same history gives the same proposals.

import { proposeBayesianTrials } from './bayesian';
import { proposeRandomTrials } from './random-search';
import type { ParameterValues, SearchSpace } from './search-space';

export interface TrialOutcome {
  parameters: ParameterValues;
  /** Validation loss (lower is better); null when the trial failed. A pruned trial keeps its best loss so far. */
  score: number | null;
}

export interface WarmStart {
  /** Configurations to evaluate first, in order (see warmStartConfigurations). */
  configurations: readonly ParameterValues[];
  /** Completed trials of earlier runs, one array per run, most recent run first. */
  earlierRuns: ReadonlyArray<ReadonlyArray<{ parameters: ParameterValues; score: number }>>;
}

export const NO_WARM_START: WarmStart = Object.freeze({ configurations: [], earlierRuns: [] });

/** Earlier runs' scores count as this much extra noise (in standardised units) in the Gaussian process. */
const EARLIER_RUN_NOISE = 0.3;

export interface ProposalRequest {
  space: SearchSpace;
  /** Every trial of this run so far, in trial-number order, failed ones included. */
  history: readonly TrialOutcome[];
  warmStart: WarmStart;
  count: number;
  seed: number;
  strategy: 'bayesian' | 'random';
  initialRandomTrials: number;
}

/**
 * How the warm start is used. The data has drifted since the earlier runs, so their scores are a
 * prior, not evidence about today's data:
 *  - the best configuration of each earlier run is evaluated again, first, on this run's data;
 *  - earlier runs' trials join the Gaussian process as extra observations. Each run's scores are
 *    standardised within that run (the loss level moves with the data; the shape over the space is
 *    what carries over), put on this run's scale, and given extra noise, so this run's own scores
 *    override them wherever both exist;
 *  - with such a prior, the random initial design ends after the warm-start configurations (at
 *    least 2 trials): the prior already says where not to look.
 * Random search ignores the prior but still evaluates the configurations first.
 */
export function proposeNextTrials(request: ProposalRequest): ParameterValues[] {
  const { history, count, warmStart } = request;
  const queued = warmStart.configurations.slice(history.length, history.length + count);
  const remaining = count - queued.length;
  if (remaining === 0) return queued;
  // Trials proposed by this call but not yet run count as history for the index of random trials.
  const pending = [...history, ...queued.map((parameters) => ({ parameters, score: null }))];
  if (request.strategy === 'random') {
    return [...queued, ...proposeRandomTrials(request.space, remaining, request.seed, pending.length)];
  }
  const prior = priorObservations(history, warmStart.earlierRuns);
  const initialRandomTrials = prior.length > 0
    ? Math.min(request.initialRandomTrials, Math.max(2, warmStart.configurations.length))
    : request.initialRandomTrials;
  const generated = proposeBayesianTrials(request.space, pending, remaining, {
    seed: request.seed,
    initialRandomTrials,
    ...(prior.length > 0 && { prior: { observations: prior, extraNoise: EARLIER_RUN_NOISE } }),
  });
  return [...queued, ...generated];
}

function priorObservations(
  history: readonly TrialOutcome[],
  earlierRuns: WarmStart['earlierRuns'],
): { parameters: ParameterValues; score: number }[] {
  const scored = history.flatMap((trial) => (trial.score !== null && Number.isFinite(trial.score) ? [trial.score] : []));
  const runs = earlierRuns.filter((run) => run.length >= 2);
  if (runs.length === 0) return [];
  const scale = scored.length >= 2 ? meanAndDeviation(scored) : meanAndDeviation(runs[0]!.map((trial) => trial.score));
  return runs.flatMap((run) => {
    const own = meanAndDeviation(run.map((trial) => trial.score));
    return run.map(({ parameters, score }) => ({ parameters, score: scale.mean + (scale.deviation * (score - own.mean)) / own.deviation }));
  });
}

function meanAndDeviation(values: readonly number[]): { mean: number; deviation: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, deviation: variance > 0 ? Math.sqrt(variance) : 1 };
}

/**
 * The best configuration of each earlier run, most recent run first, without duplicates and
 * without configurations that no longer fit the search space (a parameter added, removed or out of
 * its new bounds). Each run's best is the winner on its own data, so it is a sensible first guess
 * on the next window; older runs' runners-up are not.
 */
export function warmStartConfigurations(
  space: SearchSpace,
  earlierRunBests: readonly ParameterValues[],
  limit: number,
): ParameterValues[] {
  const chosen: ParameterValues[] = [];
  const seen = new Set<string>();
  for (const parameters of earlierRunBests) {
    if (chosen.length >= limit) break;
    if (!fitsSearchSpace(space, parameters)) continue;
    const key = JSON.stringify(Object.keys(space).sort().map((name) => parameters[name]));
    if (seen.has(key)) continue;
    seen.add(key);
    chosen.push(parameters);
  }
  return chosen;
}

export function fitsSearchSpace(space: SearchSpace, parameters: ParameterValues): boolean {
  const names = Object.keys(space);
  if (Object.keys(parameters).length !== names.length) return false;
  return names.every((name) => {
    const spec = space[name]!;
    const value = parameters[name];
    if (value === undefined) return false;
    if (spec.type === 'categorical') return spec.choices.includes(value);
    if (typeof value !== 'number' || value < spec.min || value > spec.max) return false;
    return spec.type === 'float' || Number.isInteger(value);
  });
}
