import { describe, expect, it } from 'vitest';
import { encodeSearchSpace, fitGaussianProcess, nelderMead } from '../../../src/tuning/gaussian-process';
import { createRng } from '../../../src/tuning';
import type { SearchSpace } from '../../../src/tuning';

describe('encodeSearchSpace', () => {
  const space: SearchSpace = {
    lr: { type: 'float', min: 1e-4, max: 1, log: true },
    units: { type: 'int', min: 1, max: 4 },
    act: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
  };
  const encoding = encodeSearchSpace(space);

  it('maps to the unit hypercube with one-hot categoricals, in name order', () => {
    expect(encoding.dimensions).toBe(5);
    const point = encoding.encode({ lr: 1e-2, units: 1, act: 'tanh' });
    expect(point.slice(0, 3)).toEqual([0, 1, 0]);
    expect(point[3]).toBeCloseTo(0.5, 12);
    expect(point[4]).toBeCloseTo(0.125, 12);
  });

  it('round-trips values and decodes any point to a valid value', () => {
    const values = { lr: 0.003, units: 3, act: 'elu' };
    const decoded = encoding.decode(encoding.encode(values));
    expect(decoded.act).toBe('elu');
    expect(decoded.units).toBe(3);
    expect(decoded.lr as number).toBeCloseTo(0.003, 12);
    const random = createRng(5);
    for (let i = 0; i < 200; i++) {
      const v = encoding.decode(Array.from({ length: 5 }, () => random()));
      expect(['relu', 'tanh', 'elu']).toContain(v.act);
      expect(Number.isInteger(v.units)).toBe(true);
      expect(v.units as number).toBeGreaterThanOrEqual(1);
      expect(v.units as number).toBeLessThanOrEqual(4);
      expect(v.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(v.lr as number).toBeLessThanOrEqual(1);
    }
  });
});

describe('nelderMead', () => {
  it('minimises the Rosenbrock function', () => {
    const result = nelderMead(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2, [-1, 1], 2000, 0.5);
    expect(result.point[0]).toBeCloseTo(1, 3);
    expect(result.point[1]).toBeCloseTo(1, 3);
  });
});

describe('fitGaussianProcess', () => {
  const f = (x: number): number => Math.sin(6 * x) + x;
  const xs = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95];

  it('interpolates noiseless data, with ~0 variance at observations and more away from them', () => {
    const gp = fitGaussianProcess(xs.map((x) => [x]), xs.map(f), { seed: 1 });
    for (const x of xs) {
      const { mean, variance } = gp.predict([x]);
      expect(mean).toBeCloseTo(f(x), 3);
      expect(variance).toBeLessThan(1e-4);
    }
    const between = gp.predict([0.275]);
    expect(between.mean).toBeCloseTo(f(0.275), 1);
    expect(between.variance).toBeGreaterThan(gp.predict([0.35]).variance);
    expect(gp.predict([2]).variance).toBeGreaterThan(between.variance);
    expect(gp.hyperparameters.noiseVariance).toBeLessThan(1e-2);
  });

  it('fits a short length scale to the dimension that varies fast and a long one to the other', () => {
    const random = createRng(7);
    const points = Array.from({ length: 40 }, () => [random(), random()]);
    const targets = points.map(([a, b]) => Math.sin(8 * a!) + 0.1 * b!);
    const gp = fitGaussianProcess(points, targets, { seed: 3 });
    const [fast, slow] = gp.hyperparameters.lengthScales;
    expect(slow! / fast!).toBeGreaterThan(3);
  });

  it('is deterministic for a seed', () => {
    const points = xs.map((x) => [x]);
    const a = fitGaussianProcess(points, xs.map(f), { seed: 9 });
    const b = fitGaussianProcess(points, xs.map(f), { seed: 9 });
    expect(a.hyperparameters).toEqual(b.hyperparameters);
    expect(a.predict([0.3])).toEqual(b.predict([0.3]));
  });

  it('rejects bad input', () => {
    expect(() => fitGaussianProcess([], [], { seed: 0 })).toThrow(RangeError);
    expect(() => fitGaussianProcess([[0]], [1, 2], { seed: 0 })).toThrow(RangeError);
    expect(() => fitGaussianProcess([[0]], [Number.NaN], { seed: 0 })).toThrow(RangeError);
  });
});
