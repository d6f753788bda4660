/**
 * Two-sample Kolmogorov-Smirnov test: the statistic D is exact; the p-value is the asymptotic
 * two-sided one. A later exact small-sample p-value (as scipy.stats.ks_2samp has) can sit next to
 * ksAsymptoticPValue and be chosen in ksTwoSample by sample size.
 */

export interface KsResult {
  statistic: number;
  pValue: number;
}

export function ksTwoSample(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): KsResult {
  const statistic = ksStatistic(sortedA, sortedB);
  return { statistic, pValue: ksAsymptoticPValue(statistic, sortedA.length, sortedB.length) };
}

/**
 * D = sup_x |F_a(x) − F_b(x)| of the two empirical CDFs, by merging the sorted samples. All copies of
 * a value are consumed on both sides before the gap is measured, because both CDFs jump at a tie.
 * The gap is kept as the integer |i·n_b − j·n_a| so equal CDFs compare exactly equal.
 */
export function ksStatistic(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  assertSortedSample(sortedA, 'first');
  assertSortedSample(sortedB, 'second');
  const sizeA = sortedA.length;
  const sizeB = sortedB.length;
  let i = 0;
  let j = 0;
  let largestGap = 0;
  while (i < sizeA && j < sizeB) {
    const value = Math.min(sortedA[i] as number, sortedB[j] as number);
    while (i < sizeA && (sortedA[i] as number) <= value) i++;
    while (j < sizeB && (sortedB[j] as number) <= value) j++;
    largestGap = Math.max(largestGap, Math.abs(i * sizeB - j * sizeA));
  }
  // Once one sample is used up its CDF is 1 and the other's only climbs towards 1, so the gap only shrinks.
  return largestGap / (sizeA * sizeB);
}

/**
 * Asymptotic two-sided p-value Q_KS(λ) with the effective sample size n_e = n_a·n_b / (n_a + n_b)
 * and Stephens' small-sample correction λ = (√n_e + 0.12 + 0.11/√n_e)·D
 * (Press et al., Numerical Recipes, 3rd ed., §14.3.3; 2nd ed., §14.3).
 */
export function ksAsymptoticPValue(statistic: number, sizeA: number, sizeB: number): number {
  const rootEffectiveSize = Math.sqrt((sizeA * sizeB) / (sizeA + sizeB));
  const lambda = (rootEffectiveSize + 0.12 + 0.11 / rootEffectiveSize) * statistic;
  return Math.min(1, Math.max(0, kolmogorovSurvival(lambda)));
}

/** Below this λ the alternating series converges slowly, so the complementary series is used (Numerical Recipes §6.14). */
const SERIES_SWITCH = 1.18;

/**
 * Kolmogorov survival function Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²). For small λ it uses the
 * equal (Jacobi theta) form 1 − (√(2π)/λ) Σ_{j≥1} exp(−(2j−1)² π² / (8 λ²)). The terms kept on each side
 * of SERIES_SWITCH reach double precision (Press et al., Numerical Recipes, 3rd ed., §6.14, class KSdist).
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < SERIES_SWITCH) {
    const y = Math.exp(-(Math.PI * Math.PI) / (8 * lambda * lambda));
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * (y + y ** 9 + y ** 25 + y ** 49);
  }
  const x = Math.exp(-2 * lambda * lambda);
  return 2 * (x - x ** 4 + x ** 9);
}

function assertSortedSample(sample: ArrayLike<number>, which: string): void {
  if (sample.length === 0) throw new RangeError(`KS needs at least one value in the ${which} sample`);
  for (let k = 0; k < sample.length; k++) {
    const value = sample[k] as number;
    if (Number.isNaN(value) || (k > 0 && value < (sample[k - 1] as number))) {
      throw new RangeError(`KS needs the ${which} sample sorted ascending without NaN (position ${k})`);
    }
  }
}
