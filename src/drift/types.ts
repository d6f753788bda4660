/** Shapes shared by the drift module and its callers; every value here is plain JSON. */

export type FeatureKind = 'numeric' | 'categorical';

export type DriftTestName = 'psi' | 'ks';

/** A model input column and, optionally, how it is tested for drift (defaults come from the registry). */
export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  drift?: { test?: DriftTestName; threshold?: number };
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
  /** Sorted ascending; at most REFERENCE_SAMPLE_LIMIT values, an evenly spaced quantile subsample when there are more. */
  sample: number[];
  /** Interior PSI bin edges taken from the reference deciles, deduplicated, ascending. */
  binEdges: number[];
  /** Share of the reference in each of the binEdges.length + 1 bins. */
  binShares: number[];
  mean: number | null;
  /** Population standard deviation (divides by n). */
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Summary of one categorical reference column; `count` and `nullCount` as in NumericReference. */
export interface CategoricalReference {
  kind: 'categorical';
  count: number;
  nullCount: number;
  /** Share of the non-null reference values per category. */
  shares: Record<string, number>;
}

export type FeatureReference = NumericReference | CategoricalReference;

/** Stored as JSONB once per champion model; every window is compared against it without re-reading reference rows. */
export interface ReferenceProfile {
  formatVersion: 1;
  rowCount: number;
  features: Record<string, FeatureReference>;
}

export type FeatureStatus =
  | 'ok'
  | 'insufficient_data'
  | 'all_null'
  | 'missing_column'
  | 'type_mismatch'
  | 'constant_reference';

export type ScoreKind = 'p_value' | 'distance';

export interface FeatureDriftResult {
  feature: string;
  kind: FeatureKind;
  test: DriftTestName;
  scoreKind: ScoreKind;
  /** null when status !== 'ok'. */
  score: number | null;
  threshold: number;
  /** Always false when status !== 'ok'; otherwise decided by isDrifted. */
  drifted: boolean;
  status: FeatureStatus;
  /** Human readable reason when status !== 'ok'. */
  statusDetail?: string;
  /** Computed whenever status is 'ok', whatever the test, because dataset rules such as "any PSI >= x" need it. */
  psi: number | null;
  /** Number of non-null values of the feature in the window. */
  currentCount: number;
  referenceNullRate: number;
  currentNullRate: number;
}

export interface CompareOptions {
  /** Fewer non-null values than this in the window gives 'insufficient_data'. Default 30. */
  minRows?: number;
}

export interface DriftTestDescriptor {
  name: DriftTestName;
  displayName: string;
  kinds: FeatureKind[];
  scoreKind: ScoreKind;
  defaultThreshold: number;
}
