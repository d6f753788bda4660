/**
 * Each drift test as a function of the two prepared sides of one feature. Shared by window
 * comparison and by the reference-chunk scores behind learned thresholds, so both measure alike.
 */
import { binSharesSorted, numericBinsSorted } from './binning';
import { chiSquareContingency } from './chi-square';
import { jensenShannonDistance } from './jensen-shannon';
import { ksTwoSampleSorted, largestCdfDifference } from './ks';
import { populationStabilityIndex } from './psi';
import { normalizedWassersteinSorted } from './wasserstein';
import type { DriftOptions, DriftTestName, PValueTestName } from './types';

export interface NumericSides {
  kind: 'numeric';
  /**
   * Both non-empty, finite and sorted ascending. The scores trust this rather than check it on every
   * statistic: whoever builds the sides checks values it did not sort itself (compare.ts checks the
   * stored reference once per comparison).
   */
  reference: Float64Array;
  current: Float64Array;
  referenceStd: number;
}

export interface CategoricalSides {
  kind: 'categorical';
  reference: ReadonlyMap<string, number>;
  current: ReadonlyMap<string, number>;
}

export type Sides = NumericSides | CategoricalSides;

/** effectSize: p-value tests only (see effectSize below). */
export interface TestScore { score: number; effectSize?: number; details: Record<string, number | string> }

type ScoringOptions = Pick<DriftOptions, 'binning' | 'smoothing' | 'ksMethod'>;

export function scoreTest(test: DriftTestName, sides: Sides, options: ScoringOptions): TestScore {
  switch (test) {
    case 'ks': {
      if (sides.kind !== 'numeric') throw new RangeError('KS needs a numeric feature');
      const result = ksTwoSampleSorted(sides.reference, sides.current, options.ksMethod);
      return { score: result.pValue, effectSize: result.statistic, details: { statistic: result.statistic, method: result.method } };
    }
    case 'psi':
      return { score: psi(sides, options), details: {} };
    case 'wasserstein': {
      if (sides.kind !== 'numeric') throw new RangeError('Wasserstein needs a numeric feature');
      return { score: normalizedWassersteinSorted(sides.reference, sides.current, sides.referenceStd), details: {} };
    }
    case 'jensen_shannon': {
      const shares = binnedShares(sides, options);
      return { score: jensenShannonDistance(shares.reference, shares.current), details: {} };
    }
    case 'chi_square': {
      const { reference, current } = categoryCounts(sides);
      const result = chiSquareContingency([reference, current]);
      return {
        score: result.pValue,
        effectSize: totalVariationDistance(reference, current),
        details: { statistic: result.statistic, degreesOfFreedom: result.degreesOfFreedom },
      };
    }
  }
}

/**
 * The effect size of a p-value test without its p-value (the reference chunks need only this): KS
 * statistic D, or the total variation distance between the category shares, ½·Σ|r − c|, in [0, 1].
 */
export function effectSize(test: PValueTestName, sides: Sides): number {
  if (test === 'chi_square') {
    const { reference, current } = categoryCounts(sides);
    return totalVariationDistance(reference, current);
  }
  if (sides.kind !== 'numeric') throw new RangeError('KS needs a numeric feature');
  return largestCdfDifference(sides.reference, sides.current);
}

function totalVariationDistance(referenceCounts: readonly number[], currentCounts: readonly number[]): number {
  const referenceTotal = referenceCounts.reduce((a, b) => a + b, 0);
  const currentTotal = currentCounts.reduce((a, b) => a + b, 0);
  let sum = 0;
  referenceCounts.forEach((count, i) => (sum += Math.abs(count / referenceTotal - currentCounts[i]! / currentTotal)));
  return sum / 2;
}

export function psi(sides: Sides, options: ScoringOptions): number {
  const shares = binnedShares(sides, options);
  return populationStabilityIndex(shares.reference, shares.current, options.smoothing);
}

/**
 * Reference and current shares over the same bins: the configured numeric binning, or one bin per
 * reference category plus one for categories the reference never had.
 */
export function binnedShares(sides: Sides, options: ScoringOptions): { reference: number[]; current: number[] } {
  if (sides.kind === 'numeric') {
    const bins = numericBinsSorted(sides.reference, sides.current, options.binning);
    return { reference: binSharesSorted(sides.reference, bins), current: binSharesSorted(sides.current, bins) };
  }
  const referenceTotal = total(sides.reference);
  const currentTotal = total(sides.current);
  const reference: number[] = [];
  const current: number[] = [];
  for (const [category, count] of sides.reference) {
    reference.push(count / referenceTotal);
    current.push((sides.current.get(category) ?? 0) / currentTotal);
  }
  let unseen = 0;
  for (const [category, count] of sides.current) if (!sides.reference.has(category)) unseen += count;
  reference.push(0);
  current.push(unseen / currentTotal);
  return { reference, current };
}

/** Counts over the union of categories (numeric values count as categories), for chi-square. */
function categoryCounts(sides: Sides): { reference: number[]; current: number[] } {
  const referenceCounts = sides.kind === 'numeric' ? countSorted(sides.reference) : sides.reference;
  const currentCounts = sides.kind === 'numeric' ? countSorted(sides.current) : sides.current;
  const categories = new Set([...referenceCounts.keys(), ...currentCounts.keys()]);
  return {
    reference: [...categories].map((c) => referenceCounts.get(c) ?? 0),
    current: [...categories].map((c) => currentCounts.get(c) ?? 0),
  };
}

function countSorted(sorted: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    counts.set(String(sorted[i]), j - i);
    i = j;
  }
  return counts;
}

function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}
