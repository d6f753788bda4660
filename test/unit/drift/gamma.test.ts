import { describe, expect, it } from 'vitest';
import { chiSquaredSurvival, regularizedGammaQ } from '../../../src/drift/gamma';
import { fixtures } from './distance-fixtures';
import { mulberry32 } from './seeded-random';

/** The port follows SciPy's Cephes code path for path, so it agrees to a few ulps of the libm calls. */
const RELATIVE_TOLERANCE = 1e-13;

function expectRelativelyClose(actual: number, expected: number, label: string): void {
  const difference = Math.abs(actual - expected);
  const ok = expected === 0 ? actual === 0 : difference <= RELATIVE_TOLERANCE * Math.abs(expected);
  expect(ok, `${label}: got ${actual}, expected ${expected} (relative difference ${difference / Math.abs(expected)})`).toBe(true);
}

describe('regularizedGammaQ', () => {
  it(`matches scipy.special.gammaincc to ${RELATIVE_TOLERANCE} relative on ${fixtures.gamma.length} grid points`, () => {
    for (const [a, x, q] of fixtures.gamma) expectRelativelyClose(regularizedGammaQ(a, x), q, `Q(${a}, ${x})`);
  });

  it('matches closed forms: Q(1, x) = e^−x, Q(n, x) = e^−x Σ_{k<n} x^k/k!, Q(½, x) = erfc(√x)', () => {
    for (const x of [1e-8, 0.3, 1, 2.5, 10, 100, 700]) {
      expectRelativelyClose(regularizedGammaQ(1, x), Math.exp(-x), `Q(1, ${x})`);
      const poissonTail = Math.exp(-x) * (1 + x + (x * x) / 2);
      expectRelativelyClose(regularizedGammaQ(3, x), poissonTail, `Q(3, ${x})`);
    }
    // erfc(1) = 0.15729920705028513066…, erfc(2) = 0.0046777349810472658379…
    expectRelativelyClose(regularizedGammaQ(0.5, 1), 0.15729920705028513, 'Q(1/2, 1)');
    expectRelativelyClose(regularizedGammaQ(0.5, 4), 0.004677734981047266, 'Q(1/2, 4)');
  });

  it("takes SciPy's boundary values and rejects undefined arguments", () => {
    expect(regularizedGammaQ(2.5, 0)).toBe(1);
    expect(regularizedGammaQ(0, 3)).toBe(0);
    expect(regularizedGammaQ(2.5, Infinity)).toBe(0);
    expect(regularizedGammaQ(Infinity, 3)).toBe(1);
    for (const [a, x] of [[-1, 1], [1, -1], [Number.NaN, 1], [1, Number.NaN], [0, 0], [Infinity, Infinity]] as const) {
      expect(() => regularizedGammaQ(a, x)).toThrow(RangeError);
    }
  });

  it('is a survival function: in [0, 1] and non-increasing in x', () => {
    const uniform = mulberry32(11);
    for (let trial = 0; trial < 200; trial++) {
      const a = 10 ** (uniform() * 7 - 3);
      let previous = 1;
      for (const factor of [0.01, 0.5, 0.9, 0.99, 1, 1.01, 1.1, 2, 10]) {
        const q = regularizedGammaQ(a, a * factor);
        expect(q).toBeGreaterThanOrEqual(0);
        expect(q).toBeLessThanOrEqual(previous * (1 + 1e-14));
        previous = q;
      }
    }
  });
});

describe('chiSquaredSurvival', () => {
  it(`matches scipy.stats.chi2.sf to ${RELATIVE_TOLERANCE} relative on ${fixtures.chi2_sf.length} grid points`, () => {
    for (const [x, df, p] of fixtures.chi2_sf) expectRelativelyClose(chiSquaredSurvival(x, df), p, `chi2.sf(${x}, ${df})`);
  });

  it('gives the textbook values: 5% at 3.841 for 1 degree of freedom, e^(−x/2) for 2', () => {
    expect(chiSquaredSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 14);
    expectRelativelyClose(chiSquaredSurvival(7, 2), Math.exp(-3.5), 'chi2.sf(7, 2)');
  });

  it('is 1 at and below 0, and rejects non-positive degrees of freedom or a NaN statistic', () => {
    expect(chiSquaredSurvival(0, 3)).toBe(1);
    expect(chiSquaredSurvival(-2, 3)).toBe(1);
    expect(() => chiSquaredSurvival(1, 0)).toThrow(RangeError);
    expect(() => chiSquaredSurvival(1, -1)).toThrow(RangeError);
    expect(() => chiSquaredSurvival(Number.NaN, 1)).toThrow(RangeError);
  });

  it('underflows to 0 only far in the tail, and stays tiny but positive before that', () => {
    const tail = chiSquaredSurvival(1400, 1);
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThan(1e-300);
    expect(chiSquaredSurvival(1e6, 1)).toBe(0);
  });
});
