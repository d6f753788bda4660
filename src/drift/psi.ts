/**
 * Population Stability Index over binned shares:
 *   PSI = Σ_i (c_i − r_i) · ln(c_i / r_i)
 * where r and c are the reference and current shares per bin. This is the Jeffreys divergence
 * (KL(c‖r) + KL(r‖c)) of the two binned distributions, so it is symmetric and never negative.
 * Its use as a population stability measure: Siddiqi, "Credit Risk Scorecards" (Wiley, 2006).
 * Evidently computes the same sum as (r − c)·ln(r/c) (legacy/calculations/stattests/psi.py `_psi`).
 */
import { smoothShares, type Smoothing } from './binning';

/** driftwatch's default: empty bins get a share of 1e-4, then each side is renormalised (see smoothShares). */
export const DEFAULT_PSI_SMOOTHING: Smoothing = { kind: 'constant', epsilon: 1e-4 };

/**
 * PSI of two share vectors over the same bins (shares in [0, 1], e.g. from binShares), after smoothing
 * both sides as `smoothing` says. Finite whenever smoothing is not 'none'; with 'none' a bin empty on
 * exactly one side makes it +Infinity (see smoothShares for what the caller does then). Throws
 * RangeError for different lengths or shares outside [0, 1].
 */
export function populationStabilityIndex(
  referenceShares: readonly number[],
  currentShares: readonly number[],
  smoothing: Smoothing = DEFAULT_PSI_SMOOTHING,
): number {
  if (referenceShares.length !== currentShares.length) {
    const sizes = `${referenceShares.length} reference and ${currentShares.length} current shares`;
    throw new RangeError(`PSI needs the same bins on both sides, got ${sizes}`);
  }
  for (const share of [...referenceShares, ...currentShares]) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`PSI shares must be in [0, 1], got ${share}`);
  }
  const reference = smoothShares(referenceShares, smoothing);
  const current = smoothShares(currentShares, smoothing);
  let psi = 0;
  reference.forEach((referenceShare, bin) => {
    const currentShare = current[bin]!;
    if (referenceShare === currentShare) return; // also the 0/0 of a bin empty on both sides under 'none'
    psi += (currentShare - referenceShare) * logRatio(currentShare, referenceShare);
  });
  return psi;
}

/**
 * ln(c / r), falling back to ln c − ln r when c / r leaves the floating-point range (shares near
 * Number.MIN_VALUE), so smoothed shares always give a finite logarithm.
 */
function logRatio(c: number, r: number): number {
  const ratio = c / r;
  return ratio > 0 && ratio < Infinity ? Math.log(ratio) : Math.log(c) - Math.log(r);
}
