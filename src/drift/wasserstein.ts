/**
 * First Wasserstein (earth mover's) distance between two empirical distributions on the real line,
 * W1 = ∫ |F_a(x) − F_b(x)| dx (Ramdas, García Trillos and Cuturi, "On Wasserstein two-sample testing and
 * related families of nonparametric tests", Entropy 19(2), 2017), as scipy.stats.wasserstein_distance
 * computes it (scipy/stats/_stats_py.py `_cdf_distance` with p = 1): between consecutive values of the
 * pooled sample both empirical CDFs are constant, so the integral is a sum over those gaps.
 */

/**
 * Above this magnitude a gap between two values may overflow (|max − min| ≤ 2·2^1023 = 2^1024), so the
 * values are scaled by a power of two (exactly) and the distance scaled back at the end.
 */
const OVERFLOW_SAFE_MAGNITUDE = 2 ** 1022;
const OVERFLOW_SCALE = 0.25;

/**
 * scipy.stats.wasserstein_distance(a, b) for two samples sorted ascending, by one merge of the two
 * empirical CDFs: O(n_a + n_b) time, no allocation. The sum is compensated (Neumaier), so on large
 * samples it is at least as accurate as SciPy's. Finite for finite input unless the distance itself
 * exceeds Number.MAX_VALUE. Throws RangeError for an empty, unsorted or non-finite sample.
 */
export function wassersteinDistance(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  assertSortedFinite(sortedA, 'first');
  assertSortedFinite(sortedB, 'second');
  return wassersteinDistanceSorted(sortedA, sortedB);
}

/**
 * wassersteinDistance for samples the caller has already checked to be sorted ascending and finite (as
 * the drift scores do once per comparison); only an empty sample is still a RangeError.
 */
export function wassersteinDistanceSorted(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  if (sortedA.length === 0) throw new RangeError('Wasserstein distance: the first sample is empty');
  if (sortedB.length === 0) throw new RangeError('Wasserstein distance: the second sample is empty');
  const sizeA = sortedA.length;
  const sizeB = sortedB.length;
  const magnitude = Math.max(
    Math.abs(sortedA[0]!),
    Math.abs(sortedA[sizeA - 1]!),
    Math.abs(sortedB[0]!),
    Math.abs(sortedB[sizeB - 1]!),
  );
  const scale = magnitude >= OVERFLOW_SAFE_MAGNITUDE ? OVERFLOW_SCALE : 1;

  // Before taking value v off the merge, i and j count the values of a and b below v, so i/n_a and
  // j/n_b are the CDFs on the gap from the previous value to v. Ties give empty gaps, as in SciPy.
  let i = 0;
  let j = 0;
  let previous = Math.min(sortedA[0]!, sortedB[0]!) * scale;
  let sum = 0;
  let compensation = 0;
  while (i < sizeA || j < sizeB) {
    const fromA = j >= sizeB || (i < sizeA && sortedA[i]! <= sortedB[j]!);
    const value = (fromA ? sortedA[i]! : sortedB[j]!) * scale;
    const term = Math.abs(i / sizeA - j / sizeB) * (value - previous);
    const total = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - total + term : term - total + sum;
    sum = total;
    previous = value;
    if (fromA) i++;
    else j++;
  }
  return (sum + compensation) / scale;
}

/**
 * Evidently's "Wasserstein distance (normed)": W1 / max(σ_ref, 0.001) (evidently
 * legacy/calculations/stattests/wasserstein_distance_norm.py `_wasserstein_distance_norm`), which makes
 * the distance unit-free; the floor keeps a constant reference from dividing by zero. Evidently takes
 * σ_ref as np.std(reference), the POPULATION standard deviation (ddof = 0: np.std passes ddof=0 even to
 * a pandas Series, whose own .std() would default to ddof = 1), so `referenceStd` must be that, e.g.
 * simple-statistics' standardDeviation.
 */
export function normalizedWasserstein(
  sortedReference: ArrayLike<number>,
  sortedCurrent: ArrayLike<number>,
  referenceStd: number,
): number {
  assertReferenceStd(referenceStd);
  return wassersteinDistance(sortedReference, sortedCurrent) / Math.max(referenceStd, EVIDENTLY_STD_FLOOR);
}

/** normalizedWasserstein for samples the caller has already checked (see wassersteinDistanceSorted). */
export function normalizedWassersteinSorted(
  sortedReference: ArrayLike<number>,
  sortedCurrent: ArrayLike<number>,
  referenceStd: number,
): number {
  assertReferenceStd(referenceStd);
  return wassersteinDistanceSorted(sortedReference, sortedCurrent) / Math.max(referenceStd, EVIDENTLY_STD_FLOOR);
}

function assertReferenceStd(referenceStd: number): void {
  if (!(referenceStd >= 0 && Number.isFinite(referenceStd))) {
    throw new RangeError(`normalized Wasserstein needs a finite, non-negative reference std, got ${referenceStd}`);
  }
}

/** Evidently's floor on the reference standard deviation (wasserstein_distance_norm.py: max(np.std(ref), 0.001)). */
const EVIDENTLY_STD_FLOOR = 0.001;

function assertSortedFinite(values: ArrayLike<number>, which: string): void {
  if (values.length === 0) throw new RangeError(`Wasserstein distance: the ${which} sample is empty`);
  let previous = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const value = values[k]!;
    if (!Number.isFinite(value)) throw new RangeError(`Wasserstein distance: the ${which} sample has ${value}`);
    if (value < previous) throw new RangeError(`Wasserstein distance: the ${which} sample is not sorted ascending`);
    previous = value;
  }
}
