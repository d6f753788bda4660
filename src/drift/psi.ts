/**
 * Population Stability Index over binned shares:
 *   PSI = Σ_i (c_i − r_i) · ln(c_i / r_i)
 * where r and c are the reference and current shares per bin. This is the Jeffreys divergence
 * (KL(c‖r) + KL(r‖c)) of the two binned distributions, so it is symmetric and never negative.
 * Its use as a population stability measure: Siddiqi, "Credit Risk Scorecards" (Wiley, 2006).
 */

/**
 * Explicit smoothing: a bin with share 0 would make ln(c/r) infinite, so empty shares are replaced
 * by this value and each distribution is re-normalised to sum to 1 before the PSI is taken.
 */
export const DEFAULT_PSI_SMOOTHING = 1e-4;

export function populationStabilityIndex(
  referenceShares: number[],
  currentShares: number[],
  smoothing: number = DEFAULT_PSI_SMOOTHING,
): number {
  if (referenceShares.length !== currentShares.length) {
    const sizes = `${referenceShares.length} reference and ${currentShares.length} current shares`;
    throw new RangeError(`PSI needs the same bins on both sides, got ${sizes}`);
  }
  if (!(smoothing > 0 && Number.isFinite(smoothing))) {
    throw new RangeError(`PSI smoothing must be a positive finite number, got ${smoothing}`);
  }
  const reference = smoothShares(referenceShares, smoothing);
  const current = smoothShares(currentShares, smoothing);
  let psi = 0;
  reference.forEach((referenceShare, bin) => {
    const currentShare = current[bin] as number;
    psi += (currentShare - referenceShare) * Math.log(currentShare / referenceShare);
  });
  return psi;
}

function smoothShares(shares: number[], smoothing: number): number[] {
  const filled = shares.map((share) => {
    if (!(share >= 0 && Number.isFinite(share))) {
      throw new RangeError(`PSI shares must be finite and non-negative, got ${share}`);
    }
    return share === 0 ? smoothing : share;
  });
  const total = filled.reduce((sum, share) => sum + share, 0);
  return filled.map((share) => share / total);
}

/** Index of the bin holding `value`: the number of edges at or below it, so bin i is [edges[i-1], edges[i]). */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Share of `values` in each of the edges.length + 1 bins; values beyond the outer edges land in the
 * outer bins. With no values no bin has any share, so all shares are 0.
 */
export function numericBinShares(edges: ArrayLike<number>, values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const bin = binIndex(edges, values[i] as number);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((count) => (values.length === 0 ? 0 : count / values.length));
}

/**
 * Aligns categorical shares for PSI: one bin per reference category, in the reference's key order,
 * plus a last "unseen" bin for current categories the reference never had (its reference share is 0,
 * so new categories raise the PSI through the smoothing). The unseen bin is positional rather than a
 * reserved key such as '__unseen__', so no real category can collide with it.
 */
export function categoricalBinShares(
  referenceShares: Readonly<Record<string, number>>,
  currentCategories: readonly string[],
): { reference: number[]; current: number[] } {
  const categories = Object.keys(referenceShares);
  const binOf = new Map(categories.map((category, bin) => [category, bin]));
  const unseenBin = categories.length;
  const counts = new Array<number>(categories.length + 1).fill(0);
  for (const category of currentCategories) {
    const bin = binOf.get(category) ?? unseenBin;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return {
    reference: [...categories.map((category) => referenceShares[category] as number), 0],
    current: counts.map((count) => (currentCategories.length === 0 ? 0 : count / currentCategories.length)),
  };
}
