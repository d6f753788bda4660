import { describe, expect, it } from 'vitest';
import { jensenShannonDistance } from '../../../src/drift/jensen-shannon';
import { expectMatch, fixtures } from './distance-fixtures';
import { mulberry32 } from './seeded-random';

const MAX_DISTANCE = Math.sqrt(Math.LN2);

describe('jensenShannonDistance', () => {
  it(`matches scipy.spatial.distance.jensenshannon on ${fixtures.jensenshannon.length} fixture vectors`, () => {
    for (const fixture of fixtures.jensenshannon) {
      expectMatch(jensenShannonDistance(fixture.p, fixture.q), fixture.distance, fixture.name);
    }
  });

  it('matches hand computations: √ln2 for disjoint supports, 0 for identical shares', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(MAX_DISTANCE, 15);
    expect(jensenShannonDistance([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    // p = (½, ½), q = (1, 0), m = (¾, ¼): JSD = ½[½ ln(⅔) + ½ ln 2] + ½ ln(4/3).
    const divergence = 0.5 * (0.5 * Math.log(2 / 3) + 0.5 * Math.log(2)) + 0.5 * Math.log(4 / 3);
    expect(jensenShannonDistance([0.5, 0.5], [1, 0])).toBeCloseTo(Math.sqrt(divergence), 15);
  });

  it('normalises its inputs, so counts and shares give the same distance', () => {
    expect(jensenShannonDistance([10, 10], [4, 0])).toBeCloseTo(jensenShannonDistance([0.5, 0.5], [1, 0]), 15);
    expect(jensenShannonDistance(Float64Array.of(1, 2, 3), Float64Array.of(3, 2, 1))).toBeCloseTo(
      jensenShannonDistance([1 / 6, 2 / 6, 3 / 6], [3 / 6, 2 / 6, 1 / 6]),
      15,
    );
  });

  it('is finite and scale-free for weights from 1e-300 to Number.MAX_VALUE', () => {
    const reference = jensenShannonDistance([1, 2, 3], [3, 2, 1]);
    for (const scale of [1e-300, 1e300, Number.MAX_VALUE / 6]) {
      expect(jensenShannonDistance([scale, 2 * scale, 3 * scale], [3 * scale, 2 * scale, scale])).toBeCloseTo(reference, 14);
    }
    expect(jensenShannonDistance([Number.MAX_VALUE, Number.MAX_VALUE], [Number.MAX_VALUE, 0])).toBeCloseTo(
      jensenShannonDistance([0.5, 0.5], [1, 0]),
      15,
    );
    expect(jensenShannonDistance([Number.MIN_VALUE, 0], [0, Number.MIN_VALUE])).toBeCloseTo(MAX_DISTANCE, 15);
    // A weight 1e-310 next to 1: its share underflows to a subnormal and its mean share may round to 0.
    expect(Number.isFinite(jensenShannonDistance([1, 1e-310], [1, 0]))).toBe(true);
  });

  it('stays in [0, √ln2] and symmetric on random share vectors with empty bins', () => {
    const uniform = mulberry32(9);
    for (let trial = 0; trial < 300; trial++) {
      const bins = 1 + Math.floor(uniform() * 12);
      const weights = () => Array.from({ length: bins }, () => (uniform() < 0.3 ? 0 : uniform()));
      const p = weights();
      const q = weights();
      if (!p.some((x) => x > 0) || !q.some((x) => x > 0)) continue;
      const distance = jensenShannonDistance(p, q);
      expect(distance).toBeGreaterThanOrEqual(0);
      expect(distance).toBeLessThanOrEqual(MAX_DISTANCE + 1e-15);
      expect(jensenShannonDistance(q, p)).toBeCloseTo(distance, 14);
    }
  });

  it('rejects mismatched lengths, negative or non-finite weights, and a side without weight', () => {
    expect(() => jensenShannonDistance([1, 2], [1])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, -1], [1, 1])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, Number.NaN], [1, 1])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, Infinity], [1, 1])).toThrow(RangeError);
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(RangeError);
    expect(() => jensenShannonDistance([], [])).toThrow(RangeError);
  });
});
