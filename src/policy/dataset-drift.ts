/**
 * The dataset-level drift rule. Pure and free of Node modules: workflow code may import it.
 */
import type { FeatureDriftResult } from '../drift/types';

export interface DatasetDriftRule { minDriftedShare: number; anyPsiAtLeast: number | null }

export interface DatasetDriftVerdict { datasetDrift: boolean; driftedShare: number; reasons: string[] }

/**
 * Features whose status is not `ok` are left out of the share's denominator and named in the
 * reasons: they are never read as "no drift", and they never count as drift either.
 */
export function evaluateDatasetDrift(features: readonly FeatureDriftResult[], rule: DatasetDriftRule): DatasetDriftVerdict {
  const measured = features.filter((f) => f.status === 'ok');
  const drifted = measured.filter((f) => f.drifted);
  const driftedShare = measured.length === 0 ? 0 : drifted.length / measured.length;
  const reasons: string[] = [];
  for (const f of features) {
    if (f.status !== 'ok') reasons.push(`${f.feature}: not measured (${f.status}${f.statusDetail ? `: ${f.statusDetail}` : ''})`);
  }
  if (measured.length > 0 && driftedShare >= rule.minDriftedShare) {
    reasons.push(
      `${drifted.length} of ${measured.length} features drifted (${formatShare(driftedShare)} ≥ ${formatShare(rule.minDriftedShare)}): ${drifted.map((f) => f.feature).join(', ')}`,
    );
  }
  const highPsi = rule.anyPsiAtLeast === null ? [] : measured.filter((f) => f.psi !== null && f.psi >= rule.anyPsiAtLeast!);
  for (const f of highPsi) reasons.push(`${f.feature}: PSI ${f.psi!.toFixed(3)} ≥ ${rule.anyPsiAtLeast}`);
  const datasetDrift = (measured.length > 0 && driftedShare >= rule.minDriftedShare) || highPsi.length > 0;
  return { datasetDrift, driftedShare, reasons };
}

function formatShare(share: number): string {
  return `${Math.round(share * 100)}%`;
}
