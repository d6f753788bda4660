import { standardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { normalizedWasserstein, wassersteinDistance } from '../../../src/drift/wasserstein';
import { expectMatch, fixtures, readSortedSample } from './distance-fixtures';
import { draw, mulberry32, normalSampler, sortedCopy } from './seeded-random';

describe('wassersteinDistance', () => {
  it(`matches scipy.stats.wasserstein_distance on ${fixtures.numeric.length} fixture sample pairs (1e-9 relative)`, () => {
    for (const fixture of fixtures.numeric) {
      const distance = wassersteinDistance(readSortedSample(fixture.ref), readSortedSample(fixture.cur));
      // Relative even for the 1e-300 samples, where an absolute 1e-9 would say nothing.
      expect(Math.abs(distance - fixture.wasserstein), fixture.name).toBeLessThanOrEqual(1e-9 * fixture.wasserstein);
    }
  });

  it('matches hand computations', () => {
    expect(wassersteinDistance([0], [1])).toBe(1);
    expect(wassersteinDistance([0, 1], [0, 1])).toBe(0);
    // A shift moves every quantile by the shift.
    expect(wassersteinDistance([1, 2, 3], [4, 5, 6])).toBe(3);
    // CDFs differ by 1/2 on [0, 1) and by 1/2 on [2, 3): 0.5 + 0.5.
    expect(wassersteinDistance([0, 2], [1, 3])).toBe(1);
    // One point against three: ∫|F_a − F_b| = (1/3)·1 + (2/3)·1 over [0, 1) and [1, 2).
    expect(wassersteinDistance([1], [0, 1, 2])).toBeCloseTo(2 / 3, 15);
    // Ties in both samples.
    expect(wassersteinDistance([1, 1, 1, 2], [1, 2, 2, 2])).toBeCloseTo(0.5, 15);
  });

  it('is symmetric, accepts typed arrays, and moves by exactly |s| under a shift by s', () => {
    const a = sortedCopy(draw(300, normalSampler(3)));
    const b = sortedCopy(draw(200, normalSampler(4, 0.5, 2)));
    expect(wassersteinDistance(a, b)).toBeCloseTo(wassersteinDistance(b, a), 14);
    expect(wassersteinDistance(a, a.map((x) => x + 0.75))).toBeCloseTo(0.75, 12);
  });

  it('stays finite for huge magnitudes and exact for subnormal ones', () => {
    // The gaps (3e308) overflow unless scaled; the distance (1.5e308) does not.
    expect(wassersteinDistance([-1.5e308, 1.5e308], [1.5e308, 1.5e308])).toBe(1.5e308);
    expect(wassersteinDistance([0], [Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
    expect(wassersteinDistance([-1e300, 1e300], [0, 0])).toBe(1e300);
    expect(wassersteinDistance([Number.MIN_VALUE], [2 * Number.MIN_VALUE])).toBe(Number.MIN_VALUE);
    expect(wassersteinDistance([1e-300, 2e-300], [1e-300, 4e-300]) / 1e-300).toBeCloseTo(1, 15);
  });

  it('rejects empty, unsorted and non-finite samples', () => {
    expect(() => wassersteinDistance([], [1])).toThrow(RangeError);
    expect(() => wassersteinDistance([1], [])).toThrow(RangeError);
    expect(() => wassersteinDistance([2, 1], [1])).toThrow(/sorted/);
    expect(() => wassersteinDistance([1, Number.NaN], [1])).toThrow(RangeError);
    expect(() => wassersteinDistance([1, Infinity], [1])).toThrow(RangeError);
  });
});

describe('normalizedWasserstein', () => {
  it("reproduces Evidently's normed Wasserstein with the population standard deviation (simple-statistics)", () => {
    const skipped: string[] = [];
    for (const fixture of fixtures.numeric) {
      if (fixture.evidently.wasserstein_norm === null || fixture.reference_std === null) {
        skipped.push(fixture.name);
        continue;
      }
      const reference = readSortedSample(fixture.ref);
      const std = standardDeviation(Array.from(reference));
      expectMatch(std, fixture.reference_std, `${fixture.name} np.std`, 1e-12);
      const normalized = normalizedWasserstein(reference, readSortedSample(fixture.cur), std);
      expectMatch(normalized, fixture.evidently.wasserstein_norm, `${fixture.name} normed Wasserstein`);
    }
    // np.std overflows there (its squares exceed 1e308), so Evidently divides by Infinity.
    expect(skipped).toEqual(['huge_1e300']);
  });

  it('divides by max(std, 0.001), so a constant reference does not divide by zero', () => {
    expect(normalizedWasserstein([3], [4], 0)).toBeCloseTo(1000, 10);
    expect(normalizedWasserstein([3], [4], 0.0005)).toBeCloseTo(1000, 10);
    expect(normalizedWasserstein([0, 2], [1, 3], 2)).toBe(0.5);
  });

  it('rejects a negative or non-finite std', () => {
    expect(() => normalizedWasserstein([1], [2], -1)).toThrow(RangeError);
    expect(() => normalizedWasserstein([1], [2], Number.NaN)).toThrow(RangeError);
    expect(() => normalizedWasserstein([1], [2], Infinity)).toThrow(RangeError);
  });

  it('is never NaN or infinite for random finite samples', () => {
    const uniform = mulberry32(5);
    for (let trial = 0; trial < 100; trial++) {
      const scale = 10 ** (uniform() * 600 - 300);
      const a = sortedCopy(draw(1 + Math.floor(uniform() * 20), () => (uniform() - 0.5) * scale));
      const b = sortedCopy(draw(1 + Math.floor(uniform() * 20), () => (uniform() - 0.3) * scale));
      expect(Number.isFinite(wassersteinDistance(a, b))).toBe(true);
    }
  });
});
