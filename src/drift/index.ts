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
  EffectSizeFloorSource,
  FeatureDriftResult,
  FeatureDriftTest,
  FeatureKind,
  FeatureReference,
  FeatureSpec,
  FeatureStatus,
  NumericReference,
  PValueCorrection,
  PValueTestName,
  ReferenceChunking,
  ReferenceProfile,
  ScoreKind,
  Smoothing,
  ThresholdSource,
  ThresholdStrategy,
  WindowSize,
} from './types';
export { tableFromRows, type FeatureTable } from './columns';
export {
  buildReferenceProfile,
  buildReferenceProfileAsync,
  DEFAULT_MAX_REFERENCE_CHUNKS,
  DEFAULT_REFERENCE_CHUNKS,
  DEFAULT_REFERENCE_SAMPLE_LIMIT,
  MIN_WINDOW_CHUNKS,
  type ProfileOptions,
} from './reference-profile';
export { compareToReference } from './compare';
export { correctPValueThresholds } from './corrections';
export { DEFAULT_DRIFT_OPTIONS } from './options';
export { DRIFT_TESTS, DRIFT_TEST_NAMES, P_VALUE_TEST_NAMES, chooseDefaultTest, isDrifted, isPValueTest } from './registry';
export { populationStabilityIndex } from './psi';
export { ksTwoSample, type KsMethod, type KsResult } from './ks';
