/**
 * What a drift check hands back to the monitor workflow about its features. The result is an
 * activity result, kept in workflow history and in the monitor's state: on a model of 10,000
 * features the per-feature results (about 0.4 KB each, 6 MB as stored) would pass Temporal's 2 MB
 * payload limit. So it lists the features that matter most, counts them all, and carries a fixed-size
 * signature of every drifted one; the drift report in PostgreSQL keeps every feature's result.
 */
import type { FeatureDriftResult } from '../drift';
import { signatureOf, type DriftSignature } from '../policy/drift-signature';
import type { FeatureCounts, FeatureDriftSummary } from '../../workflows/definitions';

/** Enough for an alert or a terminal; a 10,000-feature check's result is then about 24 KB. */
export const FEATURES_IN_RESULT = 50;

export interface FeaturesSummary {
  features: FeatureDriftSummary[];
  featureCounts: FeatureCounts;
  driftSignature: DriftSignature;
}

/**
 * The FEATURES_IN_RESULT features to show, drifted ones first, then by PSI (the one score every
 * feature has on one scale), listed in the report's (the config's) order, so a model with fewer
 * features gets all of them as before.
 */
export function summariseFeatures(results: readonly FeatureDriftResult[]): FeaturesSummary {
  const shown = results
    .map((result, index) => ({ result, index }))
    .sort((a, b) => byImportance(a.result, b.result) || a.index - b.index)
    .slice(0, FEATURES_IN_RESULT)
    .sort((a, b) => a.index - b.index);
  const byStatus: Record<string, number> = {};
  for (const { status } of results) byStatus[status] = (byStatus[status] ?? 0) + 1;
  const drifted = results.filter((r) => r.drifted).map((r) => r.feature);
  return {
    features: shown.map(({ result }) => summariseFeature(result)),
    featureCounts: { total: results.length, drifted: drifted.length, byStatus },
    driftSignature: signatureOf(drifted),
  };
}

/** Drifted features first, then by PSI (the one score every feature has on one scale); unmeasured ones last. */
export function byImportance(a: Pick<FeatureDriftResult, 'drifted' | 'psi'>, b: Pick<FeatureDriftResult, 'drifted' | 'psi'>): number {
  return Number(b.drifted) - Number(a.drifted) || (b.psi ?? -1) - (a.psi ?? -1);
}

function summariseFeature(r: FeatureDriftResult): FeatureDriftSummary {
  return {
    feature: r.feature, test: r.test, scoreKind: r.scoreKind, score: r.score, threshold: r.threshold, thresholdSource: r.thresholdSource,
    psi: r.psi, drifted: r.drifted, status: r.status,
    ...(r.effectSize !== undefined && { effectSize: r.effectSize, effectSizeFloor: r.effectSizeFloor }),
    ...(r.outOfRangeShare !== undefined && { outOfRangeShare: r.outOfRangeShare }),
    ...(r.thresholdDetail !== undefined && { thresholdDetail: r.thresholdDetail }),
  };
}
