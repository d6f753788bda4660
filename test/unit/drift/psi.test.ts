import { describe, expect, it } from 'vitest';
import { binShares, numericBins } from '../../../src/drift/binning';
import { DEFAULT_PSI_SMOOTHING, populationStabilityIndex } from '../../../src/drift/psi';
import { draw, mulberry32, normalSampler, sortedCopy } from './seeded-random';

/** PSI of a window against reference-decile bins, driftwatch's default binning. */
function decilePsi(reference: number[], current: number[]): number {
  const sortedReference = sortedCopy(reference);
  const bins = numericBins(sortedReference, null, { strategy: 'quantile', bins: 10 });
  return populationStabilityIndex(binShares(sortedReference, bins), binShares(sortedCopy(current), bins));
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
    expect(DEFAULT_PSI_SMOOTHING).toEqual({ kind: 'constant', epsilon: 1e-4 });
    const s = 1e-4;
    const a = 1 / (1 + s);
    const e = s / (1 + s);
    expect(populationStabilityIndex([1, 0], [0, 1])).toBeCloseTo(2 * (a - e) * Math.log(a / e), 10);
    const coarser = populationStabilityIndex([1, 0], [0, 1], { kind: 'constant', epsilon: 1e-2 });
    expect(coarser).toBeLessThan(populationStabilityIndex([1, 0], [0, 1]));
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
    expect(decilePsi(draw(5000, normalSampler(1)), draw(5000, normalSampler(2)))).toBeLessThan(0.02);
  });

  it('is large when the current normal is shifted by one standard deviation', () => {
    expect(decilePsi(draw(5000, normalSampler(1)), draw(5000, normalSampler(2, 1)))).toBeGreaterThan(0.5);
  });

  it("with Evidently's smoothing fills empty bins without renormalising, as psi.py does", () => {
    // Both smallest non-zero shares (0.5 and 1) are above 1e-4, so every empty bin gets 1e-4 and the
    // shares are not renormalised: reference [0.5, 0.5, 1e-4], current [1e-4, 1, 1e-4].
    const expected = (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5);
    expect(populationStabilityIndex([0.5, 0.5, 0], [0, 1, 0], { kind: 'evidently' })).toBeCloseTo(expected, 14);
  });

  it("is +Infinity without smoothing when a bin is empty on one side only, and ignores bins empty on both", () => {
    const none = { kind: 'none' } as const;
    expect(populationStabilityIndex([0.5, 0.5, 0], [0.25, 0.75, 0], none)).toBeCloseTo(0.25 * Math.log(3), 14);
    expect(populationStabilityIndex([1, 0], [0.5, 0.5], none)).toBe(Infinity);
    expect(populationStabilityIndex([0.5, 0.5], [1, 0], none)).toBe(Infinity);
  });

  it('stays finite for shares at the edge of the floating-point range', () => {
    const tiny = Number.MIN_VALUE;
    for (const smoothing of [DEFAULT_PSI_SMOOTHING, { kind: 'evidently' } as const]) {
      const psi = populationStabilityIndex([1 - 1e-300, 1e-300, 0], [tiny, 1 - tiny, 0], smoothing);
      expect(Number.isFinite(psi)).toBe(true);
      expect(psi).toBeGreaterThan(0);
    }
  });

  it('rejects mismatched bins, bad shares and bad smoothing as programming errors', () => {
    expect(() => populationStabilityIndex([0.5, 0.5], [1])).toThrow(RangeError);
    expect(() => populationStabilityIndex([0.5, 0.5], [Number.NaN, 1])).toThrow(RangeError);
    expect(() => populationStabilityIndex([0.5, 0.5], [-0.5, 1.5])).toThrow(RangeError);
    expect(() => populationStabilityIndex([0.5, 0.5], [0.5, 0.5], { kind: 'constant', epsilon: 0 })).toThrow(RangeError);
    expect(() => populationStabilityIndex([0, 0], [0.5, 0.5], { kind: 'evidently' })).toThrow(RangeError);
  });
});
