import { describe, expect, it } from 'vitest';
import { expectedImprovement, proposeBayesianTrials } from '../../../src/tuning/bayesian';
import { type ParameterValues, type SearchSpace, proposeRandomTrials } from '../../../src/tuning';
import { BRANIN } from '../../../bench/branin';

// The same Branin function the tuning benchmark uses.
const { space: braninSpace, minimum: BRANIN_MIN, f: branin } = BRANIN;

const mixedSpace: SearchSpace = {
  lr: { type: 'float', min: 1e-5, max: 1e-1, log: true },
  dropout: { type: 'float', min: 0, max: 0.5 },
  units: { type: 'int', min: 4, max: 512, log: true },
  layers: { type: 'int', min: 1, max: 3 },
  act: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
};
function mixedScore(p: ParameterValues): number {
  return (
    (Math.log10(p.lr as number) + 3) ** 2 +
    (p.dropout as number) +
    Math.abs(Math.log2(p.units as number) - 6) +
    (p.layers as number) +
    (p.act === 'tanh' ? 0 : 1)
  );
}

function mixedHistory(n: number): { parameters: ParameterValues; score: number }[] {
  return proposeRandomTrials(mixedSpace, n, 11).map((parameters) => ({ parameters, score: mixedScore(parameters) }));
}

describe('proposeBayesianTrials', () => {
  it('uses random search for the initial design', () => {
    const history = mixedHistory(4);
    expect(proposeBayesianTrials(mixedSpace, history, 3, { seed: 2 })).toEqual(proposeRandomTrials(mixedSpace, 3, 2, 4));
    expect(proposeBayesianTrials(mixedSpace, [], 0, { seed: 2 })).toEqual([]);
  });

  it('proposes count distinct valid points, deterministically', () => {
    const history = mixedHistory(15);
    const proposals = proposeBayesianTrials(mixedSpace, history, 6, { seed: 3 });
    expect(proposals).toHaveLength(6);
    for (const p of proposals) {
      expect(Object.keys(p).sort()).toEqual(['act', 'dropout', 'layers', 'lr', 'units']);
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-5);
      expect(p.lr as number).toBeLessThanOrEqual(1e-1);
      expect(p.dropout as number).toBeGreaterThanOrEqual(0);
      expect(p.dropout as number).toBeLessThanOrEqual(0.5);
      for (const name of ['units', 'layers']) expect(Number.isInteger(p[name])).toBe(true);
      expect(p.units as number).toBeGreaterThanOrEqual(4);
      expect(p.units as number).toBeLessThanOrEqual(512);
      expect([1, 2, 3]).toContain(p.layers);
      expect(['relu', 'tanh', 'elu']).toContain(p.act);
    }
    const keys = new Set([...proposals, ...history.map((h) => h.parameters)].map((p) => JSON.stringify(p)));
    expect(keys.size).toBe(6 + history.length);
    expect(proposeBayesianTrials(mixedSpace, history, 6, { seed: 3 })).toEqual(proposals);
    expect(proposeBayesianTrials(mixedSpace, history, 6, { seed: 4 })).not.toEqual(proposals);
  });

  it('maximises when asked to', () => {
    const history = mixedHistory(15).map(({ parameters, score }) => ({ parameters, score: -score }));
    const [p] = proposeBayesianTrials(mixedSpace, history, 1, { seed: 1, minimize: false });
    const [q] = proposeBayesianTrials(mixedSpace, mixedHistory(15), 1, { seed: 1 });
    expect(p).toEqual(q);
  });

  it('rejects bad arguments', () => {
    expect(() => proposeBayesianTrials(braninSpace, [], -1, { seed: 0 })).toThrow(RangeError);
    expect(() => proposeBayesianTrials(braninSpace, [], 1, { seed: 0, initialRandomTrials: 1.5 })).toThrow(RangeError);
  });

  it('gets close to the Branin minimum within 30 evaluations (median over 5 seeds)', () => {
    const bests: number[] = [];
    for (let seed = 0; seed < 5; seed++) {
      const history: { parameters: ParameterValues; score: number }[] = [];
      while (history.length < 30) {
        const [p] = proposeBayesianTrials(braninSpace, history, 1, { seed });
        history.push({ parameters: p!, score: branin(p!) });
      }
      bests.push(Math.min(...history.map((h) => h.score)));
    }
    bests.sort((a, b) => a - b);
    expect(bests[2]!).toBeGreaterThanOrEqual(BRANIN_MIN - 1e-6);
    expect(bests[2]!).toBeLessThan(0.45);
  }, 20_000);
});

describe('expectedImprovement', () => {
  it('matches the closed form and its limits', () => {
    expect(expectedImprovement(0, 1, 0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 6);
    expect(expectedImprovement(1, 0, 0.5)).toBe(0);
    expect(expectedImprovement(0.2, 0, 0.5)).toBeCloseTo(0.3, 12);
    expect(expectedImprovement(-10, 1, 0)).toBeCloseTo(10, 5);
  });
});
