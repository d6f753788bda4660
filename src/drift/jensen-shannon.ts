/**
 * Jensen-Shannon distance, the square root of the Jensen-Shannon divergence
 *   JSD(p, q) = ½ KL(p‖m) + ½ KL(q‖m),  m = ½(p + q)
 * (Lin, "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1), 1991; its
 * square root is a metric: Endres and Schindelin, IEEE Trans. Inf. Theory 49(7), 2003). Computed as
 * scipy.spatial.distance.jensenshannon(p, q) with the natural logarithm (scipy/spatial/distance.py
 * `jensenshannon`, base=None), so it lies in [0, √ln 2].
 *
 * What Evidently feeds it (legacy/calculations/stattests/jensenshannon.py `_jensenshannon`): shares from
 * `get_binned_data(..., feel_zeroes=False)`, i.e. numeric features with more than 20 distinct reference
 * values binned by np.histogram over Sturges bins of the pooled reference and current values, otherwise
 * one bin per value or category of either sample; no smoothing, since m > 0 wherever p or q is. The
 * binning lives in binning.ts (strategy 'evidently'); this function only takes the two share vectors.
 */

/**
 * Weights at or above this are scaled down by 2^-128 (exactly: a power of two) before they are summed,
 * so that even 1e308 weights cannot overflow the total. Below it the shares are p_i / Σp as in SciPy.
 */
const OVERFLOW_SAFE_WEIGHT = 2 ** 960;
const OVERFLOW_SCALE = 2 ** -128;

/**
 * scipy.spatial.distance.jensenshannon(p, q): p and q are non-negative weights over the same bins,
 * normalised here to sum to 1. Differences from SciPy, which would return NaN or Infinity instead:
 * huge weights (up to Number.MAX_VALUE) are scaled so their total does not overflow; rounding that makes
 * the divergence a hair below 0 gives 0 rather than √(negative); a bin whose mean share underflows to 0
 * contributes 0 (its true contribution is below 1e-323). Throws RangeError for different lengths,
 * negative or non-finite weights, or a side without any weight.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) {
    throw new RangeError(`Jensen-Shannon distance needs the same bins on both sides, got ${p.length} and ${q.length}`);
  }
  const pScaling = normalisation(p, 'first');
  const qScaling = normalisation(q, 'second');
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pShare = (p[i]! * pScaling.scale) / pScaling.total;
    const qShare = (q[i]! * qScaling.scale) / qScaling.total;
    const mean = (pShare + qShare) / 2;
    if (mean === 0) continue;
    left += relativeEntropyTerm(pShare, mean);
    right += relativeEntropyTerm(qShare, mean);
  }
  return Math.sqrt(Math.max(left + right, 0) / 2);
}

/** x ln(x / y), with 0 ln(0 / y) = 0 (scipy.special.rel_entr for x ≥ 0, y > 0). */
function relativeEntropyTerm(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(x / y);
}

/** The scale applied to every weight and the total of the scaled weights. */
function normalisation(weights: ArrayLike<number>, which: string): { scale: number; total: number } {
  let max = 0;
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!;
    if (!(weight >= 0 && Number.isFinite(weight))) {
      throw new RangeError(`Jensen-Shannon distance: ${which} weights must be finite and non-negative, got ${weight}`);
    }
    if (weight > max) max = weight;
  }
  if (max === 0) throw new RangeError(`Jensen-Shannon distance: the ${which} weights are all zero`);
  const scale = max >= OVERFLOW_SAFE_WEIGHT ? OVERFLOW_SCALE : 1;
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]! * scale;
  return { scale, total };
}
