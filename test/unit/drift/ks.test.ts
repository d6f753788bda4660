import { describe, expect, it } from 'vitest';
import { ksTwoSample } from '../../../src/drift';
import { kolmogorovSurvival } from '../../../src/drift/ks';
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
    expect(ksTwoSample(sample, sample)).toEqual({ statistic: 0, pValue: 1 });
    expect(ksTwoSample([1, 2, 3], [1, 1, 2, 2, 3, 3])).toEqual({ statistic: 0, pValue: 1 });
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

  it('agrees with scipy for n1 = n2 = 2000', () => {
    // a: 2000 mulberry32(20240611) uniforms; b: the next 2000 uniforms + 0.04. Reproduced in Python with the
    // same generator (its draws are exact integers / 2^32) and scipy 1.17.1:
    //   ks_2samp(a, b, method='asymp')  -> statistic 0.05, pvalue 0.013012074781090368
    //     (scipy's 'asymp' is kstwo.sf(D, round(n1·n2/(n1+n2))), the one-sample distribution at n = 1000)
    //   kstwobign.sf((√1000 + 0.12 + 0.11/√1000)·0.05) -> 0.012958845703741733
    //     (the Stephens-corrected asymptotic series this module implements)
    const uniform = mulberry32(20240611);
    const a = draw(2000, uniform);
    const b = draw(2000, () => uniform() + 0.04);
    const { statistic, pValue } = ksTwoSample(sortedCopy(a), sortedCopy(b));
    expect(statistic).toBeCloseTo(0.05, 14);
    expect(pValue).toBeCloseTo(0.012958845703741733, 9);
    // The two asymptotic approximations differ by about 5e-5 here.
    expect(Math.abs(pValue - 0.013012074781090368)).toBeLessThan(1e-4);
  });
});

describe('kolmogorovSurvival', () => {
  it('matches scipy.stats.kstwobign.sf on both sides of the series switch at 1.18', () => {
    // python3 -c "from scipy.stats import kstwobign; print([kstwobign.sf(x) for x in (0.3,0.5,1.0,1.17,1.18,1.19,1.5,2.0,3.0)])"
    const expected: Array<[number, number]> = [
      [0.3, 0.9999906941986655],
      [0.5, 0.9639452436648751],
      [1.0, 0.26999967167735456],
      [1.17, 0.12939004218561884],
      [1.18, 0.1234538094297657],
      [1.19, 0.11774229287977166],
      [1.5, 0.022217962616525127],
      [2.0, 0.0006709252557796953],
      [3.0, 3.045995948942526e-8],
    ];
    for (const [lambda, survival] of expected) expect(kolmogorovSurvival(lambda)).toBeCloseTo(survival, 12);
  });

  it('is 1 at λ = 0 and underflows to 0, not NaN, for huge λ', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(1e-9)).toBe(1);
    expect(kolmogorovSurvival(1e9)).toBe(0);
  });
});
