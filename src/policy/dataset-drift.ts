/**
 * The dataset-level drift rule. Pure and free of Node modules: workflow code may import it.
 */
import type { FeatureDriftResult } from '../drift/types';

export interface DatasetDriftRule {
  minDriftedShare: number;
  anyPsiAtLeast: number | null;
  /** Per feature; a feature not named weighs 1. */
  weights?: Readonly<Record<string, number>>;
}

export interface DatasetDriftVerdict { datasetDrift: boolean; driftedShare: number; reasons: string[] }

/**
 * Features that could not be measured are left out of the share's denominator and named in the
 * reasons: they are never read as "no drift", and they never count as drift either. The share is
 * weighted when the rule gives weights (a feature the model leans on can count for more).
 */
export function evaluateDatasetDrift(features: readonly FeatureDriftResult[], rule: DatasetDriftRule): DatasetDriftVerdict {
  const weightOf = (f: FeatureDriftResult) => rule.weights?.[f.feature] ?? 1;
  const measured = features.filter((f) => f.measured);
  const drifted = measured.filter((f) => f.drifted);
  const measuredWeight = measured.reduce((sum, f) => sum + weightOf(f), 0);
  const driftedShare = measuredWeight === 0 ? 0 : drifted.reduce((sum, f) => sum + weightOf(f), 0) / measuredWeight;
  const reasons: string[] = [];
  for (const f of features) {
    if (!f.measured) reasons.push(`${f.feature}: not measured (${f.status}${f.statusDetail ? `: ${f.statusDetail}` : ''})`);
    else if (f.nullRateDrifted) {
      reasons.push(`${f.feature}: null rate ${formatShare(f.referenceNullRate)} → ${formatShare(f.currentNullRate)}`);
    }
  }
  if (measuredWeight > 0 && driftedShare >= rule.minDriftedShare) {
    reasons.push(
      `${drifted.length} of ${measured.length} features drifted (${formatShare(driftedShare)} ≥ ${formatShare(rule.minDriftedShare)}): ${drifted.map((f) => f.feature).join(', ')}`,
    );
  }
  const highPsi = rule.anyPsiAtLeast === null ? [] : measured.filter((f) => f.psi !== null && f.psi >= rule.anyPsiAtLeast!);
  for (const f of highPsi) reasons.push(`${f.feature}: PSI ${f.psi!.toFixed(3)} ≥ ${rule.anyPsiAtLeast}`);
  const datasetDrift = (measuredWeight > 0 && driftedShare >= rule.minDriftedShare) || highPsi.length > 0;
  return { datasetDrift, driftedShare, reasons };
}

function formatShare(share: number): string {
  return `${Math.round(share * 100)}%`;
}
