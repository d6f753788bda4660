import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  DEFAULT_PSI_SMOOTHING,
  populationStabilityIndex,
  type NumericReference,
} from '../../../src/drift';
import { binIndex, categoricalBinShares, numericBinShares } from '../../../src/drift/psi';
import { draw, mulberry32, normalSampler } from './seeded-random';

function decileReference(values: number[]): NumericReference {
  const profile = buildReferenceProfile([{ name: 'x', kind: 'numeric' }], values.map((x) => ({ x })));
  return profile.features.x as NumericReference;
}

describe('populationStabilityIndex', () => {
  it('is exactly 0 for identical shares', () => {
    expect(populationStabilityIndex([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4])).toBe(0);
  });

  it('matches a hand computation: (0.25−0.5)·ln(0.25/0.5) + (0.75−0.5)·ln(0.75/0.5) = 0.25·ln 3', () => {
    expect(populationStabilityIndex([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.log(3), 12);
  });

  it('is symmetric in its two distributions', () => {
    expect(populationStabilityIndex([0.2, 0.8], [0.6, 0.4])).toBeCloseTo(populationStabilityIndex([0.6, 0.4], [0.2, 0.8]), 14);
  });

  it('replaces empty shares by the smoothing value and re-normalises, so it stays finite', () => {
    // After smoothing both sides are {a, e} swapped, with a = 1/(1+s) and e = s/(1+s).
    const s = DEFAULT_PSI_SMOOTHING;
    const a = 1 / (1 + s);
    const e = s / (1 + s);
    expect(populationStabilityIndex([1, 0], [0, 1])).toBeCloseTo(2 * (a - e) * Math.log(a / e), 10);
    expect(populationStabilityIndex([1, 0], [0, 1], 1e-2)).toBeLessThan(populationStabilityIndex([1, 0], [0, 1]));
  });

  it('is never negative, including with empty bins', () => {
    const uniform = mulberry32(7);
    for (let trial = 0; trial < 500; trial++) {
      const bins = 2 + Math.floor(uniform() * 10);
      const randomShares = () => {
        const raw = draw(bins, () => (uniform() < 0.2 ? 0 : uniform()));
        const total = raw.reduce((sum, x) => sum + x, 0) || 1;
        return raw.map((x) => x / total);
      };
      const psi = populationStabilityIndex(randomShares(), randomShares());
      expect(psi).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(psi)).toBe(true);
    }
  });

  it('is close to 0 for two samples of the same normal distribution on reference-decile bins', () => {
    const reference = decileReference(draw(5000, normalSampler(1)));
    const current = numericBinShares(reference.binEdges, draw(5000, normalSampler(2)));
    expect(populationStabilityIndex(reference.binShares, current)).toBeLessThan(0.02);
  });

  it('is large when the current normal is shifted by one standard deviation', () => {
    const reference = decileReference(draw(5000, normalSampler(1)));
    const current = numericBinShares(reference.binEdges, draw(5000, normalSampler(2, 1)));
    expect(populationStabilityIndex(reference.binShares, current)).toBeGreaterThan(0.5);
  });

  it('rejects mismatched bins, bad shares and bad smoothing as programming errors', () => {
    expect(() => populationStabilityIndex([0.5, 0.5], [1])).toThrow(RangeError);
    expect(() => populationStabilityIndex([0.5, 0.5], [Number.NaN, 1])).toThrow(RangeError);
    expect(() => populationStabilityIndex([0.5, 0.5], [-0.5, 1.5])).toThrow(RangeError);
    expect(() => populationStabilityIndex([0.5, 0.5], [0.5, 0.5], 0)).toThrow(RangeError);
  });
});

describe('numeric bins', () => {
  it('puts values below the first edge in bin 0 and values at or above the last edge in the last bin', () => {
    const edges = [1, 2, 3];
    expect([-Infinity, 0.5, 1, 1.5, 2, 3, 100].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });

  it('gives shares summing to 1, and all zeros for no values', () => {
    const shares = numericBinShares([1, 2], [0, 1, 1, 5]);
    expect(shares).toEqual([0.25, 0.5, 0.25]);
    expect(numericBinShares([1, 2], [])).toEqual([0, 0, 0]);
  });
});

describe('categoricalBinShares', () => {
  it('aligns current categories with the reference and collects unseen ones in a last bin', () => {
    const shares = categoricalBinShares({ red: 0.5, blue: 0.5 }, ['red', 'green', 'green', 'blue']);
    expect(shares).toEqual({ reference: [0.5, 0.5, 0], current: [0.25, 0.25, 0.5] });
  });

  it('keeps a real category named like the unseen label separate from the unseen bin', () => {
    const shares = categoricalBinShares({ __unseen__: 1 }, ['__unseen__', 'new']);
    expect(shares).toEqual({ reference: [1, 0], current: [0.5, 0.5] });
  });
});
