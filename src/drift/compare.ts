import {
  columnOf,
  countCategories,
  decodeFloat64,
  readCategoricalColumn,
  readNumericColumn,
  type FeatureTable,
  type ReadColumn,
} from './columns';
import { countAtMost, countBelow } from './binning';
import { correctPValueThresholds } from './corrections';
import { DEFAULT_DRIFT_OPTIONS } from './options';
import { learnedBound } from './reference-profile';
import { DRIFT_TESTS, chooseDefaultTest, isDrifted, isPValueTest } from './registry';
import { psi, scoreTest, type Sides } from './scoring';
import { firstOutOfOrder, sortFloat64InPlace } from './sort';
import type {
  DriftOptions,
  DriftTestName,
  FeatureDriftResult,
  FeatureReference,
  FeatureSpec,
  FeatureStatus,
  ReferenceChunking,
  ReferenceProfile,
  WindowSize,
} from './types';

type Unmeasured = Exclude<FeatureStatus, 'ok' | 'constant' | 'unseen_categories'>;

/** Either the prepared sides of a feature that can be tested, or why it cannot. */
type Preparation =
  | { measured: true; sides: Sides; status: FeatureStatus; statusDetail?: string }
  | { measured: false; status: Unmeasured; statusDetail: string };

/**
 * Compares a window with the champion's reference profile, one result per spec, in spec order.
 * Data problems never throw: each affected feature gets a status saying why it was not measured,
 * and the other features are still tested.
 */
export function compareToReference(
  profile: ReferenceProfile,
  specs: readonly FeatureSpec[],
  window: FeatureTable,
  options: Partial<DriftOptions> = {},
): FeatureDriftResult[] {
  const resolved: DriftOptions = { ...DEFAULT_DRIFT_OPTIONS, ...options };
  const results = specs.map((spec) => compareFeature(profile, spec, window, resolved));
  return correctPValueThresholds(results, resolved.correction);
}

function compareFeature(profile: ReferenceProfile, spec: FeatureSpec, window: FeatureTable, options: DriftOptions): FeatureDriftResult {
  const reference = Object.hasOwn(profile.features, spec.name) ? profile.features[spec.name] : undefined;
  const requested = spec.drift?.test ?? 'auto';
  const test = requested === 'auto' ? chooseDefaultTest(spec.kind, reference) : requested;
  const { scoreKind } = DRIFT_TESTS[test];
  const sorted = spec.kind === 'numeric' && window.sorted && Object.hasOwn(window.sorted, spec.name) ? window.sorted[spec.name]! : null;
  const raw = sorted ? undefined : columnOf(window, spec.name);
  const column = sorted ?? (raw === undefined ? null : spec.kind === 'numeric' ? readNumericColumn(raw, window.givenUp) : readCategoricalColumn(raw));
  const referenceNullRate = reference && profile.rowCount > 0 ? reference.nullCount / profile.rowCount : 0;
  // Rows without the column are nulls of the window.
  const currentNulls = column ? column.nullCount + (window.rowCount - (sorted?.rows ?? raw?.length ?? 0)) : window.rowCount;
  const currentNullRate = window.rowCount > 0 ? currentNulls / window.rowCount : 0;
  const nullRateDrifted =
    options.nullRateShift !== null && reference !== undefined && column !== null && window.rowCount > 0 &&
    Math.abs(currentNullRate - referenceNullRate) >= options.nullRateShift;
  const common = {
    feature: spec.name, kind: spec.kind, test, scoreKind, ...chooseThresholds(profile, spec, test, reference, options),
    currentCount: column ? column.values.length : 0, referenceNullRate, currentNullRate,
  };

  const preparation = prepare(spec, test, reference, window, column, options, sorted !== null);
  if (!preparation.measured) {
    return {
      ...common, measured: false, score: null, psi: null, details: {}, drifted: false, nullRateDrifted: false,
      status: preparation.status, statusDetail: preparation.statusDetail,
    };
  }
  const { score: rawScore, effectSize, details } = scoreTest(test, preparation.sides, options);
  if (Number.isNaN(rawScore)) {
    // e.g. the asymptotic KS distribution with one value per side (effective n rounds to 0), as in scipy.
    return {
      ...common, measured: false, score: null, psi: null, details, drifted: false, nullRateDrifted: false,
      status: 'insufficient_data', statusDetail: `feature '${spec.name}': the ${test} test is undefined for samples this small`,
    };
  }
  const score = storable(rawScore);
  const outOfRange = preparation.sides.kind === 'numeric'
    ? outOfRangeShare(options.outOfRangeBounds?.[spec.name] ?? rangeOf(preparation.sides.reference), preparation.sides.current)
    : null;
  const outOfRangeDrifted = outOfRange !== null && options.outOfRangeShare !== null && outOfRange >= options.outOfRangeShare;
  const drifted = isDrifted(scoreKind, score, common.threshold, { effectSize, effectSizeFloor: common.effectSizeFloor })
    || nullRateDrifted || outOfRangeDrifted;
  return {
    ...common, measured: true, score, ...(effectSize === undefined ? {} : { effectSize }),
    ...(outOfRange === null ? {} : { outOfRangeShare: outOfRange, outOfRangeDrifted }),
    psi: storable(psi(preparation.sides, options)), details, drifted, nullRateDrifted,
    status: preparation.status,
    ...(preparation.statusDetail ? { statusDetail: preparation.statusDetail } : {}),
  };
}

/**
 * Share of the window's values below the reference's minimum or above its maximum. Seasons move
 * values within the range a year of history spans; a unit change, a sign flip or a scaling bug
 * moves them out of it, which whole-window statistics against learned seasonal thresholds see late.
 */
function outOfRangeShare(range: { min: number; max: number } | null, sortedCurrent: Float64Array): number {
  if (sortedCurrent.length === 0 || range === null) return 0;
  const below = countBelow(sortedCurrent, range.min);
  const above = sortedCurrent.length - countAtMost(sortedCurrent, range.max);
  return (below + above) / sortedCurrent.length;
}

function rangeOf(sortedReference: Float64Array): { min: number; max: number } | null {
  return sortedReference.length === 0 ? null : { min: sortedReference[0]!, max: sortedReference[sortedReference.length - 1]! };
}

/** JSON has no Infinity: an unbounded distance (PSI without smoothing over an empty bin) is stored as the largest double. */
function storable(score: number): number {
  return Number.isFinite(score) ? score : Math.sign(score) * Number.MAX_VALUE;
}

type Thresholds = Pick<FeatureDriftResult, 'threshold' | 'thresholdSource' | 'thresholdDetail' | 'effectSizeFloor' | 'effectSizeFloorSource'>;

/**
 * A distance's threshold: the feature's configured one, else a learned one (mean + k·std of the reference
 * chunk scores) when asked for and available, else the test's default. A p-value test keeps its significance
 * level and learns its effect-size floor instead, which never goes below the constant floor: the learned
 * floor says what is unusual for this data, the constant one what is too small to matter, and on a very
 * stable reference the learned floor alone would let a huge window alarm on a negligible shift.
 */
function chooseThresholds(
  profile: ReferenceProfile,
  spec: FeatureSpec,
  test: DriftTestName,
  reference: FeatureReference | undefined,
  options: DriftOptions,
): Thresholds {
  const configured = spec.drift?.threshold;
  const significance: Thresholds = configured !== undefined && configured !== null
    ? { threshold: configured, thresholdSource: 'config' }
    : { threshold: DRIFT_TESTS[test].defaultThreshold, thresholdSource: 'default' };
  const strategy = options.thresholds;
  const learned = strategy.strategy === 'reference_chunks' && reference ? learnedBound(reference, test, strategy.k) : null;
  const detail = strategy.strategy !== 'reference_chunks' || !reference ? undefined
    : learned === null ? notLearnedDetail(profile, test)
    : chunkSizeDetail(profile.chunking, options.monitoringWindow);
  const withDetail = detail === undefined ? {} : { thresholdDetail: detail };
  if (!isPValueTest(test)) {
    if (significance.thresholdSource === 'config') return significance;
    return learned === null ? { ...significance, ...withDetail } : { threshold: learned, thresholdSource: 'reference_chunks', ...withDetail };
  }
  const constantFloor = options.effectSizeFloor[test];
  if (learned === null || learned <= constantFloor) {
    return { ...significance, effectSizeFloor: constantFloor, effectSizeFloorSource: 'constant', ...withDetail };
  }
  return { ...significance, effectSizeFloor: learned, effectSizeFloorSource: 'reference_chunks', ...withDetail };
}

function notLearnedDetail(profile: ReferenceProfile, test: DriftTestName): string {
  const fallback = isPValueTest(test) ? 'the constant effect-size floor applies' : `the ${test} default threshold applies`;
  if (profile.formatVersion === 2 && isPValueTest(test)) {
    return `no learned effect-size floor: the reference profile (format 2) predates them; ${fallback}`;
  }
  return `no learned threshold: fewer than 2 reference chunks had enough values of the feature for ${test}; ${fallback}`;
}

/** Says when learned thresholds come from chunks of another size than the window checked. */
function chunkSizeDetail(chunking: ReferenceChunking | undefined, window: WindowSize | null): string | undefined {
  const rebuild = 'retrain to learn them from chunks the size of the monitoring window';
  if (chunking === undefined || chunking.kind === 'equal_count') {
    const chunks = chunking === undefined ? 'equal-count reference chunks (profile format 2)' : `${chunking.chunks} equal-count reference chunks`;
    return `learned from ${chunks}, not from window-sized ones; ${rebuild}`;
  }
  if (window === null) return undefined;
  const sameSize = chunking.kind === 'duration'
    ? window.kind === 'duration' && window.ms === chunking.ms
    : window.kind === 'rows' && window.rows === chunking.rows;
  return sameSize ? undefined : `learned from reference chunks of ${describeSize(chunking)}, but the window is ${describeSize(window)}; ${rebuild}`;
}

function describeSize(size: WindowSize): string {
  if (size.kind === 'rows') return `${size.rows} rows`;
  const days = size.ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d` : `${size.ms / 3_600_000}h`;
}

/** Configuration problems come first, then problems of the window as a whole, then of its values. */
function prepare(
  spec: FeatureSpec,
  test: DriftTestName,
  reference: FeatureReference | undefined,
  window: FeatureTable,
  column: ReadColumn<Float64Array> | ReadColumn<string[]> | null,
  options: DriftOptions,
  /** The column's values are sorted already. */
  sorted: boolean,
): Preparation {
  const feature = `feature '${spec.name}'`;
  const { kinds } = DRIFT_TESTS[test];
  if (!kinds.includes(spec.kind)) {
    return unmeasured('type_mismatch', `${feature} is ${spec.kind}, but test '${test}' only applies to ${kinds.join(' or ')} features`);
  }
  if (!reference) return unmeasured('missing_column', `${feature} is not in the reference profile`);
  if (reference.kind !== spec.kind) {
    return unmeasured('type_mismatch', `${feature} is ${spec.kind}, but the reference profile stores it as ${reference.kind}`);
  }
  if (window.rowCount === 0) return unmeasured('insufficient_data', `the window has no rows to test ${feature} on`);
  if (!column) return unmeasured('missing_column', `${feature} is absent from every row of the window`);
  const expected = spec.kind === 'numeric' ? 'finite numbers' : 'strings or numbers';
  if (column.invalidCount > 0) {
    const total = column.invalidCount + column.values.length;
    return unmeasured('type_mismatch',
      `${feature} expects ${expected}, but ${column.invalidCount} of ${total} non-null values are not, e.g. ${column.invalidExample}`);
  }
  if (column.values.length === 0) return unmeasured('all_null', `${feature} is null in every row of the window`);
  if (column.values.length < options.minRows) {
    return unmeasured('insufficient_data',
      `${feature} has ${column.values.length} non-null values in the window, fewer than the ${options.minRows} required`);
  }
  if (reference.count === 0) return unmeasured('insufficient_data', `the reference profile has no non-null values for ${feature}`);

  if (reference.kind === 'numeric') {
    // The reader's values are a fresh copy, so they are sorted where they are, unless the table brought them
    // sorted. The scores trust both sides to be sorted and finite (see NumericSides): the window's are by
    // construction, the stored reference's are checked here, once for every statistic computed from it.
    const current = sorted ? column.values as Float64Array : sortFloat64InPlace(column.values as Float64Array);
    const sides: Sides = { kind: 'numeric', reference: storedSortedValues(reference.sortedValues, feature), current, referenceStd: reference.std ?? 0 };
    const constant = constantSide(reference.min === reference.max, current[0] === current[current.length - 1], feature);
    return { measured: true, sides, status: constant ? 'constant' : 'ok', ...(constant ? { statusDetail: constant } : {}) };
  }
  const referenceCounts = new Map(Object.entries(reference.counts));
  const currentCounts = countCategories(column.values as string[]);
  const sides: Sides = { kind: 'categorical', reference: referenceCounts, current: currentCounts };
  const unseen = [...currentCounts.keys()].filter((category) => !referenceCounts.has(category));
  if (unseen.length === 0) return { measured: true, sides, status: 'ok' };
  const shown = unseen.slice(0, 5).map((c) => JSON.stringify(c)).join(', ');
  return {
    measured: true, sides, status: 'unseen_categories',
    statusDetail: `${feature} has ${unseen.length} categories the reference never had: ${shown}${unseen.length > 5 ? ', …' : ''}`,
  };
}

/** The reference profile's sorted values; a RangeError if they are empty, out of order, NaN or infinite. */
function storedSortedValues(stored: string | Float64Array, feature: string): Float64Array {
  const values = decodeFloat64(stored);
  const position = firstOutOfOrder(values);
  if (values.length === 0 || position >= 0) {
    const problem = values.length === 0 ? 'are empty' : `are not finite and sorted ascending (position ${position}: ${values[position]})`;
    throw new RangeError(`the reference profile's stored values for ${feature} ${problem}`);
  }
  return values;
}

function constantSide(referenceConstant: boolean, currentConstant: boolean, feature: string): string | null {
  if (referenceConstant && currentConstant) return `${feature} is constant in both the reference and the window`;
  if (referenceConstant) return `${feature} is constant in the reference`;
  if (currentConstant) return `${feature} is constant in the window`;
  return null;
}

function unmeasured(status: Unmeasured, statusDetail: string): Preparation {
  return { measured: false, status, statusDetail };
}
