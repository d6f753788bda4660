import { describe, expect, it } from 'vitest';
import {
  type ParameterValues,
  type SearchSpace,
  fitsSearchSpace,
  medianRuleVerdict,
  NO_WARM_START,
  type WarmStart,
  proposeBayesianTrials,
  proposeNextTrials,
  proposeRandomTrials,
  warmStartConfigurations,
} from '../../../src/tuning';
import { BRANIN } from '../../../bench/branin';

const space: SearchSpace = {
  learningRate: { type: 'float', min: 1e-4, max: 1e-1, log: true },
  hiddenUnits: { type: 'int', min: 8, max: 64 },
  activation: { type: 'categorical', choices: ['relu', 'tanh'] },
};
const earlier: ParameterValues = { learningRate: 0.01, hiddenUnits: 32, activation: 'relu' };
const base = { space, warmStart: NO_WARM_START, seed: 7, strategy: 'bayesian' as const, initialRandomTrials: 4 };

describe('proposeNextTrials', () => {
  it('evaluates warm-start configurations first, then continues the random design after them', () => {
    const warmStart = [earlier, { ...earlier, hiddenUnits: 16 }];
    const first = proposeNextTrials({ ...base, warmStart: { configurations: warmStart, earlierRuns: [] }, history: [], count: 3 });
    expect(first.slice(0, 2)).toEqual(warmStart);
    expect(first[2]).toEqual(proposeRandomTrials(space, 1, 7, 2)[0]);
    const history = first.map((parameters, i) => ({ parameters, score: i }));
    expect(proposeNextTrials({ ...base, warmStart: { configurations: warmStart, earlierRuns: [] }, history, count: 1 })).toEqual(proposeRandomTrials(space, 1, 7, 3));
  });

  it('never proposes a failed trial again: failed trials keep their index', () => {
    const [failed] = proposeRandomTrials(space, 1, 7, 0);
    const next = proposeNextTrials({ ...base, history: [{ parameters: failed!, score: null }], count: 2 });
    expect(next).not.toContainEqual(failed);
    expect(next).toEqual(proposeRandomTrials(space, 2, 7, 1));
  });

  it('hands over to Bayesian optimisation once enough trials are scored, warm-start ones included', () => {
    const history = proposeRandomTrials(space, 4, 1).map((parameters, i) => ({ parameters, score: i }));
    expect(proposeNextTrials({ ...base, history, count: 2 })).toEqual(proposeBayesianTrials(space, history, 2, { seed: 7, initialRandomTrials: 4 }));
  });

  it('uses random search only when asked to', () => {
    const history = proposeRandomTrials(space, 6, 1).map((parameters, i) => ({ parameters, score: i }));
    expect(proposeNextTrials({ ...base, strategy: 'random', history, count: 2 })).toEqual(proposeRandomTrials(space, 2, 7, 6));
  });

  it('reaches the previous run\'s best score in fewer trials with a warm start than from a cold start (Branin)', () => {
    // The earlier run saw a slightly different function (the data drifted): its optimum moved.
    const drifted = (p: ParameterValues) => BRANIN.f({ x1: (p.x1 as number) - 0.2, x2: (p.x2 as number) + 0.3 });
    const tune = (f: typeof drifted, warmStart: WarmStart, seed: number, trials: number, target = -Infinity) => {
      const history: { parameters: ParameterValues; score: number }[] = [];
      while (history.length < trials && (history.at(-1)?.score ?? Number.POSITIVE_INFINITY) > target) {
        const [parameters] = proposeNextTrials({ space: BRANIN.space, warmStart, history, count: 1, seed, strategy: 'bayesian', initialRandomTrials: 10 });
        history.push({ parameters: parameters!, score: f(parameters!) });
      }
      return history;
    };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      const earlier = tune(drifted, NO_WARM_START, seed + 100, 20);
      const best = earlier.reduce((a, b) => (b.score < a.score ? b : a));
      cold.push(tune(BRANIN.f, NO_WARM_START, seed, 60, best.score).length);
      warm.push(tune(BRANIN.f, { configurations: [best.parameters], earlierRuns: [earlier] }, seed, 60, best.score).length);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
    expect(median(warm)).toBeLessThan(median(cold));
  }, 60_000);
});

describe('warmStartConfigurations', () => {
  it('keeps configurations that fit the current space, most recent first, without duplicates, up to the limit', () => {
    const outOfBounds = { ...earlier, hiddenUnits: 128 };
    const removedParameter = { learningRate: 0.01, hiddenUnits: 32 };
    const unknownChoice = { ...earlier, activation: 'gelu' };
    const other = { ...earlier, learningRate: 0.001 };
    expect(warmStartConfigurations(space, [outOfBounds, earlier, removedParameter, { ...earlier }, unknownChoice, other], 5))
      .toEqual([earlier, other]);
    expect(warmStartConfigurations(space, [earlier, other], 1)).toEqual([earlier]);
    expect(warmStartConfigurations(space, [earlier], 0)).toEqual([]);
  });

  it('refuses a non-integer for an int parameter', () => {
    expect(fitsSearchSpace(space, { ...earlier, hiddenUnits: 32.5 })).toBe(false);
    expect(fitsSearchSpace(space, earlier)).toBe(true);
  });
});

describe('medianRuleVerdict', () => {
  const rule = { warmupEpochs: 2, minCompletedTrials: 3 };
  it('prunes a trial worse than the median of completed trials after the warm-up', () => {
    expect(medianRuleVerdict(rule, 3, 0.9, [0.5, 0.6, 1.0])).toEqual({ prune: true, median: 0.6 });
    expect(medianRuleVerdict(rule, 3, 0.55, [0.5, 0.6, 1.0])).toEqual({ prune: false, median: 0.6 });
    expect(medianRuleVerdict(rule, 3, 0.6, [0.5, 0.6, 1.0, 2.0])).toEqual({ prune: false, median: 0.8 });
  });

  it('does not prune during the warm-up or before enough trials completed', () => {
    expect(medianRuleVerdict(rule, 2, 9, [0.5, 0.6, 1.0])).toEqual({ prune: false, median: null });
    expect(medianRuleVerdict(rule, 3, 9, [0.5, 0.6])).toEqual({ prune: false, median: null });
  });
});
