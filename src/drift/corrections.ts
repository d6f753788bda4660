import { isDrifted } from './registry';
import type { FeatureDriftResult, PValueCorrection } from './types';

/**
 * Corrects the thresholds of the measured p-value features for testing m features at once, as
 * Alibi Detect does for feature-wise tests: Bonferroni (each α becomes α/m, controls the chance of
 * any false alarm) or Benjamini-Hochberg (controls the expected share of false alarms: with p-values
 * sorted ascending, the features ranked up to the largest k with p(k) ≤ k·α/m drift, so each α
 * becomes k·α/m). Benjamini & Hochberg, J. R. Stat. Soc. B 57 (1995) 289-300. Distances are untouched.
 */
export function correctPValueThresholds(results: FeatureDriftResult[], correction: PValueCorrection): FeatureDriftResult[] {
  if (correction === 'none') return results;
  const tested = results.filter((r) => r.measured && r.scoreKind === 'p_value');
  const m = tested.length;
  if (m < 2) return results;
  let factor: number;
  if (correction === 'bonferroni') {
    factor = 1 / m;
  } else {
    const ascending = [...tested].sort((a, b) => a.score! - b.score!);
    let largestRank = 0;
    ascending.forEach((result, index) => {
      if (result.score! <= ((index + 1) * result.threshold) / m) largestRank = index + 1;
    });
    // With no rank passing, the strictest level α/m still applies (and nothing drifts by its test).
    factor = Math.max(largestRank, 1) / m;
  }
  return results.map((result) => {
    if (!tested.includes(result)) return result;
    const threshold = result.threshold * factor;
    const drifted = isDrifted('p_value', result.score!, threshold, result) || result.nullRateDrifted;
    return { ...result, threshold, drifted };
  });
}
