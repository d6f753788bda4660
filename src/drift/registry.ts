import type { DriftTestDescriptor, DriftTestName, FeatureKind, ScoreKind } from './types';

/**
 * The drift tests a feature can name in its spec. Default thresholds follow common practice:
 * PSI >= 0.2 is the usual rule-of-thumb boundary for a material shift (published conventions put it
 * between 0.2 and 0.25), and KS uses the conventional 5% significance level.
 */
export const DRIFT_TESTS: Readonly<Record<DriftTestName, DriftTestDescriptor>> = {
  psi: {
    name: 'psi',
    displayName: 'Population Stability Index',
    kinds: ['numeric', 'categorical'],
    scoreKind: 'distance',
    defaultThreshold: 0.2,
  },
  ks: {
    name: 'ks',
    displayName: 'Two-sample Kolmogorov-Smirnov',
    kinds: ['numeric'],
    scoreKind: 'p_value',
    defaultThreshold: 0.05,
  },
};

/** KS uses the whole distribution of a numeric feature; categories have no order, so they get PSI. */
export function defaultTestFor(kind: FeatureKind): DriftTestName {
  return kind === 'numeric' ? 'ks' : 'psi';
}

/** The single place where a score and its threshold become a verdict: small p-values and large distances mean drift. */
export function isDrifted(scoreKind: ScoreKind, score: number, threshold: number): boolean {
  return scoreKind === 'p_value' ? score < threshold : score >= threshold;
}
