/**
 * Pure drift statistics: build a JSON reference profile from the champion's training rows once,
 * then compare each window of rows with it feature by feature (KS and PSI). No I/O happens here.
 */
export type {
  CategoricalReference,
  CompareOptions,
  DriftTestDescriptor,
  DriftTestName,
  FeatureDriftResult,
  FeatureKind,
  FeatureReference,
  FeatureSpec,
  FeatureStatus,
  NumericReference,
  ReferenceProfile,
  ScoreKind,
} from './types';
export { buildReferenceProfile, PSI_BINS, REFERENCE_SAMPLE_LIMIT } from './reference-profile';
export { compareToReference } from './compare';
export { DRIFT_TESTS, defaultTestFor, isDrifted } from './registry';
export { DEFAULT_PSI_SMOOTHING, populationStabilityIndex } from './psi';
export { ksTwoSample, type KsResult } from './ks';
