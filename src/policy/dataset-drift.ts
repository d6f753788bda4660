/**
 * The dataset-level drift rule. Pure and free of Node modules: workflow code may import it.
 */
import type { FeatureDriftResult } from '../drift/types';

/**
 * What a check could say about the window. 'not_measured': too little of the features' weight
 * could be tested to apply the rule, which is never read as "no drift".
 */
export type DriftVerdict = 'drift' | 'no_drift' | 'not_measured';

export interface DatasetDriftRule {
  minDriftedShare: number;
  /** Below this share of the features' weight tested, a check without drift is 'not_measured'; default 0.5. */
  minMeasuredShare?: number;
  anyPsiAtLeast: number | null;
  /** Per feature; a feature not named weighs 1. */
  weights?: Readonly<Record<string, number>>;
}

export interface DatasetDriftVerdict {
  datasetDrift: boolean;
  verdict: DriftVerdict;
  driftedShare: number;
  /** Share of the features' weight that could be tested. */
  measuredShare: number;
  reasons: string[];
}

export const DEFAULT_MIN_MEASURED_SHARE = 0.5;

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
  const totalWeight = features.reduce((sum, f) => sum + weightOf(f), 0);
  const measuredShare = totalWeight === 0 ? 0 : measuredWeight / totalWeight;
  const driftedShare = measuredWeight === 0 ? 0 : drifted.reduce((sum, f) => sum + weightOf(f), 0) / measuredWeight;
  const reasons = boundedNotes(features.flatMap((f) => {
    const notes: string[] = [];
    if (!f.measured) notes.push(`${f.feature}: not measured (${f.status}${f.statusDetail ? `: ${f.statusDetail}` : ''})`);
    else if (f.nullRateDrifted) {
      notes.push(`${f.feature}: null rate ${formatShare(f.referenceNullRate)} → ${formatShare(f.currentNullRate)}`);
    }
    if (f.measured && f.outOfRangeDrifted) {
      notes.push(`${f.feature}: ${formatShare(f.outOfRangeShare ?? 0)} of the window's values are outside the reference's range`);
    }
    return notes;
  }));
  if (measuredWeight > 0 && driftedShare >= rule.minDriftedShare) {
    reasons.push(
      `${drifted.length} of ${measured.length} features drifted (${formatShare(driftedShare)} ≥ ${formatShare(rule.minDriftedShare)}): ${nameList(drifted.map((f) => f.feature))}`,
    );
  }
  const highPsi = rule.anyPsiAtLeast === null ? [] : measured.filter((f) => f.psi !== null && f.psi >= rule.anyPsiAtLeast!);
  reasons.push(...boundedNotes(highPsi.map((f) => `${f.feature}: PSI ${f.psi!.toFixed(3)} ≥ ${rule.anyPsiAtLeast}`)));
  const datasetDrift = (measuredWeight > 0 && driftedShare >= rule.minDriftedShare) || highPsi.length > 0;
  const minMeasuredShare = rule.minMeasuredShare ?? DEFAULT_MIN_MEASURED_SHARE;
  // Drift seen on the features that could be tested is drift; its absence on too few of them says nothing.
  const verdict: DriftVerdict = datasetDrift ? 'drift' : measuredShare < minMeasuredShare ? 'not_measured' : 'no_drift';
  if (verdict === 'not_measured') {
    reasons.push(
      `not measured: ${measured.length} of ${features.length} features could be tested (${formatShare(measuredShare)} of their weight, `
      + `below monitoring.minMeasuredShare ${formatShare(minMeasuredShare)}); this is not "no drift"`,
    );
  }
  return { datasetDrift, verdict, driftedShare, measuredShare, reasons };
}

/**
 * Reasons travel in check results, alerts and workflow history: on a model of thousands of features
 * they name this many, and the report's per-feature results hold every one.
 */
export const FEATURES_NAMED_IN_REASONS = 20;

function boundedNotes(notes: string[]): string[] {
  if (notes.length <= FEATURES_NAMED_IN_REASONS) return notes;
  const more = notes.length - FEATURES_NAMED_IN_REASONS;
  return [...notes.slice(0, FEATURES_NAMED_IN_REASONS), `… and ${more} more such feature notes (every feature's result is in the drift report)`];
}

function nameList(names: string[]): string {
  if (names.length <= FEATURES_NAMED_IN_REASONS) return names.join(', ');
  return `${names.slice(0, FEATURES_NAMED_IN_REASONS).join(', ')} and ${names.length - FEATURES_NAMED_IN_REASONS} more`;
}

function formatShare(share: number): string {
  return `${Math.round(share * 100)}%`;
}
