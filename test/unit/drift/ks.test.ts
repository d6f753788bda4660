import { describe, expect, it } from 'vitest';
import { ksTwoSample } from '../../../src/drift';
import { draw, mulberry32, normalSampler, sortedCopy } from './seeded-random';

describe('ksTwoSample statistic', () => {
  it('consumes ties on both sides before measuring the gap', () => {
    // F_a = 1/4, 3/4, 1 and F_b = 0, 2/4, 3/4, 1 at x = 1, 2, 3, 4: the largest gap is 1/4.
    // Stepping through the tie at 2 one side at a time would wrongly see |2/4 − 0| = 1/2.
    // scipy.stats.ks_2samp([1,2,2,3], [2,2,3,4]).statistic == 0.25
    expect(ksTwoSample([1, 2, 2, 3], [2, 2, 3, 4]).statistic).toBe(0.25);
  });

  it('handles samples of different sizes with a tie block', () => {
    // F_a = .2 .4 .6 .8 1 and F_b = 0 0 1 1 1 at x = 1..5: the largest gap is 0.4 (at x = 2 and x = 3).
    // scipy.stats.ks_2samp([1,2,3,4,5], [3,3,3]).statistic == 0.4
    expect(ksTwoSample([1, 2, 3, 4, 5], [3, 3, 3]).statistic).toBeCloseTo(0.4, 15);
  });

  it('is 1 for samples that do not overlap, in either order', () => {
    expect(ksTwoSample([1, 2], [3, 4, 5]).statistic).toBe(1);
    expect(ksTwoSample([3, 4, 5], [1, 2]).statistic).toBe(1);
  });

  it('gives D = 0 and p = 1 for identical samples, and for the same values with repeats', () => {
    const sample = sortedCopy(draw(300, normalSampler(3)));
    expect(ksTwoSample(sample, sample)).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
    expect(ksTwoSample([1, 2, 3], [1, 1, 2, 2, 3, 3])).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
  });

  it('rejects empty, unsorted or NaN samples as programming errors', () => {
    expect(() => ksTwoSample([], [1])).toThrow(RangeError);
    expect(() => ksTwoSample([2, 1], [1])).toThrow(RangeError);
    expect(() => ksTwoSample([1, Number.NaN], [1])).toThrow(RangeError);
  });
});

describe('ksTwoSample p-value', () => {
  it('is tiny for strongly shifted normals', () => {
    const a = sortedCopy(draw(500, normalSampler(4)));
    const b = sortedCopy(draw(500, normalSampler(5, 1)));
    expect(ksTwoSample(a, b).pValue).toBeLessThan(1e-6);
  });

  it('is large for two samples of the same distribution', () => {
    const a = sortedCopy(draw(1000, normalSampler(6)));
    const b = sortedCopy(draw(1000, normalSampler(7)));
    expect(ksTwoSample(a, b).pValue).toBeGreaterThan(0.05);
  });

  it('agrees with scipy for n1 = n2 = 2000, exact by default and asymptotic on request', () => {
    // a: 2000 mulberry32(20240611) uniforms; b: the next 2000 uniforms + 0.04. Reproduced in Python with the
    // same generator (its draws are exact integers / 2^32) and scipy 1.17.1:
    //   ks_2samp(a, b)                  -> statistic 0.05, pvalue 0.013464654930116565 (auto = exact here)
    //   ks_2samp(a, b, method='asymp')  -> statistic 0.04999999999999999, pvalue 0.013012074781090368
    //     ('asymp' keeps D as the float difference of the two CDFs; 'exact' snaps it to h / lcm(n1, n2))
    const uniform = mulberry32(20240611);
    const a = sortedCopy(draw(2000, uniform));
    const b = sortedCopy(draw(2000, () => uniform() + 0.04));
    const exact = ksTwoSample(a, b);
    expect(exact.method).toBe('exact');
    expect(exact.statistic).toBe(0.05);
    expect(exact.pValue).toBeCloseTo(0.013464654930116565, 14);
    const asymptotic = ksTwoSample(a, b, 'asymp');
    expect(asymptotic.method).toBe('asymp');
    expect(asymptotic.statistic).toBe(0.04999999999999999);
    expect(asymptotic.pValue).toBeCloseTo(0.013012074781090368, 14);
  });

  it("switches 'auto' to the asymptotic p-value above 10000 values in either sample", () => {
    const a = sortedCopy(draw(10001, normalSampler(8)));
    const b = sortedCopy(draw(50, normalSampler(9)));
    expect(ksTwoSample(a, b).method).toBe('asymp');
    expect(ksTwoSample(a.subarray(0, 10000), b).method).toBe('exact');
  });
});
