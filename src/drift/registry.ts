import type { DriftTestDescriptor, DriftTestName, FeatureKind, FeatureReference, ScoreKind } from './types';

/**
 * The drift tests a feature can name. Default thresholds follow common practice and Evidently's
 * defaults: p < 0.05 for the statistical tests; PSI ≥ 0.2 (published conventions put the boundary of a
 * material shift between 0.2 and 0.25); normalised Wasserstein and Jensen-Shannon distance ≥ 0.1.
 */
export const DRIFT_TESTS: Readonly<Record<DriftTestName, DriftTestDescriptor>> = {
  ks: {
    name: 'ks',
    displayName: 'Two-sample Kolmogorov-Smirnov',
    kinds: ['numeric'],
    scoreKind: 'p_value',
    defaultThreshold: 0.05,
  },
  psi: {
    name: 'psi',
    displayName: 'Population Stability Index',
    kinds: ['numeric', 'categorical'],
    scoreKind: 'distance',
    defaultThreshold: 0.2,
  },
  wasserstein: {
    name: 'wasserstein',
    displayName: 'Wasserstein-1 distance / reference standard deviation',
    kinds: ['numeric'],
    scoreKind: 'distance',
    defaultThreshold: 0.1,
  },
  jensen_shannon: {
    name: 'jensen_shannon',
    displayName: 'Jensen-Shannon distance (natural log)',
    kinds: ['numeric', 'categorical'],
    scoreKind: 'distance',
    defaultThreshold: 0.1,
  },
  chi_square: {
    // On a numeric feature each distinct value is a category: meant for features with few values.
    name: 'chi_square',
    displayName: 'Chi-square test of homogeneity',
    kinds: ['numeric', 'categorical'],
    scoreKind: 'p_value',
    defaultThreshold: 0.05,
  },
};

export const DRIFT_TEST_NAMES = Object.keys(DRIFT_TESTS) as DriftTestName[];

/** Reference sizes up to this use statistical tests; larger ones a distance (see chooseDefaultTest). */
export const SMALL_REFERENCE_ROWS = 1000;
/** Numeric features with at most this many distinct reference values are tested like categories. */
export const FEW_DISTINCT_VALUES = 5;

/**
 * The test used when a feature's config says 'auto', after Evidently's default choice
 * (legacy/calculations/stattests/registry.py, `_get_default_stattest`): on small references a
 * statistical test (KS for numeric features with more than 5 distinct values, chi-square otherwise);
 * on large ones, where any difference becomes "significant", a distance (normalised Wasserstein for
 * numeric features, Jensen-Shannon otherwise). Evidently's Z-test for two categories is covered
 * by chi-square, which is equivalent for a 2×2 table.
 */
export function chooseDefaultTest(kind: FeatureKind, reference: FeatureReference | undefined): DriftTestName {
  const rows = reference?.count ?? 0;
  const fewValues =
    kind === 'categorical' || (reference?.kind === 'numeric' && reference.distinctCount <= FEW_DISTINCT_VALUES);
  if (rows <= SMALL_REFERENCE_ROWS) return fewValues ? 'chi_square' : 'ks';
  return fewValues ? 'jensen_shannon' : 'wasserstein';
}

/** The single place where a score and its threshold become a verdict: small p-values and large distances mean drift. */
export function isDrifted(scoreKind: ScoreKind, score: number, threshold: number): boolean {
  return scoreKind === 'p_value' ? score < threshold : score >= threshold;
}
