/**
 * One drift check of a model: which rows it sees (the latest window, widened to late rows), what it
 * compares them with (the champion's training window, the same span one period earlier, or the
 * window before), the per-feature tests and the dataset verdict. Everything it reads or writes goes
 * through DriftCheckStore, so the logic is tested without PostgreSQL; the activity is an adapter.
 */
import type { ModelConfig, RetrainBackoff } from '../config';
import { buildReferenceProfile, compareToReference, correctPValueThresholds } from '../drift';
import type { FeatureDriftResult, FeatureReference, FeatureSpec, FeatureTable, ReferenceProfile } from '../drift';
import { columnOf } from '../drift/columns';
import { evaluateDatasetDrift } from '../policy/dataset-drift';
import type { DriftReportInput, ReferenceUsed, WrittenDriftReport } from '../store/drift-reports';
import type { FeatureWindow, StoredRow } from '../store/feature-store';
import type { DriftCheckResult } from '../../workflows/definitions';
import { CADENCE_SAMPLE_ROWS, estimateCadence, formatDurationCeil, windowAdvice } from './cadence';
import { ColumnSortPlan, warmSortWorker, WORKER_SORT_MIN_ROWS } from './column-sorter';
import { summariseFeatures } from './check-summary';
import { judgePerformance, measurePerformance, summarisePerformance, type PerformanceCheck, type PerformanceReference } from './performance';

/** The monitor's policy settings travel with each check, so the workflow never reads the config itself. */
export interface MonitorPolicy { blindAlertAfter: number; backoff: RetrainBackoff | null }

export type DriftComputation = Omit<DriftCheckResult, 'retrain'> & { retrainBlockedBy: string | null; policy: MonitorPolicy };

/** The reads and writes of one model's check; every read is pinned to the window's row-ID horizon. */
export interface DriftCheckStore {
  champion(): Promise<{ version: number; referenceProfile: ReferenceProfile } | null>;
  /** The stored reference values of a numeric feature (kept outside the JSON profile). */
  referenceValues(version: number, feature: string, stored: FeatureReference): Promise<FeatureReference>;
  latestWindow(): Promise<FeatureWindow | null>;
  /** The same horizon over another range: start exclusive, end inclusive. */
  windowBetween(start: Date, end: Date, asOfRowId: string): Promise<FeatureWindow>;
  /** The start (exclusive) of the `rows` rows before `before`. */
  startOfRowsBefore(before: string, asOfRowId: string, rows: number): Promise<Date>;
  latestCheck(): Promise<CheckedRows | null>;
  /** The report an earlier attempt of this check wrote, if any. */
  reportOfCheck(checkId: string): Promise<WrittenDriftReport | null>;
  lateRowsSince(previous: { asOfRowId: string; windowEnd: string }, asOfRowId: string): Promise<{ count: number; oldestEventTime: string | null }>;
  /**
   * The features' values over the window as columns (numeric ones may be Float64Arrays, NaN where a row has
   * none); a feature is in the table when any row's batch has it. In event-time order when `ordered`.
   */
  windowColumns(window: FeatureWindow, features: readonly string[], options: { ordered: boolean }): Promise<FeatureTable>;
  labelledRows(asOfRowId: string): Promise<number>;
  /** The newest labelled rows, as many as (or spanning) the monitoring window: labels may lag the features. */
  latestLabelledRows(asOfRowId: string): Promise<StoredRow[]>;
  performanceReference(version: number): Promise<PerformanceReference | null>;
  predict(version: number, rows: ReadonlyArray<Record<string, unknown>>): Promise<Float32Array>;
  newestEventTimes(limit: number): Promise<number[]>;
  /** The stored report: this one, or the one an earlier attempt of the same check stored first. */
  insertReport(report: DriftReportInput): Promise<WrittenDriftReport>;
  retrainBlocker(cooldownMs: number): Promise<string | null>;
}

export async function runDriftCheck(
  store: DriftCheckStore,
  config: ModelConfig,
  /**
   * checkId: the same in every attempt of one check and different for every other check (the monitor's
   * activity); without it (a direct call) no check is taken for a retry of another.
   */
  request: { source: string; checkedAt: string; checkId?: string },
  /** Window values (rows × features) read at once: features are read in groups that fit, at least one at a time. */
  windowValuesPerRead = WINDOW_VALUES_PER_READ,
): Promise<DriftComputation> {
  const modelName = config.model;
  const policy: MonitorPolicy = { blindAlertAfter: config.monitoring.blindAlertAfter, backoff: config.retrain.backoff };
  // An earlier attempt wrote the report, then its result was lost (a dropped connection, a payload too large,
  // Temporal unreachable): checking again would find these rows checked and say 'unchanged', and the drift
  // the report holds would never retrain nor alert. The retry answers with that report's verdict instead.
  const written = request.checkId === undefined ? null : await store.reportOfCheck(request.checkId);
  if (written) return resultOfReport(store, config, written, { checkedAt: written.createdAt, policy });
  const nothingChecked = {
    modelName, checkedAt: request.checkedAt, verdict: null, reportId: null, window: null, datasetDrift: false, driftedShare: 0,
    measuredShare: 0, labelledRows: 0, ...summariseFeatures([]), performance: null, retrainBlockedBy: null, policy,
  };
  const champion = await store.champion();
  if (!champion) {
    return { ...nothingChecked, outcome: 'no_champion', championVersion: null,
      reasons: [`no champion yet: start a bootstrap retrain of ${modelName} first`] };
  }
  const latest = await store.latestWindow();
  if (!latest || latest.rowCount === 0) {
    return { ...nothingChecked, outcome: 'no_data', championVersion: champion.version, reasons: ['no feature rows ingested yet'] };
  }
  const previous = await store.latestCheck();
  if (previous && coversRows(previous, latest, champion.version)) {
    const window = { start: latest.start, end: latest.end, rows: latest.rowCount, lateRows: 0 };
    const labelledRows = await store.labelledRows(latest.asOfRowId);
    return { ...nothingChecked, outcome: 'unchanged', championVersion: champion.version, reportId: previous.id, window, labelledRows,
      reasons: [`no row arrived since drift report #${previous.id}, which checked these rows against the same champion`] };
  }
  const { window, lateRows, lateNote } = await widenToLateRows(store, previous, latest);

  const { profile, used, referenceNote, learnedThresholds } = await chooseReference(store, config, champion, window);
  // A window-sized reference (seasonal, rolling) has a range of a few dozen values: another sample of
  // the same distribution falls outside it 2/(n+1) of the time (6% at 30 rows), so out-of-range is
  // measured against the champion's whole training window, as with the training reference: a unit
  // change leaves that range in its first window. Thresholds are learned only where the champion's
  // profile holds year-over-year chunk scores (seasonal); otherwise they are the tests' constant ones.
  const windowSized = used.mode !== 'training';
  const options = {
    ...config.drift,
    thresholds: learnedThresholds ? config.drift.thresholds : { strategy: 'constant' as const },
    ...(windowSized && { outOfRangeBounds: trainingRanges(champion.referenceProfile) }),
    minRows: config.monitoring.minRows,
    monitoringWindow: config.monitoring.window,
  };
  const perFeature: FeatureDriftResult[] = [];
  // Counted (a scan of the model's rows) while Node compares the features, when PostgreSQL has nothing else to do.
  let labelledRows: Promise<number> | null = null;
  const referenceOf = (spec: FeatureSpec): Promise<FeatureReference | undefined> => {
    const stored = Object.hasOwn(profile.features, spec.name) ? profile.features[spec.name]! : undefined;
    const reference = stored && used.mode === 'training' ? store.referenceValues(champion.version, spec.name, stored) : Promise.resolve(stored);
    // Awaited later; until then a failure must not count as unhandled.
    reference.catch(() => undefined);
    return reference;
  };
  // Every read scans the whole window, so features are read together, as many as fit in memory at once.
  for (const group of readGroups(config.features, window.rowCount, windowValuesPerRead)) {
    // A feature's reference values are read while the window (then the feature before) is: PostgreSQL works while Node decodes and compares.
    let nextReference = referenceOf(group[0]!);
    if (window.rowCount >= WORKER_SORT_MIN_ROWS) void warmSortWorker();
    const read = await store.windowColumns(window, group.map((spec) => spec.name), { ordered: needsRowOrder(group) });
    // Numeric columns are sorted by this thread and the sort worker at once, in the order they are compared.
    const sorting = new ColumnSortPlan(group.map((spec) => {
      const column = spec.kind === 'numeric' ? columnOf(read, spec.name) : undefined;
      return column instanceof Float64Array ? column : null;
    }));
    labelledRows ??= store.labelledRows(window.asOfRowId);
    // Awaited once the report is written; until then a failure must not count as unhandled.
    labelledRows.catch(() => undefined);
    for (const [index, spec] of group.entries()) {
      const reference = await nextReference;
      if (index + 1 < group.length) nextReference = referenceOf(group[index + 1]!);
      const column = columnOf(read, spec.name);
      const sorted = await sorting.sorted(index);
      // Dropped once compared: memory holds the columns still to compare, not the whole group to the end.
      delete read.columns[spec.name];
      // Nothing reads the column after its comparison, so it is compared (compacted and sorted) where it is.
      const table = {
        rowCount: window.rowCount, columns: column === undefined ? {} : { [spec.name]: column }, givenUp: true,
        ...(sorted && { sorted: { [spec.name]: sorted } }),
      };
      const featureProfile = { ...profile, features: reference ? { [spec.name]: reference } : {} };
      perFeature.push(...compareToReference(featureProfile, [spec], table, { ...options, correction: 'none' }));
      // A feature of a million rows takes tens of milliseconds: the worker's heartbeats and other activities run in between.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const results = correctPValueThresholds(perFeature, config.drift.correction);
  const featureVerdict = evaluateDatasetDrift(results, { ...config.driftRule, minMeasuredShare: config.monitoring.minMeasuredShare });
  const performance = config.performance ? await checkPerformance(store, config, champion.version, window.asOfRowId) : null;
  // A champion whose loss or calibration left its band has drifted, whatever the features say (a concept shift moves no feature).
  const verdict = performance?.status === 'degraded' ? 'drift' : featureVerdict.verdict;
  const reasons = [...featureVerdict.reasons];
  if (performance) reasons.push(performance.reason);
  if (lateNote) reasons.push(lateNote);
  if (referenceNote) reasons.push(referenceNote);
  if (verdict === 'not_measured') reasons.push(await blindnessFix(store, config));
  const report = await store.insertReport({
    modelName, championVersion: champion.version, windowStart: window.start, windowEnd: window.end, rowCount: window.rowCount,
    features: results, driftedShare: featureVerdict.driftedShare, datasetDrift: featureVerdict.datasetDrift, reasons, source: request.source,
    asOfRowId: window.asOfRowId, lateRows, verdict, measuredShare: featureVerdict.measuredShare, reference: used, performance,
    checkId: request.checkId ?? null,
  });
  // The report may be one an earlier attempt stored first, at another horizon: its rows are counted then.
  const labelledAtHorizon = labelledRows && report.asOfRowId === window.asOfRowId ? labelledRows : null;
  return resultOfReport(store, config, report, { checkedAt: request.checkedAt, policy, labelledRows: labelledAtHorizon });
}

/**
 * A check's result, from its report alone: the attempt that wrote the report and any retry of the same
 * check answer alike, so the monitor makes the same decision (the same retrain request) either way.
 * The labelled rows are counted up to the report's row horizon; the retrain blocker is asked now.
 */
async function resultOfReport(
  store: DriftCheckStore, config: ModelConfig, report: WrittenDriftReport,
  { checkedAt, policy, labelledRows = null }: { checkedAt: string; policy: MonitorPolicy; labelledRows?: Promise<number> | null },
): Promise<DriftComputation> {
  return {
    modelName: config.model, checkedAt, outcome: 'checked', verdict: report.verdict, reportId: report.id, championVersion: report.championVersion,
    window: { start: report.windowStart, end: report.windowEnd, rows: report.rowCount, lateRows: report.lateRows },
    datasetDrift: report.datasetDrift, driftedShare: report.driftedShare, measuredShare: report.measuredShare,
    labelledRows: await (labelledRows ?? store.labelledRows(report.asOfRowId)), ...summariseFeatures(report.features),
    performance: summarisePerformance(report.performance), reasons: report.reasons, policy,
    retrainBlockedBy: report.verdict === 'drift' ? await store.retrainBlocker(config.retrain.cooldownMs) : null,
  };
}

/** About 100 MB of window values as doubles: ten features of a million rows in one read. */
const WINDOW_VALUES_PER_READ = 12_000_000;

/**
 * Numeric statistics start by sorting the values, so they do not depend on the order rows are read in; categories
 * are counted in the order they first appear, which orders their listing and their sums, so they need the rows in order.
 */
function needsRowOrder(features: readonly FeatureSpec[]): boolean {
  return features.some((spec) => spec.kind === 'categorical');
}

/** Consecutive groups of features whose window columns together hold at most `values` values (at least one feature each). */
function readGroups(features: readonly FeatureSpec[], rows: number, values: number): FeatureSpec[][] {
  const perGroup = Math.max(1, Math.floor(values / Math.max(1, rows)));
  const groups: FeatureSpec[][] = [];
  for (let first = 0; first < features.length; first += perGroup) groups.push(features.slice(first, first + perGroup));
  return groups;
}

/** The champion on the newest labelled rows, against the band learned when it was evaluated. */
async function checkPerformance(
  store: DriftCheckStore, config: ModelConfig, championVersion: number, asOfRowId: string,
): Promise<PerformanceCheck> {
  const reference = await store.performanceReference(championVersion);
  const rows = reference ? await store.latestLabelledRows(asOfRowId) : [];
  const check = await judgePerformance(config.task, reference, rows.length, config.monitoring.minRows, async () => measurePerformance({
    task: config.task,
    labels: rows.map((r) => r.label as number),
    predictions: await store.predict(championVersion, rows.map((r) => r.features)),
  }));
  if (check.status !== 'degraded' || config.performance?.calibration !== false || check.degraded.includes('loss')) return check;
  // Calibration is switched off and was all that degraded: reported, not acted on.
  return { ...check, status: 'ok', degraded: [], reason: `${check.reason} (monitoring the calibration is off: performance.calibration)` };
}

/** The numeric features' [min, max] over the champion's training window. */
function trainingRanges(profile: ReferenceProfile): Record<string, { min: number; max: number }> {
  // fromEntries defines own properties, so a feature named '__proto__' is a key like any other.
  return Object.fromEntries(Object.entries(profile.features).flatMap(([name, reference]) =>
    reference.kind === 'numeric' && reference.min !== null && reference.max !== null ? [[name, { min: reference.min, max: reference.max }]] : []));
}

/** What the newest report saw: its rows are the ones up to its horizon inside its window. */
export interface CheckedRows { id: number; championVersion: number; windowStart: string; windowEnd: string; asOfRowId: string }

/**
 * A check's identity is the set of rows it saw: nothing new to check when no row arrived since the
 * last report (same horizon), that report's window held today's, and the champion is the same.
 */
function coversRows(previous: CheckedRows, latest: FeatureWindow, championVersion: number): boolean {
  return previous.championVersion === championVersion && previous.asOfRowId === latest.asOfRowId
    && Date.parse(previous.windowStart) <= Date.parse(latest.start) && Date.parse(previous.windowEnd) >= Date.parse(latest.end);
}

/**
 * Rows that arrived since the last check with an event time it had already covered were never
 * tested: the window reaches back to the oldest of them, so this check sees every one.
 */
async function widenToLateRows(
  store: DriftCheckStore, previous: CheckedRows | null, latest: FeatureWindow,
): Promise<{ window: FeatureWindow; lateRows: number; lateNote: string | null }> {
  if (!previous) return { window: latest, lateRows: 0, lateNote: null };
  const late = await store.lateRowsSince(previous, latest.asOfRowId);
  if (late.count === 0 || late.oldestEventTime === null) return { window: latest, lateRows: 0, lateNote: null };
  const oldest = new Date(late.oldestEventTime);
  const window = oldest.getTime() > Date.parse(latest.start)
    ? latest
    : await store.windowBetween(new Date(oldest.getTime() - 1), new Date(latest.end), latest.asOfRowId);
  const widened = window === latest ? '' : `; the window reaches back to ${window.start} to include them`;
  return {
    window,
    lateRows: late.count,
    lateNote: `${late.count} late row${late.count === 1 ? '' : 's'} (event time up to ${previous.windowEnd}, `
      + `arrived after drift report #${previous.id})${widened}`,
  };
}

/**
 * The reference of the configured mode (auto: seasonal when the champion learned year-over-year
 * thresholds for the configured period, training otherwise). Seasonal and rolling references are read
 * at check time and are window-sized. A seasonal one uses thresholds learned year over year when the champion's profile
 * has them for this period (each window-sized chunk of its training window against the same span one
 * period earlier); rolling ones, and seasonal ones without them, use the tests' constant thresholds
 * (the champion's training-window thresholds measure how a window differs from a whole period, far
 * more than from the same season). With too few rows (no history one period back yet) the check falls
 * back to the training window and says so.
 */
async function chooseReference(
  store: DriftCheckStore,
  config: ModelConfig,
  champion: { version: number; referenceProfile: ReferenceProfile },
  window: FeatureWindow,
): Promise<{ profile: ReferenceProfile; used: ReferenceUsed; referenceNote: string | null; learnedThresholds: boolean }> {
  const learnsFromChunks = config.drift.thresholds.strategy === 'reference_chunks';
  const training = { profile: champion.referenceProfile, used: { mode: 'training' as const, rows: champion.referenceProfile.rowCount }, learnedThresholds: learnsFromChunks };
  const seasonal = champion.referenceProfile.seasonal;
  const hasYearOverYear = learnsFromChunks && seasonal?.periodMs === config.reference.periodMs;
  // auto: the seasonal reference where its thresholds could be learned, which is where it beats the training window.
  const mode = config.reference.mode === 'auto' ? (hasYearOverYear ? 'seasonal' : 'training') : config.reference.mode;
  if (mode === 'training') return { ...training, referenceNote: null };
  const span = await referenceSpan(store, config, mode, window);
  const table = await store.windowColumns(span, config.features.map((f) => f.name), { ordered: needsRowOrder(config.features) });
  const used: ReferenceUsed = { mode, start: span.start, end: span.end, rows: table.rowCount };
  if (table.rowCount < config.monitoring.minRows) {
    return {
      ...training,
      referenceNote: `the ${mode} reference (${span.start} → ${span.end}) has ${table.rowCount} rows, fewer than monitoring.minRows `
        + `${config.monitoring.minRows}: compared with the champion's training window instead`,
    };
  }
  const fresh = buildReferenceProfile(config.features, table, {
    sampleLimit: config.drift.referenceSampleLimit, binning: config.drift.binning, smoothing: config.drift.smoothing, chunks: 0,
  });
  if (mode !== 'seasonal' || !learnsFromChunks) return { profile: fresh, used, referenceNote: null, learnedThresholds: false };
  if (!seasonal || !hasYearOverYear) {
    return {
      profile: fresh, used, learnedThresholds: false,
      referenceNote: `constant thresholds: champion v${champion.version}'s training window holds no year-over-year chunks for a period of `
        + `${formatDurationCeil(config.reference.periodMs)} (it needs retrain.trainingWindow of at least one period plus a window, and a retrain after reference.mode became seasonal)`,
    };
  }
  // The year-over-year scores stand in for the fresh profile's (empty) chunk scores, so the usual learned thresholds apply.
  const features = Object.fromEntries(Object.entries(fresh.features).map(([name, reference]) => [name, { ...reference, ...seasonal.features[name] }]));
  return {
    profile: { ...fresh, features, chunking: champion.referenceProfile.chunking, chunkCount: seasonal.chunkCount },
    used, learnedThresholds: true,
    referenceNote: `thresholds learned year over year: ${seasonal.chunkCount} window-sized chunks of champion v${champion.version}'s training window, each against the same span one period earlier`,
  };
}

async function referenceSpan(
  store: DriftCheckStore, config: ModelConfig, mode: 'seasonal' | 'rolling', window: FeatureWindow,
): Promise<FeatureWindow> {
  const start = new Date(window.start);
  const end = new Date(window.end);
  if (mode === 'seasonal') {
    const { periodMs } = config.reference;
    return store.windowBetween(new Date(start.getTime() - periodMs), new Date(end.getTime() - periodMs), window.asOfRowId);
  }
  const spec = config.monitoring.window;
  const rollingStart = spec.kind === 'duration'
    ? new Date(start.getTime() - spec.ms)
    : await store.startOfRowsBefore(window.start, window.asOfRowId, spec.rows);
  return store.windowBetween(rollingStart, start, window.asOfRowId);
}

/** What to change when a check could not see: the cadence-based window advice, or the features' own problems. */
async function blindnessFix(store: DriftCheckStore, config: ModelConfig): Promise<string> {
  const cadence = estimateCadence(await store.newestEventTimes(CADENCE_SAMPLE_ROWS));
  const advice = cadence ? windowAdvice(config.monitoring.window, config.monitoring.minRows, cadence) : null;
  if (advice) return `fix: ${advice.message}`;
  return 'fix: the features above were not tested; see their statuses (a missing column, all nulls or wrong types need the feed fixed; '
    + 'too few values need a longer monitoring.window or a lower monitoring.minRows)';
}
