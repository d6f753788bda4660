/**
 * Binning of numeric features into shares for PSI and Jensen-Shannon, and the smoothing of empty bins
 * before PSI takes logarithms. Every choice is explicit in the options (and stored with the reference
 * profile), because binned distances depend on it as much as on the data.
 */
import type { BinningStrategy, Smoothing } from './types';

export type { BinningStrategy, Smoothing };

export interface BinningOptions {
  strategy: BinningStrategy;
  /** Number of bins for 'quantile' and 'equal_width' (driftwatch's default is 10); 'evidently' ignores it. */
  bins: number;
}

/**
 * Bins for numeric values, in one of two forms.
 *
 * 'intervals': bins [lower, e_1), [e_1, e_2), …, [e_k, upper] over the interior `edges` e_1 < … < e_k,
 * the last one closed as in numpy.histogram. With `outOfRange` there are two more bins, one first for
 * values below `lower` and one last for values above `upper`; without it such values are in no bin
 * (numpy.histogram drops them too). Bin count: edges.length + 1, plus 2 with outOfRange.
 *
 * 'values': one bin per listed value (ascending); values not listed are in no bin. Evidently's
 * binning takes this form when the reference has at most 20 distinct values.
 */
export type NumericBins =
  | { kind: 'intervals'; lower: number; upper: number; edges: number[]; outOfRange: boolean }
  | { kind: 'values'; values: number[] };

/**
 * Evidently treats a numeric reference with at most this many distinct values as categorical
 * (evidently legacy/calculations/stattests/utils.py `get_binned_data`: `n_vals > 20`).
 */
const EVIDENTLY_MAX_CATEGORICAL_UNIQUES = 20;

/**
 * Bins for a numeric feature from its sorted reference (and, for 'evidently', the sorted current window).
 *
 * 'quantile': interior edges at the reference quantiles k/bins, k = 1..bins−1, taken as
 *   Q(p) = inf{x : F_ref(x) > p} = sortedReference[⌊n·p⌋] (the right-continuous inverse of the empirical
 *   CDF: with left-closed bins each holds 1/bins of the reference when there are no ties). Edges are data
 *   values, so they survive JSON exactly. Ties merge edges, and an edge equal to the minimum would bound
 *   an empty bin, so both are dropped: a reference with few distinct values gets fewer bins (a constant
 *   one gets a single in-range bin [c, c]); binCount() says how many. Values below the reference minimum
 *   or above its maximum get their own out-of-range bins, so a window beyond the reference range never
 *   scores PSI 0.
 * 'equal_width': `bins` equal-width bins over [min, max] of the reference, edges as
 *   np.histogram_bin_edges(reference, bins) computes them (min + k·(max − min)/bins), plus the two
 *   out-of-range bins. A constant reference gets the single bin [c, c] (numpy would widen it to c ± 0.5).
 * 'evidently': exactly Evidently's `get_binned_data` (legacy/calculations/stattests/utils.py) for a
 *   numeric column. With more than 20 distinct reference values: np.histogram_bin_edges(pooled reference
 *   and current values, bins='sturges'), i.e. ⌈(max − min) / ((max − min)/(log2(n_ref + n_cur) + 1))⌉
 *   equal-width bins over the pooled range, as 'intervals' without out-of-range bins (the pooled range
 *   holds every value). With at most 20 distinct reference values Evidently treats the values as
 *   categories: 'values' bins, one per distinct value of either sample. `bins` is ignored (so is
 *   Evidently's own n_bins = 30: the bins follow the pooled data, and so change with every window).
 *   This is Evidently on float64 columns; on integer-dtype columns numpy raises a Sturges width below 1
 *   to 1, which changes the bins once the pooled size exceeds about 2^(max − min − 1).
 *
 * Throws RangeError for an empty, unsorted or non-finite reference, a bin count that is not a positive
 * integer, or for 'evidently' without a current sample (non-empty, sorted, finite) or where numpy would
 * raise (a pooled range that overflows, or too many bins for it).
 */
export function numericBins(
  sortedReference: ArrayLike<number>,
  sortedCurrent: ArrayLike<number> | null,
  options: BinningOptions,
): NumericBins {
  return binsOf(sortedReference, sortedCurrent, options, assertFiniteSample);
}

/**
 * numericBins for samples the caller has already checked to be sorted ascending without NaN (as the drift
 * scores do once per comparison). The O(1) checks stay: an empty sample, non-finite ends, the bin count.
 */
export function numericBinsSorted(
  sortedReference: ArrayLike<number>,
  sortedCurrent: ArrayLike<number> | null,
  options: BinningOptions,
): NumericBins {
  return binsOf(sortedReference, sortedCurrent, options, assertFiniteEnds);
}

function binsOf(
  sortedReference: ArrayLike<number>,
  sortedCurrent: ArrayLike<number> | null,
  options: BinningOptions,
  assertSample: (values: ArrayLike<number>, which: string) => void,
): NumericBins {
  assertSample(sortedReference, 'reference');
  switch (options.strategy) {
    case 'quantile':
      assertBinCount(options.bins);
      return quantileBins(sortedReference, options.bins);
    case 'equal_width':
      assertBinCount(options.bins);
      return equalWidthBins(sortedReference, options.bins);
    case 'evidently':
      if (sortedCurrent === null) throw new RangeError("binning strategy 'evidently' needs the current sample");
      assertSample(sortedCurrent, 'current');
      return evidentlyBins(sortedReference, sortedCurrent);
  }
}

/** Number of bins, i.e. the length of what binShares returns. */
export function binCount(bins: NumericBins): number {
  if (bins.kind === 'values') return bins.values.length;
  return bins.edges.length + 1 + (bins.outOfRange ? 2 : 0);
}

/**
 * Share of `sortedValues` in each bin: count / number of values, so values in no bin (see NumericBins)
 * still count in the denominator, as in Evidently (np.histogram(...)[0] / len(data)). Bin boundaries
 * follow numpy.histogram: every bin is closed on the left, the last in-range bin also on the right.
 * No values give all-zero shares. Throws RangeError for unsorted input or NaN.
 */
export function binShares(sortedValues: ArrayLike<number>, bins: NumericBins): number[] {
  assertSorted(sortedValues, 'binned');
  return binSharesSorted(sortedValues, bins);
}

/**
 * binShares for values the caller has already checked to be sorted ascending without NaN (as the drift
 * scores do once per comparison): O(bins · log n), each bin boundary found by binary search.
 */
export function binSharesSorted(sortedValues: ArrayLike<number>, bins: NumericBins): number[] {
  const counts = bins.kind === 'values' ? valueCounts(sortedValues, bins.values) : intervalCounts(sortedValues, bins);
  const size = sortedValues.length;
  return counts.map((count) => (size === 0 ? 0 : count / size));
}

/**
 * What empty bins get before PSI takes ln(c/r).
 *
 * 'constant': every zero share becomes `epsilon`, then the shares are renormalised to sum to 1
 *   (driftwatch's default, epsilon 1e-4).
 * 'evidently': Evidently's rule (legacy/calculations/stattests/utils.py `get_binned_data`,
 *   feel_zeroes=True): zero shares become 1e-4, or the smallest non-zero share / 10^6 when that share is
 *   itself ≤ 1e-4; each side separately, and WITHOUT renormalising, so the shares then sum to a little
 *   more than 1. A side with no non-zero share throws RangeError (Evidently's min() of an empty array
 *   raises too). The fill is floored at Number.MIN_VALUE, which only matters for a smallest share below
 *   5e-318, where Evidently's fill underflows to 0 and its PSI becomes infinite.
 * 'none': shares unchanged. PSI is then +Infinity when a bin is empty on exactly one side (bins empty on
 *   both sides contribute 0); the caller must treat an infinite PSI as drift beyond any threshold and
 *   report it as such (for instance as the JSON string "Infinity" or a null score with a status), since
 *   JSON has no Infinity.
 *
 * Throws RangeError for negative or non-finite shares, or a 'constant' epsilon that is not in (0, 1].
 */
export function smoothShares(shares: readonly number[], smoothing: Smoothing): number[] {
  for (const share of shares) {
    if (!(share >= 0 && Number.isFinite(share))) {
      throw new RangeError(`shares must be finite and non-negative, got ${share}`);
    }
  }
  switch (smoothing.kind) {
    case 'none':
      return [...shares];
    case 'constant': {
      const { epsilon } = smoothing;
      if (!(epsilon > 0 && epsilon <= 1)) throw new RangeError(`smoothing epsilon must be in (0, 1], got ${epsilon}`);
      const filled = shares.map((share) => (share === 0 ? epsilon : share));
      const total = filled.reduce((sum, share) => sum + share, 0);
      return filled.map((share) => share / total);
    }
    case 'evidently': {
      let smallest = Infinity;
      for (const share of shares) if (share > 0 && share < smallest) smallest = share;
      if (smallest === Infinity) throw new RangeError('Evidently smoothing needs at least one non-zero share');
      const fill = smallest <= EVIDENTLY_FILL ? Math.max(smallest / 10 ** 6, Number.MIN_VALUE) : EVIDENTLY_FILL;
      return shares.map((share) => (share === 0 ? fill : share));
    }
  }
}

/** Evidently's share for empty bins (utils.py `get_binned_data`: 0.0001). */
const EVIDENTLY_FILL = 1e-4;

function quantileBins(sorted: ArrayLike<number>, bins: number): NumericBins {
  const size = sorted.length;
  const lower = sorted[0]!;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = sorted[Math.floor((size * k) / bins)]!;
    if (edge > (edges[edges.length - 1] ?? lower)) edges.push(edge);
  }
  return { kind: 'intervals', lower, upper: sorted[size - 1]!, edges, outOfRange: true };
}

function equalWidthBins(sorted: ArrayLike<number>, bins: number): NumericBins {
  const lower = sorted[0]!;
  const upper = sorted[sorted.length - 1]!;
  const edges: number[] = [];
  const step = (upper - lower) / bins;
  // max − min of finite values can overflow; max/bins − min/bins cannot (bins ≥ 2 whenever there are edges).
  const safeStep = Number.isFinite(step) ? step : upper / bins - lower / bins;
  for (let k = 1; k < bins; k++) {
    const edge = k * safeStep + lower;
    if (edge > (edges[edges.length - 1] ?? lower) && edge < upper) edges.push(edge);
  }
  return { kind: 'intervals', lower, upper, edges, outOfRange: true };
}

function evidentlyBins(sortedReference: ArrayLike<number>, sortedCurrent: ArrayLike<number>): NumericBins {
  if (countDistinct(sortedReference, EVIDENTLY_MAX_CATEGORICAL_UNIQUES + 1) <= EVIDENTLY_MAX_CATEGORICAL_UNIQUES) {
    return { kind: 'values', values: mergeDistinct(sortedReference, sortedCurrent) };
  }
  // np.histogram_bin_edges(pooled, bins='sturges') (numpy/lib/_histograms_impl.py `_hist_bin_sturges`,
  // `_get_bin_edges`, then np.linspace), with numpy's order of floating-point operations.
  const lower = Math.min(sortedReference[0]!, sortedCurrent[0]!);
  const upper = Math.max(sortedReference[sortedReference.length - 1]!, sortedCurrent[sortedCurrent.length - 1]!);
  const range = upper - lower;
  const width = range / (Math.log2(sortedReference.length + sortedCurrent.length) + 1);
  // numpy takes one bin when the width underflows to 0 ("Width can be zero for some estimators").
  const binsCount = width === 0 ? 1 : Math.ceil(range / width);
  if (!Number.isFinite(binsCount)) {
    throw new RangeError(`Evidently binning: the pooled range [${lower}, ${upper}] overflows (numpy raises here too)`);
  }
  const step = range / binsCount;
  const edges: number[] = [];
  let previous = lower;
  for (let k = 1; k < binsCount; k++) {
    // np.linspace: k·step + start, or (k / div)·delta + start when the step underflows to 0.
    const edge = step === 0 ? (k / binsCount) * range + lower : k * step + lower;
    if (!(edge > previous)) throw new RangeError(`Evidently binning: too many bins (${binsCount}) for the range [${lower}, ${upper}]`);
    edges.push(edge);
    previous = edge;
  }
  if (!(upper > previous)) throw new RangeError(`Evidently binning: too many bins (${binsCount}) for the range [${lower}, ${upper}]`);
  return { kind: 'intervals', lower, upper, edges, outOfRange: false };
}

/**
 * Values per bin. Sorted values below a boundary form a prefix, so the count up to each boundary is a
 * binary search: the same counts as walking the values bin by bin, without reading them all.
 */
function intervalCounts(
  sorted: ArrayLike<number>,
  bins: { lower: number; upper: number; edges: number[]; outOfRange: boolean },
): number[] {
  const counts: number[] = [];
  const size = sorted.length;
  // Each count starts where the previous bin ended (the boundaries ascend, so this is only a safeguard).
  let i = countBelow(sorted, bins.lower, 0);
  if (bins.outOfRange) counts.push(i);
  for (const edge of bins.edges) {
    const end = countBelow(sorted, edge, i);
    counts.push(end - i);
    i = end;
  }
  const end = countAtMost(sorted, bins.upper, i);
  counts.push(end - i);
  if (bins.outOfRange) counts.push(size - end);
  return counts;
}

/** Values per listed value: each bin counts the sorted values equal to its value (−0 equals 0, as in ===). */
function valueCounts(sorted: ArrayLike<number>, values: readonly number[]): number[] {
  const counts = new Array<number>(values.length).fill(0);
  let start = 0;
  for (let bin = 0; bin < values.length; bin++) {
    const value = values[bin]!;
    start = countBelow(sorted, value, start);
    const end = countAtMost(sorted, value, start);
    counts[bin] = end - start;
    start = end;
  }
  return counts;
}

/** The first index at or after `from` whose value is not below `bound`: how many sorted values are below it. */
export function countBelow(sorted: ArrayLike<number>, bound: number, from = 0): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first index at or after `from` whose value is above `bound`: how many sorted values are at most it. */
export function countAtMost(sorted: ArrayLike<number>, bound: number, from = 0): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Distinct values of a sorted sample, counted up to `limit` (the answer is min(distinct, limit)). */
function countDistinct(sorted: ArrayLike<number>, limit: number): number {
  let distinct = 0;
  for (let i = 0; i < sorted.length && distinct < limit; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/** Ascending distinct values of two sorted samples. */
function mergeDistinct(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const value = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (merged.length === 0 || merged[merged.length - 1] !== value) merged.push(value);
  }
  return merged;
}

function assertBinCount(bins: number): void {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new RangeError(`bin count must be a positive integer, got ${bins}`);
}

/** A sample bins can be derived from: non-empty, sorted, finite (for sorted values: finite at both ends). */
function assertFiniteSample(values: ArrayLike<number>, which: string): void {
  if (values.length === 0) throw new RangeError(`the ${which} sample is empty`);
  assertSorted(values, which);
  assertFiniteEnds(values, which);
}

/** assertFiniteSample for a sample known to be sorted without NaN: non-empty and finite at both ends. */
function assertFiniteEnds(values: ArrayLike<number>, which: string): void {
  if (values.length === 0) throw new RangeError(`the ${which} sample is empty`);
  const first = values[0]!;
  const last = values[values.length - 1]!;
  if (!Number.isFinite(first) || !Number.isFinite(last)) throw new RangeError(`the ${which} sample has ${first} … ${last}`);
}

function assertSorted(values: ArrayLike<number>, which: string): void {
  let previous = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) throw new RangeError(`the ${which} sample has NaN`);
    if (value < previous) throw new RangeError(`the ${which} sample is not sorted ascending`);
    previous = value;
  }
}
