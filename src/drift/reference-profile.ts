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
  type RawColumn,
} from './columns';
import { countBelow } from './binning';
import { DEFAULT_DRIFT_OPTIONS } from './options';
import { isPValueTest } from './registry';
import { effectSize, scoreTest, type Sides } from './scoring';
import type {
  CategoricalReference,
  DriftOptions,
  DriftTestName,
  FeatureReference,
  FeatureSpec,
  NumericReference,
  PValueTestName,
  ReferenceChunking,
  ReferenceProfile,
  SeasonalChunkScores,
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
 * Equal-count chunks: how references are chunked when the monitoring window's size is not given (and how
 * format 2 profiles were). Chunks follow row order, i.e. time.
 */
export const DEFAULT_REFERENCE_CHUNKS = 10;

/**
 * At most this many chunks are scored, spread evenly over the reference: a million rows in windows of
 * 1,000 would otherwise mean 1,000 comparisons with the whole reference per test. 100 scores pin a mean
 * and a standard deviation down well enough for mean + k·std.
 */
export const DEFAULT_MAX_REFERENCE_CHUNKS = 100;

/**
 * Learned thresholds (NannyML's approach) score reference chunks against the whole reference:
 * threshold = mean + k·std of the chunk scores. Chunks the size of the monitoring window make the
 * chunk-to-chunk spread (sampling noise and seasons alike) the one a window will show, so give either
 * `chunkMs` with `eventTimesMs` (a window of event time) or `chunkRows` (a window of the latest N rows).
 */
export interface ProfileOptions {
  sampleLimit?: number;
  /** Equal-count chunks, used when neither chunkMs nor chunkRows is given; fewer than 2 scores nothing. */
  chunks?: number;
  /** Spans of this much event time from the first row's (side by side, or overlapping: MIN_WINDOW_CHUNKS); needs eventTimesMs. */
  chunkMs?: number;
  /** Each row's event time (ms since the epoch), in row order; rows must be in event-time order. */
  eventTimesMs?: ArrayLike<number>;
  /** Runs of this many rows (side by side, or overlapping: MIN_WINDOW_CHUNKS). */
  chunkRows?: number;
  maxChunks?: number;
  binning?: DriftOptions['binning'];
  smoothing?: DriftOptions['smoothing'];
  /** Chunks with fewer values than this are not scored (their scores would say more about chunk size than drift). */
  minChunkRows?: number;
  /**
   * Also score each window-sized chunk against the same span this long before it (a seasonal
   * reference's year-over-year thresholds); needs eventTimesMs.
   */
  seasonalPeriodMs?: number;
}

/** Builds the profile in one go; see buildReferenceProfileAsync for a worker's event loop. */
export function buildReferenceProfile(specs: readonly FeatureSpec[], table: FeatureTable, options: ProfileOptions = {}): ReferenceProfile {
  const steps = profileSteps(specs, table, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs of work between yields to the event loop, short enough for heartbeats and cancellation to get through. */
const SLICE_MS = 20;

/**
 * The same profile as buildReferenceProfile, built in slices of about 20 ms with the event loop let through
 * in between: sorting and scoring a million-row reference takes seconds, which must not starve an activity's
 * heartbeats.
 */
export async function buildReferenceProfileAsync(
  specs: readonly FeatureSpec[],
  table: FeatureTable,
  options: ProfileOptions = {},
): Promise<ReferenceProfile> {
  const steps = profileSteps(specs, table, options);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** Yields after each feature's summary and each scored chunk: the points where the async builder may pause. */
function* profileSteps(specs: readonly FeatureSpec[], table: FeatureTable, options: ProfileOptions): Generator<void, ReferenceProfile> {
  const resolved: Resolved = {
    sampleLimit: options.sampleLimit ?? DEFAULT_REFERENCE_SAMPLE_LIMIT,
    binning: options.binning ?? DEFAULT_DRIFT_OPTIONS.binning,
    smoothing: options.smoothing ?? DEFAULT_DRIFT_OPTIONS.smoothing,
    minChunkRows: options.minChunkRows ?? DEFAULT_DRIFT_OPTIONS.minRows,
  };
  const { chunking, ranges } = referenceChunks(table.rowCount, options, resolved.minChunkRows);
  const features: Record<string, FeatureReference> = {};
  for (const spec of specs) {
    const raw = columnOf(table, spec.name) ?? [];
    // Rows without the column count as nulls of the reference.
    const absent = table.rowCount - raw.length;
    features[spec.name] = spec.kind === 'numeric'
      ? yield* numericReference(raw, absent, ranges, resolved)
      : yield* categoricalReference(raw, absent, ranges, resolved);
  }
  const seasonal = options.seasonalPeriodMs === undefined ? null : yield* seasonalChunks(specs, table, options, options.seasonalPeriodMs, resolved);
  return {
    formatVersion: 3, rowCount: table.rowCount, binning: resolved.binning, smoothing: resolved.smoothing,
    chunking, chunkCount: ranges.length, features, ...(seasonal && { seasonal }),
  };
}

/**
 * Each chunk whose span one period earlier lies inside the reference, scored against the rows of that
 * span, as a seasonal check scores a window against the same span a year before. The spread of these
 * scores is year-to-year variation of the same season: thresholds learned from it do not alarm on an
 * ordinary year, yet see a shift at once. Null with fewer than two such chunks.
 */
function* seasonalChunks(
  specs: readonly FeatureSpec[],
  table: FeatureTable,
  options: ProfileOptions,
  periodMs: number,
  resolved: Resolved,
): Generator<void, SeasonalChunkScores | null> {
  const times = checkedEventTimes(table.rowCount, periodMs, options.eventTimesMs);
  // Window-sized chunks of the rows from one period after the first on (20 overlapping ones when fewer fit side by side).
  const offset = table.rowCount === 0 ? 0 : countBelow(times, times[0]! + periodMs);
  const later = Array.prototype.slice.call(times, offset) as number[];
  const { ranges } = referenceChunks(table.rowCount - offset, { ...options, eventTimesMs: later }, resolved.minChunkRows);
  const pairs = ranges.map(({ start, end }) => ({
    current: { start: start + offset, end: end + offset },
    earlier: { start: countBelow(times, times[start + offset]! - periodMs), end: countBelow(times, times[end + offset - 1]! - periodMs + 1) },
  }));
  if (pairs.length < 2) return null;
  const features: SeasonalChunkScores['features'] = {};
  for (const spec of specs) {
    const raw = columnOf(table, spec.name) ?? [];
    if (spec.kind === 'numeric') {
      const numeric = (range: RowRange) => readNumericColumn(sliceRows(raw, range)).values;
      const effectTests: PValueTestName[] = ['ks', 'chi_square'];
      features[spec.name] = yield* scoreChunks(pairs, resolved, ['psi', 'wasserstein', 'jensen_shannon'], effectTests, ({ current, earlier }) => {
        const [now, before] = [numeric(current), numeric(earlier)];
        if (now.length < resolved.minChunkRows || before.length < resolved.minChunkRows) return null;
        const reference = sortedCopy(before);
        return { kind: 'numeric', reference, current: sortedCopy(now), referenceStd: finiteOrNull(standardDeviation(Array.from(reference))) ?? 0 };
      });
    } else {
      const categorical = (range: RowRange) => readCategoricalColumn(sliceRows(raw, range)).values;
      features[spec.name] = yield* scoreChunks(pairs, resolved, ['psi', 'jensen_shannon'], ['chi_square'], ({ current, earlier }) => {
        const [now, before] = [categorical(current), categorical(earlier)];
        if (now.length < resolved.minChunkRows || before.length < resolved.minChunkRows) return null;
        return { kind: 'categorical', reference: countCategories(before), current: countCategories(now) };
      });
    }
  }
  return { periodMs, chunkCount: pairs.length, features };
}

interface Resolved {
  sampleLimit: number;
  binning: DriftOptions['binning'];
  smoothing: DriftOptions['smoothing'];
  minChunkRows: number;
}

/** A chunk of the reference: rows start (inclusive) to end (exclusive). */
interface RowRange { start: number; end: number }

/**
 * Window-sized chunks overlap when fewer than this many fit side by side: the spread of a handful of
 * scores says little (four 91-day chunks of a seasonal year scored within 0.01 of each other, and the
 * next year's quarters crossed their mean + 3·std). Overlapping chunks also start at more phases of a
 * season, as a monitoring window that ends "now" does.
 */
export const MIN_WINDOW_CHUNKS = 20;

/** How the rows are cut into chunks, and the chunks that will be scored. */
export function referenceChunks(
  rowCount: number,
  options: Pick<ProfileOptions, 'chunks' | 'chunkMs' | 'eventTimesMs' | 'chunkRows' | 'maxChunks'>,
  minChunkRows: number,
): { chunking: ReferenceChunking; ranges: RowRange[] } {
  const maxChunks = options.maxChunks ?? DEFAULT_MAX_REFERENCE_CHUNKS;
  if (!Number.isInteger(maxChunks) || maxChunks < 2) throw new RangeError(`maxChunks must be an integer of at least 2, got ${maxChunks}`);
  if (options.chunkMs !== undefined && options.chunkRows !== undefined) {
    throw new RangeError('give chunkMs (with eventTimesMs) or chunkRows, not both');
  }
  let chunking: ReferenceChunking;
  let ranges: RowRange[];
  if (options.chunkRows !== undefined) {
    const size = options.chunkRows;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunkRows must be a positive integer, got ${size}`);
    const { starts, stride } = windowStarts(rowCount, size, 1, maxChunks);
    chunking = { kind: 'rows', rows: size, strideRows: stride };
    ranges = starts.map((start) => ({ start: Math.round(start), end: Math.round(start) + size }));
  } else if (options.chunkMs !== undefined) {
    const size = options.chunkMs;
    const times = checkedEventTimes(rowCount, size, options.eventTimesMs);
    const first = times[0] ?? 0;
    // The reference is taken to last one average row spacing past its last row (a day, for daily rows).
    const spacing = rowCount > 1 ? (times[rowCount - 1]! - first) / (rowCount - 1) : 0;
    const extent = rowCount > 1 ? times[rowCount - 1]! - first + spacing : 0;
    const { starts, stride } = windowStarts(extent, size, spacing, maxChunks);
    chunking = { kind: 'duration', ms: size, strideMs: stride };
    ranges = starts.map((start) => ({ start: countBelow(times, first + start), end: countBelow(times, first + start + size) }));
  } else {
    const chunks = options.chunks ?? DEFAULT_REFERENCE_CHUNKS;
    chunking = { kind: 'equal_count', chunks };
    const size = Math.floor(rowCount / chunks);
    // The remainder of the division is left out, so every chunk has the same size.
    ranges = chunks < 2 || size < 1 ? [] : Array.from({ length: chunks }, (_, i) => ({ start: i * size, end: (i + 1) * size }));
  }
  return { chunking, ranges: ranges.filter((r) => r.end - r.start >= minChunkRows) };
}

/**
 * Where chunks of `size` start on an axis of length `extent` (rows, or ms from the first row): side by
 * side when at least MIN_WINDOW_CHUNKS fit (evenly thinned to maxChunks), else MIN_WINDOW_CHUNKS
 * overlapping ones spread from start to end, but no closer than `unit` (one row, one average spacing).
 * Only whole chunks: a chunk cut short by the reference's end would score noisier for being smaller.
 */
function windowStarts(extent: number, size: number, unit: number, maxChunks: number): { starts: number[]; stride: number } {
  if (extent < size) return { starts: [], stride: size };
  const sideBySide = Math.floor(extent / size);
  if (sideBySide >= MIN_WINDOW_CHUNKS) {
    return { starts: evenlySpread(Array.from({ length: sideBySide }, (_, i) => i * size), maxChunks), stride: size };
  }
  const slack = extent - size;
  const count = Math.min(MIN_WINDOW_CHUNKS, unit > 0 ? Math.floor(slack / unit) + 1 : 1);
  const stride = count > 1 ? slack / (count - 1) : size;
  return { starts: Array.from({ length: count }, (_, i) => i * stride), stride };
}

/** Time chunks are ranges of rows, so the rows must be in event-time order; checked here once. */
function checkedEventTimes(rowCount: number, chunkMs: number, eventTimesMs: ArrayLike<number> | undefined): ArrayLike<number> {
  if (!(chunkMs > 0) || !Number.isFinite(chunkMs)) throw new RangeError(`chunkMs must be a positive number of milliseconds, got ${chunkMs}`);
  if (eventTimesMs === undefined) throw new RangeError('chunkMs needs eventTimesMs, the event time of each reference row');
  if (eventTimesMs.length !== rowCount) throw new RangeError(`eventTimesMs has ${eventTimesMs.length} times for ${rowCount} reference rows`);
  for (let row = 0; row < rowCount; row++) {
    const time = eventTimesMs[row]!;
    if (!Number.isFinite(time) || (row > 0 && time < eventTimesMs[row - 1]!)) {
      throw new RangeError(`reference rows must be in event-time order with finite times; row ${row} has ${time}`);
    }
  }
  return eventTimesMs;
}

function evenlySpread<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const step = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, k) => items[Math.round(k * step)]!);
}

function* numericReference(raw: RawColumn, absent: number, ranges: readonly RowRange[], options: Resolved): Generator<void, NumericReference> {
  const column = readNumericColumn(raw);
  const sorted = sortedCopy(column.values);
  const hasValues = sorted.length > 0;
  const std = hasValues ? finiteOrNull(standardDeviation(Array.from(sorted))) : null;
  const sample = evenlySpacedSubsample(sorted, options.sampleLimit);
  const distinctCount = countDistinctSorted(sorted, DISTINCT_COUNT_LIMIT + 1);
  yield;
  // Chi-square on a numeric feature treats each value as a category: only meaningful with few values.
  const effectTests: PValueTestName[] = distinctCount <= DISTINCT_COUNT_LIMIT ? ['ks', 'chi_square'] : ['ks'];
  const chunks = yield* scoreChunks(ranges, options, ['psi', 'wasserstein', 'jensen_shannon'], effectTests, (range) => {
    const values = readNumericColumn(sliceRows(raw, range)).values;
    return values.length < options.minChunkRows ? null : { kind: 'numeric', reference: sorted, current: sortedCopy(values), referenceStd: std ?? 0 };
  });
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
    distinctCount,
    ...chunks,
  };
}

function* categoricalReference(raw: RawColumn, absent: number, ranges: readonly RowRange[], options: Resolved): Generator<void, CategoricalReference> {
  const column = readCategoricalColumn(raw);
  const counts = countCategories(column.values);
  yield;
  const chunks = yield* scoreChunks(ranges, options, ['psi', 'jensen_shannon'], ['chi_square'], (range) => {
    const values = readCategoricalColumn(sliceRows(raw, range)).values;
    return values.length < options.minChunkRows ? null : { kind: 'categorical', reference: counts, current: countCategories(values) };
  });
  return {
    kind: 'categorical',
    count: column.values.length,
    nullCount: column.nullCount + absent,
    // Object.fromEntries defines own properties, so a category such as '__proto__' is stored like any other.
    counts: Object.fromEntries(counts),
    ...chunks,
  };
}

function sliceRows(raw: RawColumn, { start, end }: RowRange): RawColumn {
  return raw instanceof Float64Array ? raw.subarray(start, end) : Array.prototype.slice.call(raw, start, end);
}

type ChunkScores = Pick<FeatureReference, 'chunkScores' | 'chunkEffectSizes'>;

/**
 * Each chunk's distances to the whole reference, and the effect sizes of the p-value tests (their
 * p-values would only say how large the chunk is). With fewer than two scored chunks nothing is
 * stored, as mean + k·std needs two.
 */
function* scoreChunks<Chunk>(
  /** Ranges of the reference, or ranges with their span one period earlier. */
  chunks: readonly Chunk[],
  options: Resolved,
  distanceTests: readonly DriftTestName[],
  effectTests: readonly PValueTestName[],
  /** null: the chunk has fewer than minChunkRows values of the feature. */
  chunkSides: (chunk: Chunk) => Sides | null,
): Generator<void, ChunkScores> {
  const chunkScores: Partial<Record<DriftTestName, number[]>> = {};
  const chunkEffectSizes: Partial<Record<PValueTestName, number[]>> = {};
  let scored = 0;
  for (const chunk of chunks) {
    const sides = chunkSides(chunk);
    if (sides === null) continue;
    for (const test of distanceTests) (chunkScores[test] ??= []).push(scoreTest(test, sides, { ...options, ksMethod: 'auto' }).score);
    for (const test of effectTests) (chunkEffectSizes[test] ??= []).push(effectSize(test, sides));
    scored++;
    yield;
  }
  return scored < 2 ? { chunkScores: {}, chunkEffectSizes: {} } : { chunkScores, chunkEffectSizes };
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

/** mean + k·std of a test's chunk scores (distances) or chunk effect sizes (p-value tests); null without two of them. */
export function learnedBound(reference: FeatureReference, test: DriftTestName, k: number): number | null {
  const scores = isPValueTest(test) ? reference.chunkEffectSizes?.[test] : reference.chunkScores[test];
  if (!scores || scores.length < 2) return null;
  return mean(scores) + k * standardDeviation(scores);
}
