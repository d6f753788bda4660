/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, ported from scipy 1.17.1 so that
 * ksTwoSample(a, b, method) matches scipy.stats.ks_2samp(a, b, alternative='two-sided', method=method)
 * (scipy/stats/_stats_py.py: ks_2samp, _attempt_exact_2kssamp, _compute_prob_outside_square, and
 * _compute_outer_prob_inside_method in scipy/stats/_stats_pythran.py). The exact p-values follow Hodges'
 * treatment of Drion/Gnedenko/Korolyuk (Hodges, "The Significance Probability of the Smirnov Two-Sample
 * Test", Arkiv för Matematik 3(43), 1958); the asymptotic one is the finite-n Kolmogorov distribution at
 * the effective sample size, in ./kolmogorov.
 */
import { kolmogorovSurvival } from './kolmogorov';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  statistic: number;
  pValue: number;
  /** The method that produced pValue: 'exact' can fall back to 'asymp', as in scipy. */
  method: 'exact' | 'asymp';
}

/** MAX_AUTO_N in ks_2samp: 'auto' attempts the exact p-value when both samples are at most this large. */
const MAX_AUTO_N = 10000;
/** np.iinfo(np.int32).max: ks_2samp refuses 'exact' when (n1/g)·(n2/g) reaches it, g = gcd(n1, n2). */
const INT32_MAX = 2147483647;

/**
 * Inputs must be sorted ascending and free of NaN (a RangeError otherwise, as for an empty sample).
 * 'auto' is exact when max(n1, n2) ≤ 10000 and asymptotic above; 'exact' falls back to 'asymp' when the
 * lattice would be too large or the computation loses its footing numerically, and says so in `method`.
 */
export function ksTwoSample(
  sortedA: ArrayLike<number>,
  sortedB: ArrayLike<number>,
  method: KsMethod = 'auto',
): KsResult {
  assertSortedSample(sortedA, 'first');
  assertSortedSample(sortedB, 'second');
  return ksTwoSampleSorted(sortedA, sortedB, method);
}

/**
 * ksTwoSample for samples the caller has already checked to be sorted ascending without NaN (as the drift
 * scores do once per comparison); only an empty sample is still a RangeError.
 */
export function ksTwoSampleSorted(
  sortedA: ArrayLike<number>,
  sortedB: ArrayLike<number>,
  method: KsMethod = 'auto',
): KsResult {
  if (sortedA.length === 0) throw new RangeError('KS needs at least one value in the first sample');
  if (sortedB.length === 0) throw new RangeError('KS needs at least one value in the second sample');
  const sizeA = sortedA.length;
  const sizeB = sortedB.length;
  let statistic = largestCdfDifference(sortedA, sortedB);

  const gcd = greatestCommonDivisor(sizeA, sizeB);
  const reducedA = sizeA / gcd;
  const reducedB = sizeB / gcd;
  const tryExact =
    method === 'auto' ? Math.max(sizeA, sizeB) <= MAX_AUTO_N : method === 'exact' && reducedA < INT32_MAX / reducedB;
  if (tryExact) {
    // _attempt_exact_2kssamp: D is a multiple of 1/lcm, so it is snapped to h/lcm before counting paths.
    // D·lcm is an integer up to rounding, so Math.round agrees with scipy's round-half-to-even np.round.
    const lcm = reducedA * sizeB;
    const h = Math.round(statistic * lcm);
    statistic = h / lcm;
    const pValue = exactPValue(sizeA, sizeB, gcd, h);
    if (pValue >= 0 && pValue <= 1) return { statistic, pValue, method: 'exact' };
    // Out of [0, 1] or NaN: scipy warns and uses the asymptotic p-value of the snapped statistic.
  }
  return { statistic, pValue: asymptoticPValue(statistic, sizeA, sizeB), method: 'asymp' };
}

/**
 * D = max(max F_a − F_b, max F_b − F_a) over the pooled values, both CDFs taken after every copy of a
 * value (ks_2samp's searchsorted(side='right') on the concatenation), so ties count on both sides at once.
 * The difference is formed as i/n_a − j/n_b in floating point exactly as scipy forms cdf1 − cdf2, so the
 * statistic, and the asymptotic p-value built from it, match scipy's to the last bit.
 *
 * The merge takes one value at a time, without a branch on which side it comes from, and takes a value
 * present on both sides with all its copies at once. Taking one copy at a time evaluates the difference
 * at more points than scipy does, but never beyond them: with j fixed, i/n_a − j/n_b only grows with i (in
 * floating point too: division and subtraction round monotonically), so a point partway through a run of
 * copies on one side lies between the points before and after the run, which are scipy's. The largest
 * and smallest differences, and so D, are therefore the same to the bit.
 */
export function largestCdfDifference(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  const sizeA = sortedA.length;
  const sizeB = sortedB.length;
  let i = 0;
  let j = 0;
  let largest = 0;
  let smallest = 0;
  while (i < sizeA && j < sizeB) {
    const nextA = sortedA[i] as number;
    const nextB = sortedB[j] as number;
    if (nextA === nextB) {
      i++;
      j++;
      while (i < sizeA && (sortedA[i] as number) <= nextA) i++;
      while (j < sizeB && (sortedB[j] as number) <= nextB) j++;
    } else {
      // 1 or 0 as a number rather than a branch: which side is next is a coin toss on continuous data.
      const fromA = +(nextA < nextB);
      i += fromA;
      j += 1 - fromA;
    }
    const difference = i / sizeA - j / sizeB;
    largest = Math.max(largest, difference);
    smallest = Math.min(smallest, difference);
  }
  // Once one sample is used up its CDF is 1 and the other's climbs to 1, so the gap only shrinks to 0,
  // which the starting values 0 already cover (scipy includes the last pooled value, where both are 1).
  return -smallest > largest ? -smallest : largest;
}

/** Pr(D ≥ h/lcm) under the null hypothesis; NaN or a value outside [0, 1] signals numerical failure. */
function exactPValue(sizeA: number, sizeB: number, gcd: number, h: number): number {
  if (h === 0) return 1;
  return sizeA === sizeB ? probabilityOutsideSquare(sizeA, h) : probabilityOutsideBand(sizeA, sizeB, gcd, h);
}

/**
 * Pr(D_{n,n} ≥ h/n) = 2 Σ_{k≥1} (−1)^(k−1) C(2n, n − kh) / C(2n, n), evaluated with each ratio of binomials
 * as a product of h factors and the alternating sum nested Horner-style, P = 2A₁(1 − A₂(1 − A₃(…))), to
 * avoid cancellation (_compute_prob_outside_square in _stats_py.py).
 */
function probabilityOutsideSquare(n: number, h: number): number {
  let probability = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    probability = ratio * (1 - probability);
  }
  return 2 * probability;
}

/**
 * Pr(D_{m,n} ≥ h/lcm) for m ≠ n: the share of monotone lattice paths from (0, 0) to (m, n) that leave
 * the band |x/m − y/n| < h/lcm (_compute_outer_prob_inside_method in _stats_pythran.py). The recursion
 * runs column by column over a sliding window of the band and is normalised at each step so that it
 * yields 1 − Pr(inside) directly (Viehmann, "Numerically more stable computation of the p-values for the
 * two-sample Kolmogorov-Smirnov test", arXiv:2102.08037).
 */
function probabilityOutsideBand(sizeA: number, sizeB: number, gcd: number, h: number): number {
  // The probability is symmetric in the sizes; the recursion wants m ≥ n.
  const m = Math.max(sizeA, sizeB);
  const n = Math.min(sizeA, sizeB);
  const mg = m / gcd;
  const ng = n / gcd;
  let minJ = 0;
  let maxJ = Math.min(Math.ceil(h / mg), n + 1);
  let windowLength = maxJ - minJ;
  const column = new Float64Array(Math.min(2 * maxJ + 2, n + 1)).fill(1);
  column.fill(0, minJ, maxJ);
  for (let i = 1; i <= m; i++) {
    const lastMinJ = minJ;
    const lastLength = windowLength;
    minJ = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxJ = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxJ <= minJ) return 1;
    let value = minJ === 0 ? 0 : 1;
    const shift = minJ - lastMinJ;
    for (let jj = 0; jj < maxJ - minJ; jj++) {
      const j = jj + minJ;
      value = ((column[jj + shift] as number) * i + value * j) / (i + j);
      column[jj] = value;
    }
    windowLength = maxJ - minJ;
    if (lastLength > windowLength) column.fill(1, windowLength, lastLength);
  }
  return column[maxJ - minJ - 1] as number;
}

/**
 * ks_2samp's 'asymp' branch for the two-sided alternative: kstwo.sf(D, round(n1·n2/(n1 + n2))), then
 * np.clip(p, 0, 1). np.round rounds halves to even, so sizes 1 and 1 give n = round(0.5) = 0, for which
 * kstwo is undefined and scipy returns NaN; that is kept rather than invented.
 */
function asymptoticPValue(statistic: number, sizeA: number, sizeB: number): number {
  const larger = Math.max(sizeA, sizeB);
  const smaller = Math.min(sizeA, sizeB);
  const effectiveSize = roundHalfToEven((larger * smaller) / (larger + smaller));
  return Math.min(1, Math.max(0, kolmogorovSurvival(statistic, effectiveSize)));
}

function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
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
