/**
 * Pure drift statistics: build a JSON reference profile from the champion's training rows once,
 * then compare each window with it feature by feature. No I/O happens here.
 */
export type {
  BinningStrategy,
  CategoricalReference,
  DriftOptions,
  DriftTestDescriptor,
  DriftTestName,
  FeatureDriftResult,
  FeatureDriftTest,
  FeatureKind,
  FeatureReference,
  FeatureSpec,
  FeatureStatus,
  NumericReference,
  PValueCorrection,
  ReferenceProfile,
  ScoreKind,
  Smoothing,
  ThresholdSource,
  ThresholdStrategy,
} from './types';
export { tableFromRows, type FeatureTable } from './columns';
export {
  buildReferenceProfile,
  DEFAULT_REFERENCE_CHUNKS,
  DEFAULT_REFERENCE_SAMPLE_LIMIT,
  type ProfileOptions,
} from './reference-profile';
export { compareToReference } from './compare';
export { correctPValueThresholds } from './corrections';
export { DEFAULT_DRIFT_OPTIONS } from './options';
export { DRIFT_TESTS, DRIFT_TEST_NAMES, chooseDefaultTest, isDrifted } from './registry';
export { populationStabilityIndex } from './psi';
export { ksTwoSample, type KsMethod, type KsResult } from './ks';
