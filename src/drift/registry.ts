import type { DriftTestDescriptor, DriftTestName, FeatureKind, FeatureReference, PValueTestName, ScoreKind } from './types';

/**
 * The drift tests a feature can name. Default thresholds follow common practice and Evidently's
 * defaults: p < 0.05 for the statistical tests; PSI ≥ 0.2 (published conventions put the boundary of a
 * material shift between 0.2 and 0.25); normalised Wasserstein and Jensen-Shannon distance ≥ 0.1.
 *
 * The p-value tests also need an effect size of at least 0.1, because with thousands of rows any
 * difference is significant. Both effect sizes are the largest change in the probability of some event:
 * KS D over events "x ≤ t", total variation distance over every set of categories (D is the total
 * variation distance restricted to half-lines). 0.1 is about Cohen's "small" effect (Statistical Power
 * Analysis, 1988) on either scale: a mean shift of 0.25 standard deviations of a normal moves D by
 * 2Φ(0.125) − 1 ≈ 0.0995, and h = 0.2 between two proportions near one half is a change of 0.1. A 1-std
 * shift (D ≈ 0.38) and a unit change such as °C → °F (D near 1) clear it; on windows of a few hundred
 * rows the significance level is the stricter of the two (KS's 5% critical D is 1.36/√n ≈ 0.1 at n = 185).
 * Cramér's V was not chosen for chi-square: on a reference-versus-window table it shrinks with the
 * reference's size (V² = χ²/(n_reference + n_window)), so one shift reads smaller against a bigger reference.
 */
export const DRIFT_TESTS: Readonly<Record<DriftTestName, DriftTestDescriptor>> = {
  ks: {
    name: 'ks',
    displayName: 'Two-sample Kolmogorov-Smirnov',
    kinds: ['numeric'],
    scoreKind: 'p_value',
    defaultThreshold: 0.05,
    effectSize: { displayName: 'KS statistic D', defaultFloor: 0.1 },
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
    effectSize: { displayName: 'total variation distance', defaultFloor: 0.1 },
  },
};

export const P_VALUE_TEST_NAMES: readonly PValueTestName[] = ['ks', 'chi_square'];

export function isPValueTest(test: DriftTestName): test is PValueTestName {
  return DRIFT_TESTS[test].scoreKind === 'p_value';
}

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

/**
 * The single place where a score and its threshold become a verdict: small p-values and large distances
 * mean drift. A p-value test given an effect size and its floor drifts only when both say so.
 */
export function isDrifted(
  scoreKind: ScoreKind,
  score: number,
  threshold: number,
  effect?: { effectSize?: number; effectSizeFloor?: number },
): boolean {
  if (scoreKind === 'distance') return score >= threshold;
  const material = effect?.effectSize === undefined || effect.effectSizeFloor === undefined || effect.effectSize >= effect.effectSizeFloor;
  return score < threshold && material;
}
