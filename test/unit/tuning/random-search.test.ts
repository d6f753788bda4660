import { describe, expect, it } from 'vitest';
import { type SearchSpace, createRng, deriveSeed, proposeRandomTrials } from '../../../src/tuning';

const space: SearchSpace = {
  learningRate: { type: 'float', min: 1e-5, max: 1e-1, log: true },
  dropout: { type: 'float', min: 0, max: 0.5 },
  hiddenUnits: { type: 'int', min: 4, max: 512, log: true },
  hiddenLayers: { type: 'int', min: 1, max: 3 },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
};

describe('createRng', () => {
  it('is reproducible, seed-dependent and stays in [0, 1)', () => {
    const first = createRng(42);
    const second = createRng(42);
    const other = createRng(43);
    const draws = Array.from({ length: 1000 }, () => first());
    expect(Array.from({ length: 1000 }, () => second())).toEqual(draws);
    expect(Array.from({ length: 1000 }, () => other())).not.toEqual(draws);
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('distinguishes seeds above 2^32 and rejects non-integers', () => {
    expect(createRng(2 ** 40 + 1)()).not.toBe(createRng(1)());
    expect(deriveSeed(2 ** 40, 0)).not.toBe(deriveSeed(0, 0));
    expect(() => createRng(1.5)).toThrow(RangeError);
  });
});

describe('proposeRandomTrials', () => {
  const trials = proposeRandomTrials(space, 2000, 7);

  it('keeps every value inside its range and ints integral', () => {
    for (const trial of trials) {
      expect(Object.keys(trial).sort()).toEqual(Object.keys(space).sort());
      const { learningRate, dropout, hiddenUnits, hiddenLayers, activation } = trial;
      expect(learningRate).toBeGreaterThanOrEqual(1e-5);
      expect(learningRate).toBeLessThanOrEqual(1e-1);
      expect(dropout).toBeGreaterThanOrEqual(0);
      expect(dropout).toBeLessThanOrEqual(0.5);
      expect(Number.isInteger(hiddenUnits)).toBe(true);
      expect(hiddenUnits).toBeGreaterThanOrEqual(4);
      expect(hiddenUnits).toBeLessThanOrEqual(512);
      expect([1, 2, 3]).toContain(hiddenLayers);
      expect(['relu', 'tanh', 'elu']).toContain(activation);
    }
  });

  it('reaches both ends of int and categorical ranges', () => {
    expect(new Set(trials.map((trial) => trial.hiddenLayers))).toEqual(new Set([1, 2, 3]));
    expect(new Set(trials.map((trial) => trial.activation))).toEqual(new Set(['relu', 'tanh', 'elu']));
    const units = trials.map((trial) => trial.hiddenUnits as number);
    expect(Math.min(...units)).toBe(4);
    expect(Math.max(...units)).toBe(512);
  });

  it('spreads log-scaled values evenly over decades', () => {
    // Four decades between 1e-5 and 1e-1: a log-uniform draw puts about a quarter in each,
    // where a linear draw would put 99.9% in the top decade.
    const decadeCounts = [0, 0, 0, 0];
    for (const trial of trials) {
      const decade = Math.min(3, Math.floor(Math.log10(trial.learningRate as number) + 5));
      decadeCounts[decade]! += 1;
    }
    for (const count of decadeCounts) {
      expect(count / trials.length).toBeGreaterThan(0.2);
      expect(count / trials.length).toBeLessThan(0.3);
    }
  });

  it('is reproducible for a seed and independent of batch size', () => {
    expect(proposeRandomTrials(space, 10, 7)).toEqual(trials.slice(0, 10));
    const inBatches = [...proposeRandomTrials(space, 4, 7), ...proposeRandomTrials(space, 6, 7, 4)];
    expect(inBatches).toEqual(trials.slice(0, 10));
    expect(proposeRandomTrials(space, 10, 8)).not.toEqual(trials.slice(0, 10));
  });

  it('does not depend on the key order of the space', () => {
    const reordered = Object.fromEntries(Object.entries(space).reverse()) as SearchSpace;
    expect(proposeRandomTrials(reordered, 10, 7)).toEqual(trials.slice(0, 10));
  });

  it('validates the space and the counts', () => {
    expect(() => proposeRandomTrials({ lr: { type: 'float', min: 1, max: 0 } }, 1, 7)).toThrow(/"lr"/);
    expect(() => proposeRandomTrials(space, -1, 7)).toThrow(RangeError);
    expect(() => proposeRandomTrials(space, 1, 7, 0.5)).toThrow(RangeError);
    expect(proposeRandomTrials(space, 0, 7)).toEqual([]);
  });
});
