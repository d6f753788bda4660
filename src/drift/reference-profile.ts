/**
 * The reference profile: what a window is compared with, computed once per champion from its
 * training rows and stored as JSON, so a drift check never re-reads the reference rows.
 */
import { mean, standardDeviation } from 'simple-statistics';
import {
  columnOf,
  countCategories,
  encodeFloat64,
  readCategoricalColumn,
  readNumericColumn,
  sortedCopy,
  type FeatureTable,
} from './columns';
import { DEFAULT_DRIFT_OPTIONS } from './options';
import { DRIFT_TESTS } from './registry';
import { scoreTest, type Sides } from './scoring';
import type {
  CategoricalReference,
  DriftOptions,
  DriftTestName,
  FeatureReference,
  FeatureSpec,
  NumericReference,
  ReferenceProfile,
} from './types';

/**
 * Largest number of reference values kept per numeric feature (8 MB of float64 at the default,
 * stored outside the JSON profile). Up to it, KS and the other tests see the whole reference and
 * agree with scipy. Above it, evenly spaced order statistics keep the empirical CDF within
 * 1/limit of the full reference's, but KS then counts the reference as `limit` values, which
 * makes it less sensitive: a subsample of 20,000 from 100,000 turned 3 of 50 drifted features
 * into "no drift" in the drift benchmark.
 */
export const DEFAULT_REFERENCE_SAMPLE_LIMIT = 1_000_000;

/** Distinct values are counted up to this plus one: enough to know "few values" (≤ 5) and Evidently's "> 20 uniques". */
export const DISTINCT_COUNT_LIMIT = 20;

/**
 * Reference chunks scored against the whole reference for learned thresholds (NannyML's approach:
 * threshold = mean + k·std of the chunk scores). Chunks follow row order, i.e. time.
 */
export const DEFAULT_REFERENCE_CHUNKS = 10;

export interface ProfileOptions {
  sampleLimit?: number;
  chunks?: number;
  binning?: DriftOptions['binning'];
  smoothing?: DriftOptions['smoothing'];
  /** Chunks smaller than this are not scored (their scores would say more about chunk size than drift). */
  minChunkRows?: number;
}

export function buildReferenceProfile(specs: readonly FeatureSpec[], table: FeatureTable, options: ProfileOptions = {}): ReferenceProfile {
  const resolved = {
    sampleLimit: options.sampleLimit ?? DEFAULT_REFERENCE_SAMPLE_LIMIT,
    chunks: options.chunks ?? DEFAULT_REFERENCE_CHUNKS,
    binning: options.binning ?? DEFAULT_DRIFT_OPTIONS.binning,
    smoothing: options.smoothing ?? DEFAULT_DRIFT_OPTIONS.smoothing,
    minChunkRows: options.minChunkRows ?? DEFAULT_DRIFT_OPTIONS.minRows,
  };
  const features: Record<string, FeatureReference> = {};
  for (const spec of specs) {
    const raw = columnOf(table, spec.name) ?? [];
    // Rows without the column count as nulls of the reference.
    const absent = table.rowCount - raw.length;
    features[spec.name] = spec.kind === 'numeric'
      ? numericReference(raw, absent, resolved)
      : categoricalReference(raw, absent, resolved);
  }
  return { formatVersion: 2, rowCount: table.rowCount, binning: resolved.binning, smoothing: resolved.smoothing, features };
}

type Resolved = Required<ProfileOptions>;

function numericReference(raw: ArrayLike<unknown>, absent: number, options: Resolved): NumericReference {
  const column = readNumericColumn(raw);
  const inRowOrder = column.values;
  const sorted = sortedCopy(inRowOrder);
  const hasValues = sorted.length > 0;
  const std = hasValues ? finiteOrNull(standardDeviation(Array.from(sorted))) : null;
  const sample = evenlySpacedSubsample(sorted, options.sampleLimit);
  return {
    kind: 'numeric',
    count: sorted.length,
    nullCount: column.nullCount + absent,
    sortedValues: encodeFloat64(sample),
    complete: sample.length === sorted.length,
    mean: hasValues ? finiteOrNull(mean(Array.from(sorted))) : null,
    std,
    min: hasValues ? sorted[0]! : null,
    max: hasValues ? sorted[sorted.length - 1]! : null,
    distinctCount: countDistinctSorted(sorted, DISTINCT_COUNT_LIMIT + 1),
    chunkScores: chunkScores(inRowOrder.length, options, ['psi', 'wasserstein', 'jensen_shannon'], (start, end) => ({
      kind: 'numeric',
      reference: sorted,
      current: sortedCopy(inRowOrder.subarray(start, end)),
      referenceStd: std ?? 0,
    })),
  };
}

function categoricalReference(raw: ArrayLike<unknown>, absent: number, options: Resolved): CategoricalReference {
  const column = readCategoricalColumn(raw);
  const counts = countCategories(column.values);
  return {
    kind: 'categorical',
    count: column.values.length,
    nullCount: column.nullCount + absent,
    // Object.fromEntries defines own properties, so a category such as '__proto__' is stored like any other.
    counts: Object.fromEntries(counts),
    chunkScores: chunkScores(column.values.length, options, ['psi', 'jensen_shannon'], (start, end) => ({
      kind: 'categorical',
      reference: counts,
      current: countCategories(column.values.slice(start, end)),
    })),
  };
}

function chunkScores(
  count: number,
  options: Resolved,
  tests: readonly DriftTestName[],
  chunkSides: (start: number, end: number) => Sides,
): Partial<Record<DriftTestName, number[]>> {
  const chunkRows = Math.floor(count / options.chunks);
  if (options.chunks < 2 || chunkRows < options.minChunkRows) return {};
  const scores: Partial<Record<DriftTestName, number[]>> = {};
  for (let chunk = 0; chunk < options.chunks; chunk++) {
    const sides = chunkSides(chunk * chunkRows, (chunk + 1) * chunkRows);
    for (const test of tests) {
      const { score } = scoreTest(test, sides, { ...options, ksMethod: 'auto' });
      (scores[test] ??= []).push(score);
    }
  }
  return scores;
}

/** All values when they fit, otherwise `limit` order statistics at evenly spaced ranks, always keeping min and max. */
function evenlySpacedSubsample(sorted: Float64Array, limit: number): Float64Array {
  if (sorted.length <= limit) return sorted;
  const step = (sorted.length - 1) / (limit - 1);
  return Float64Array.from({ length: limit }, (_, k) => sorted[Math.round(k * step)]!);
}

function countDistinctSorted(sorted: Float64Array, stopAt: number): number {
  let distinct = 0;
  for (let i = 0; i < sorted.length && distinct < stopAt; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/** Mean and std of huge finite values can overflow; the profile must stay plain JSON. */
function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Learned threshold from reference chunk scores, or null when none were stored for the test. */
export function learnedThreshold(reference: FeatureReference, test: DriftTestName, k: number): number | null {
  const scores = reference.chunkScores[test];
  if (!scores || scores.length < 2 || DRIFT_TESTS[test].scoreKind !== 'distance') return null;
  return mean(scores) + k * standardDeviation(scores);
}
