/** Shapes shared by the drift module and its callers; every value here is plain JSON. */

export type FeatureKind = 'numeric' | 'categorical';

export type DriftTestName = 'psi' | 'ks' | 'wasserstein' | 'jensen_shannon' | 'chi_square';

/** What a feature's config may name: a test, or 'auto' to let the reference data choose (see chooseDefaultTest). */
export type FeatureDriftTest = DriftTestName | 'auto';

/** A model input column and, optionally, how it is tested for drift. */
export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  drift?: { test?: FeatureDriftTest; threshold?: number | null };
}

export type ScoreKind = 'p_value' | 'distance';

export interface DriftTestDescriptor {
  name: DriftTestName;
  displayName: string;
  kinds: readonly FeatureKind[];
  scoreKind: ScoreKind;
  defaultThreshold: number;
  /** p-value tests only: the bounded effect size that must also reach a floor before the feature drifts. */
  effectSize?: { displayName: string; defaultFloor: number };
}

/** The p-value tests, which carry an effect-size floor besides their significance level. */
export type PValueTestName = 'ks' | 'chi_square';

export type BinningStrategy = 'quantile' | 'equal_width' | 'evidently';

export type Smoothing = { kind: 'constant'; epsilon: number } | { kind: 'evidently' } | { kind: 'none' };

export type ThresholdStrategy = { strategy: 'constant' } | { strategy: 'reference_chunks'; k: number };

export type PValueCorrection = 'none' | 'bonferroni' | 'benjamini_hochberg';

/** The size of a monitoring window, as the drift check sees it: a span of event time or the latest N rows (as the config's MonitoringWindow). */
export type WindowSize = { kind: 'duration'; ms: number } | { kind: 'rows'; rows: number };

/**
 * How a reference profile's chunks were cut: window-sized (a span of event time or a run of rows, starting
 * every stride, which is the chunk's size unless they overlap), or the older equal-count split.
 */
export type ReferenceChunking =
  | { kind: 'duration'; ms: number; strideMs: number }
  | { kind: 'rows'; rows: number; strideRows: number }
  | { kind: 'equal_count'; chunks: number };

/** How windows are compared; every field has a default (DEFAULT_DRIFT_OPTIONS). */
export interface DriftOptions {
  /** Fewer non-null values than this in the window gives 'insufficient_data'. */
  minRows: number;
  /** Bins for PSI and Jensen-Shannon on numeric features. */
  binning: { strategy: BinningStrategy; bins: number };
  /** What empty bins get before PSI takes logarithms; never a silent epsilon. */
  smoothing: Smoothing;
  ksMethod: 'auto' | 'exact' | 'asymp';
  thresholds: ThresholdStrategy;
  /** Correction of p-value thresholds for testing many features at once. */
  correction: PValueCorrection;
  /** A change of the null rate by at least this much is drift on its own (null disables). */
  nullRateShift: number | null;
  /** This share of a numeric window's values outside the reference's range is drift on its own (null disables). */
  outOfRangeShare: number | null;
  /**
   * Per numeric feature, the range that out-of-range is measured against instead of the reference's
   * own: a window-sized reference (a season a year ago) spans a few dozen values, far less than what
   * the champion was trained on.
   */
  outOfRangeBounds?: Readonly<Record<string, { min: number; max: number }>>;
  /**
   * Smallest effect size (KS statistic D; total variation distance for chi-square) at which a p-value
   * test may drift; 0 disables. With learned thresholds the floor is the larger of this and the learned one.
   */
  effectSizeFloor: Record<PValueTestName, number>;
  /** The window being checked, so thresholds learned for another window size can be pointed out; null: unknown. */
  monitoringWindow: WindowSize | null;
}

/**
 * Summary of one numeric reference column. `count` is the number of finite values summarised and
 * `nullCount` the number of null/missing ones; values that could not be read as numbers are in
 * neither, so `count + nullCount` can be less than the profile's `rowCount`.
 */
export interface NumericReference {
  kind: 'numeric';
  count: number;
  nullCount: number;
  /**
   * The sorted values (or an evenly spaced subsample of them): float64 in the host's byte order, base64, as a
   * profile is built and serialised; or the values themselves, as a drift check reads them from reference_values
   * (no base64 string of megabytes on the heap). Profiles never travel in workflow history, so neither form does.
   */
  sortedValues: string | Float64Array;
  /** False when sortedValues is a subsample: KS then counts the reference as that many values. */
  complete: boolean;
  mean: number | null;
  /** Population standard deviation (divides by n), as Evidently normalises Wasserstein. */
  std: number | null;
  min: number | null;
  max: number | null;
  /** Distinct values, counted up to DISTINCT_COUNT_LIMIT + 1 (enough for the default test choice). */
  distinctCount: number;
  /** Scores of reference chunks against the whole reference, per distance test (learned thresholds). */
  chunkScores: Partial<Record<DriftTestName, number[]>>;
  /** Effect sizes of the same chunks for the p-value tests (learned effect-size floors); absent in format 2 profiles. */
  chunkEffectSizes?: Partial<Record<PValueTestName, number[]>>;
}

/** Summary of one categorical reference column; `count` and `nullCount` as in NumericReference. */
export interface CategoricalReference {
  kind: 'categorical';
  count: number;
  nullCount: number;
  /** Non-null reference values per category. */
  counts: Record<string, number>;
  chunkScores: Partial<Record<DriftTestName, number[]>>;
  chunkEffectSizes?: Partial<Record<PValueTestName, number[]>>;
}

export type FeatureReference = NumericReference | CategoricalReference;

/**
 * Stored as JSONB once per champion model; every window is compared against it without re-reading reference rows.
 * Format 3 adds `chunking`, `chunkCount` and the chunk effect sizes; format 2 profiles (equal-count chunks,
 * distances only) are still read.
 */
export interface ReferenceProfile {
  formatVersion: 2 | 3;
  rowCount: number;
  /** The options the chunk scores were computed with: learned thresholds are only valid for the same ones. */
  binning: DriftOptions['binning'];
  smoothing: Smoothing;
  /** How the chunks behind learned thresholds were cut; absent in format 2 (equal-count chunks). */
  chunking?: ReferenceChunking;
  /** Chunks scored (after skipping small ones and capping); a feature's nulls can leave it fewer. Absent in format 2. */
  chunkCount?: number;
  features: Record<string, FeatureReference>;
  /**
   * Year-over-year (one `periodMs`) scores: each window-sized chunk of the reference against the same
   * span one period earlier, for a seasonal reference's learned thresholds. Absent when not asked for
   * or when the reference is shorter than one period plus a window.
   */
  seasonal?: SeasonalChunkScores;
}

export interface SeasonalChunkScores {
  periodMs: number;
  /** Chunks that had a full span one period earlier inside the reference. */
  chunkCount: number;
  features: Record<string, Pick<FeatureReference, 'chunkScores' | 'chunkEffectSizes'>>;
}

export type FeatureStatus =
  /** Tested. */
  | 'ok'
  /** Tested; the window (or the reference) has a single value, which the reader should know. */
  | 'constant'
  /** Tested; the window has categories the reference never had (they count towards the score). */
  | 'unseen_categories'
  /** Not tested: too few non-null values. */
  | 'insufficient_data'
  /** Not tested: no non-null value in the window. */
  | 'all_null'
  /** Not tested: the column is absent from the window, or from the reference profile. */
  | 'missing_column'
  /** Not tested: values of the wrong type, or a test that does not apply to the feature's kind. */
  | 'type_mismatch';

export type ThresholdSource = 'config' | 'default' | 'reference_chunks';

/** 'constant': DriftOptions.effectSizeFloor (config `drift.effectSizeFloor`); 'reference_chunks': learned, and above it. */
export type EffectSizeFloorSource = 'constant' | 'reference_chunks';

export interface FeatureDriftResult {
  feature: string;
  kind: FeatureKind;
  test: DriftTestName;
  scoreKind: ScoreKind;
  /** Whether the feature could be tested; false means score, psi and drifted say nothing about drift. */
  measured: boolean;
  /** null when not measured. */
  score: number | null;
  /** The threshold the score is compared with, after any learned threshold or p-value correction. */
  threshold: number;
  thresholdSource: ThresholdSource;
  /**
   * Set when the threshold or floor deserves a word: learned from chunks of another size than the monitoring
   * window, or not learnable from the profile (then the constant one is used).
   */
  thresholdDetail?: string;
  /** p-value tests, when measured: KS statistic D, or total variation distance for chi-square. */
  effectSize?: number;
  /** p-value tests: the effect size must reach this besides p < threshold before the feature drifts. */
  effectSizeFloor?: number;
  effectSizeFloorSource?: EffectSizeFloorSource;
  /** The test's verdict (p-value tests: p < threshold and effect size ≥ floor) or a null-rate shift; false when not measured. */
  drifted: boolean;
  status: FeatureStatus;
  /** Human readable detail when status is not 'ok'. */
  statusDetail?: string;
  /** Computed whenever the feature is measured, whatever the test: dataset rules such as "any PSI >= x" need it. */
  psi: number | null;
  /** Extra numbers of the test, e.g. the KS statistic and method, the chi-square statistic and degrees of freedom. */
  details: Record<string, number | string>;
  /** Number of non-null values of the feature in the window. */
  currentCount: number;
  referenceNullRate: number;
  currentNullRate: number;
  /** The null rate moved by at least DriftOptions.nullRateShift: drift in itself, whatever the values say. */
  nullRateDrifted: boolean;
  /** Numeric features: the share of the window's values outside the reference's [min, max]. */
  outOfRangeShare?: number;
  /** That share reached DriftOptions.outOfRangeShare: drift in itself (a unit change, a sign flip, a scaling bug). */
  outOfRangeDrifted?: boolean;
}
