/**
 * What the drift report page draws for a feature, computed from the reference's and the window's
 * values: shares per shared bin or per category, and both empirical CDFs. Pure.
 */
import { countAtMost, countBelow } from '../drift/binning';

/** Both sides as shares of their own non-null values, so windows and references of any size compare. */
export interface SharedBin { start: number; end: number; reference: number; window: number }

export interface CategoryShare {
  category: string;
  reference: number;
  window: number;
  /** The row that stands for every category past the limit; `category` then says how many. */
  other?: true;
}

export interface EcdfPoint { value: number; share: number }

export interface Ecdf {
  reference: EcdfPoint[];
  window: EcdfPoint[];
  /** Where the two CDFs are furthest apart: the KS statistic D is |reference − window| there. */
  largestGap: { value: number; reference: number; window: number };
}

export const DEFAULT_HISTOGRAM_BINS = 20;
export const DEFAULT_CATEGORY_LIMIT = 20;
/** Points per side of an ECDF line: enough for a smooth step curve, few enough for a light page. */
export const ECDF_POINTS = 200;

/**
 * Equal-width bins over the pooled range of both sides (one bin when every value is the same),
 * the last bin closed on the right. Both inputs sorted ascending and finite.
 */
export function sharedBins(reference: Float64Array, window: Float64Array, bins = DEFAULT_HISTOGRAM_BINS): SharedBin[] {
  if (reference.length === 0 && window.length === 0) return [];
  const min = Math.min(reference[0] ?? Infinity, window[0] ?? Infinity);
  const max = Math.max(reference[reference.length - 1] ?? -Infinity, window[window.length - 1] ?? -Infinity);
  const count = min === max ? 1 : bins;
  const width = (max - min) / count || 1;
  const edges = Array.from({ length: count + 1 }, (_, i) => (i === count ? Math.max(max, min + width) : min + i * width));
  const shareIn = (values: Float64Array, i: number) => {
    if (values.length === 0) return 0;
    const below = countBelow(values, edges[i]!);
    const upTo = i === count - 1 ? countAtMost(values, edges[i + 1]!) : countBelow(values, edges[i + 1]!);
    return (upTo - below) / values.length;
  };
  return Array.from({ length: count }, (_, i) => ({ start: edges[i]!, end: edges[i + 1]!, reference: shareIn(reference, i), window: shareIn(window, i) }));
}

/**
 * Each category's share on both sides, the largest first (by the larger of its two shares); past
 * `limit`, one row holds the rest.
 */
export function categoryShares(
  reference: Readonly<Record<string, number>>,
  window: ReadonlyMap<string, number>,
  limit = DEFAULT_CATEGORY_LIMIT,
): CategoryShare[] {
  const referenceTotal = Object.values(reference).reduce((sum, n) => sum + n, 0);
  const windowTotal = [...window.values()].reduce((sum, n) => sum + n, 0);
  const names = new Set([...Object.keys(reference), ...window.keys()]);
  const rows = [...names].map((category) => ({
    category,
    reference: referenceTotal === 0 ? 0 : (Object.hasOwn(reference, category) ? reference[category]! : 0) / referenceTotal,
    window: windowTotal === 0 ? 0 : (window.get(category) ?? 0) / windowTotal,
  }));
  rows.sort((a, b) => Math.max(b.reference, b.window) - Math.max(a.reference, a.window) || a.category.localeCompare(b.category));
  if (rows.length <= limit) return rows;
  const rest = rows.slice(limit - 1);
  return [
    ...rows.slice(0, limit - 1),
    {
      category: `${rest.length} other categories`, other: true,
      reference: rest.reduce((sum, r) => sum + r.reference, 0), window: rest.reduce((sum, r) => sum + r.window, 0),
    },
  ];
}

/** Both empirical CDFs, each thinned to at most `points` steps, and the exact largest gap between them. Inputs sorted. */
export function ecdf(reference: Float64Array, window: Float64Array, points = ECDF_POINTS): Ecdf | null {
  if (reference.length === 0 || window.length === 0) return null;
  return { reference: ecdfPoints(reference, points), window: ecdfPoints(window, points), largestGap: largestGap(reference, window) };
}

function ecdfPoints(sorted: Float64Array, points: number): EcdfPoint[] {
  const n = sorted.length;
  const take = Math.min(n, points);
  // Always the last value (share 1), so each line reaches the top.
  return Array.from({ length: take }, (_, k) => {
    const index = take === 1 ? n - 1 : Math.round((k * (n - 1)) / (take - 1));
    return { value: sorted[index]!, share: countAtMost(sorted, sorted[index]!) / n };
  });
}

function largestGap(reference: Float64Array, window: Float64Array): Ecdf['largestGap'] {
  let best = { value: reference[0]!, reference: 0, window: 0 };
  let i = 0;
  let j = 0;
  // Both CDFs only change at sample values: walk the merged values, after every tie at once.
  while (i < reference.length || j < window.length) {
    const value = Math.min(reference[i] ?? Infinity, window[j] ?? Infinity);
    while (i < reference.length && reference[i] === value) i += 1;
    while (j < window.length && window[j] === value) j += 1;
    const gap = { value, reference: i / reference.length, window: j / window.length };
    if (Math.abs(gap.reference - gap.window) > Math.abs(best.reference - best.window)) best = gap;
  }
  return best;
}
