import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareContingency } from '../../../src/drift/chi-square';
import { jensenShannonDistance } from '../../../src/drift/jensen-shannon';
import { ksTwoSample } from '../../../src/drift/ks';
import { populationStabilityIndex } from '../../../src/drift/psi';
import { wassersteinDistance } from '../../../src/drift/wasserstein';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const sortedSample = fc.array(finite, { minLength: 1, maxLength: 60 }).map((values) => Float64Array.from(values).sort());
/** Share vectors over the same bins (some empty), as PSI and Jensen-Shannon receive them. */
const sharePair = fc.integer({ min: 1, max: 12 }).chain((bins) =>
  fc.tuple(fc.array(fc.nat(50), { minLength: bins, maxLength: bins }), fc.array(fc.nat(50), { minLength: bins, maxLength: bins })),
).filter(([a, b]) => a.some((x) => x > 0) && b.some((x) => x > 0)).map(([a, b]) => [toShares(a), toShares(b)] as const);

function toShares(counts: number[]): number[] {
  const total = counts.reduce((sum, c) => sum + c, 0);
  return counts.map((c) => c / total);
}

describe('properties of the drift statistics (fast-check)', () => {
  it('KS: statistic in [0, 1], p-value in [0, 1], symmetric, and identical samples give D = 0, p = 1', () => {
    fc.assert(fc.property(sortedSample, sortedSample, (a, b) => {
      const ab = ksTwoSample(a, b);
      const ba = ksTwoSample(b, a);
      expect(ab.statistic).toBeGreaterThanOrEqual(0);
      expect(ab.statistic).toBeLessThanOrEqual(1);
      expect(ab.pValue).toBeGreaterThanOrEqual(0);
      expect(ab.pValue).toBeLessThanOrEqual(1);
      expect(ba.statistic).toBe(ab.statistic);
      expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
      const self = ksTwoSample(a, a);
      expect(self.statistic).toBe(0);
      expect(self.pValue).toBe(1);
    }));
  });

  it('PSI ≥ 0, symmetric, 0 for identical shares', () => {
    fc.assert(fc.property(sharePair, ([r, c]) => {
      const psi = populationStabilityIndex(r, c);
      expect(psi).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(psi)).toBe(true);
      expect(populationStabilityIndex(c, r)).toBeCloseTo(psi, 9);
      expect(populationStabilityIndex(r, r)).toBe(0);
    }));
  });

  it('Jensen-Shannon distance in [0, √ln2], symmetric, 0 for identical shares', () => {
    fc.assert(fc.property(sharePair, ([p, q]) => {
      const distance = jensenShannonDistance(p, q);
      expect(distance).toBeGreaterThanOrEqual(0);
      expect(distance).toBeLessThanOrEqual(Math.sqrt(Math.LN2) + 1e-12);
      expect(jensenShannonDistance(q, p)).toBeCloseTo(distance, 12);
      expect(jensenShannonDistance(p, p)).toBeCloseTo(0, 7);
    }));
  });

  it('Wasserstein-1 ≥ 0, symmetric, 0 for identical samples, and a shift by s moves it by exactly |s|', () => {
    fc.assert(fc.property(sortedSample, sortedSample, fc.double({ min: -100, max: 100, noNaN: true }), (a, b, shift) => {
      const distance = wassersteinDistance(a, b);
      expect(distance).toBeGreaterThanOrEqual(0);
      expect(wassersteinDistance(b, a)).toBeCloseTo(distance, 6);
      expect(wassersteinDistance(a, a)).toBe(0);
      expect(wassersteinDistance(a, a.map((x) => x + shift))).toBeCloseTo(Math.abs(shift), 6);
    }));
  });

  it('chi-square: p-value in [0, 1], 1 for proportional rows', () => {
    const counts = fc.integer({ min: 2, max: 8 }).chain((k) => fc.array(fc.integer({ min: 1, max: 500 }), { minLength: k, maxLength: k }));
    fc.assert(fc.property(counts, fc.integer({ min: 1, max: 5 }), (row, factor) => {
      const proportional = chiSquareContingency([row, row.map((x) => x * factor)], false);
      expect(proportional.pValue).toBeCloseTo(1, 9);
      const shuffled = chiSquareContingency([row, [...row].reverse()]);
      expect(shuffled.pValue).toBeGreaterThanOrEqual(0);
      expect(shuffled.pValue).toBeLessThanOrEqual(1);
    }));
  });
});
