/**
 * Realized performance (NannyML's name): how the champion does on the labelled rows of a monitoring
 * window, against how it did on window-sized chunks of its own data. Feature tests cannot see a shift
 * of P(y|x) (a concept shift) or a label rate the features do not explain; the model's loss and its
 * calibration on arriving labels can. Pure: the drift check and the evaluation feed it predictions.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { Task } from '../metrics';
import { scorePredictions, widenClassProbabilities } from '../metrics';
import { referenceChunks } from '../drift/reference-profile';
import { formatDurationCeil } from './cadence';

/** The primary loss of a task, the same one promotion ranks by: lower is better. */
export type PerformanceMetric = 'log_loss' | 'rmse';

export function performanceMetric(task: Task): PerformanceMetric {
  return task === 'regression' ? 'rmse' : 'log_loss';
}

/** mean ± k·std of a statistic over the reference chunks. */
export interface LearnedBand { mean: number; std: number; lower: number; upper: number }

/**
 * Learned when a version is evaluated, from window-sized chunks of its training and holdout rows in
 * event-time order, so the chunk-to-chunk spread holds the seasons and the sampling noise of a window.
 * The training rows are in-sample, so the band sits a little low for a model that overfits: that
 * errs towards alarming, never towards a blind monitor.
 */
export interface PerformanceReference {
  metric: PerformanceMetric;
  /** Mean rows per chunk, and how the chunks were cut (the window's rows or its span of event time). */
  chunkRows: number;
  chunking: string;
  chunks: number;
  k: number;
  loss: LearnedBand;
  /** Binary classification only: mean label − mean predicted probability (calibration in the large). */
  calibration: LearnedBand | null;
}

export interface PerformanceSample {
  task: Task;
  labels: ArrayLike<number>;
  /** As `predict` returns them: one probability per row (binary), K per row (multiclass), or values. */
  predictions: Float32Array;
}

/**
 * Rows for fewer than this many side-by-side chunks give a spread that says nothing (overlapping
 * chunks of a short reference share most of their rows, so they barely differ): no reference then.
 * Four lets a year of daily rows with the default 90-row window learn one.
 */
const MIN_SIDE_BY_SIDE_CHUNKS = 4;

/**
 * The reference of a version scored on its rows (in event-time order), or null when the rows hold
 * fewer than four windows. `scoreRows` is called once per run of rows the chunks cover (overlapping
 * chunks make one run), so the model is loaded once, not once per chunk, and a large training window
 * costs at most maxChunks × chunk rows predictions.
 */
export async function learnPerformanceReference(
  task: Task,
  rowCount: number,
  /** The monitoring window's size: a number of rows, or a span of event time over the rows' times. */
  chunking: { chunkRows: number } | { chunkMs: number; eventTimesMs: ArrayLike<number> },
  settings: { k: number; minRows: number },
  scoreRows: (start: number, end: number) => Promise<PerformanceSample>,
): Promise<PerformanceReference | null> {
  const { ranges, chunking: used } = referenceChunks(rowCount, chunking, settings.minRows);
  if (ranges.length === 0) return null;
  const chunkRows = ranges.reduce((sum, r) => sum + r.end - r.start, 0) / ranges.length;
  if (rowCount / chunkRows < MIN_SIDE_BY_SIDE_CHUNKS) return null;
  const runs: Array<{ start: number; end: number; sample?: PerformanceSample }> = [];
  for (const range of ranges) {
    const last = runs.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else runs.push({ ...range });
  }
  for (const run of runs) run.sample = await scoreRows(run.start, run.end);
  const losses: number[] = [];
  const biases: number[] = [];
  for (const range of ranges) {
    const run = runs.find((r) => range.start >= r.start && range.end <= r.end)!;
    const measured = measurePerformance(sliceSample(run.sample!, range.start - run.start, range.end - run.start));
    losses.push(measured.loss);
    if (measured.calibration !== null) biases.push(measured.calibration);
  }
  const { k } = settings;
  return {
    metric: performanceMetric(task),
    chunkRows: Math.round(chunkRows),
    chunking: used.kind === 'duration' ? `${formatDurationCeil(used.ms)} of event time` : `${ranges[0]!.end - ranges[0]!.start} rows`,
    chunks: ranges.length,
    k,
    loss: band(losses, k),
    calibration: task === 'binary_classification' ? band(biases, k) : null,
  };
}

export interface MeasuredPerformance { loss: number; calibration: number | null }

export function measurePerformance({ task, labels, predictions }: PerformanceSample): MeasuredPerformance {
  const rows = labels.length;
  let scored = predictions;
  if (task === 'multiclass_classification') {
    // A class the model never saw has probability 0 for it (its loss is then large, as it should be).
    const known = predictions.length / rows;
    let needed = known;
    for (let i = 0; i < rows; i++) needed = Math.max(needed, labels[i]! + 1);
    if (needed > known) scored = widenClassProbabilities(predictions, rows, needed);
  }
  const scores = scorePredictions(task, labels, scored);
  const loss = scores[performanceMetric(task)]!;
  if (task !== 'binary_classification') return { loss, calibration: null };
  let labelSum = 0;
  let predictedSum = 0;
  for (let i = 0; i < rows; i++) {
    labelSum += labels[i]!;
    predictedSum += predictions[i]!;
  }
  return { loss, calibration: (labelSum - predictedSum) / rows };
}

export type PerformanceStatus = 'ok' | 'degraded' | 'insufficient_labels' | 'no_reference';

export interface PerformanceCheck {
  status: PerformanceStatus;
  metric: PerformanceMetric;
  /** Labelled rows of the window the champion was scored on. */
  labelledRows: number;
  loss: number | null;
  calibration: number | null;
  reference: PerformanceReference | null;
  /** The edges this window was held to: the reference's, widened for a window with fewer labelled rows than its chunks. */
  lossUpper: number | null;
  calibrationBand: [number, number] | null;
  /** What degraded: the loss above its band, the calibration outside its band. */
  degraded: Array<'loss' | 'calibration'>;
  reason: string;
}

/** What a check result (and so workflow history) carries: everything but the learned reference. */
export type PerformanceSummary = Omit<PerformanceCheck, 'reference'>;

export function summarisePerformance(check: PerformanceCheck | null): PerformanceSummary | null {
  if (!check) return null;
  const { reference: _reference, ...summary } = check;
  return summary;
}

/**
 * Degraded when the window's loss is above the band's upper edge, or (binary) its calibration is
 * outside its band on either side: more positives than predicted is as wrong as fewer. A window
 * with fewer labelled rows than the reference's chunks (labels still arriving) is noisier, so its
 * bands widen by √(chunk rows / labelled rows); they never narrow.
 */
export async function judgePerformance(
  task: Task,
  reference: PerformanceReference | null,
  labelledRows: number,
  minRows: number,
  measure: () => Promise<MeasuredPerformance>,
): Promise<PerformanceCheck> {
  const metric = performanceMetric(task);
  const base = { metric, labelledRows, loss: null, calibration: null, reference, lossUpper: null, calibrationBand: null, degraded: [] };
  if (reference === null) {
    return { ...base, status: 'no_reference',
      reason: 'performance not checked: the champion has no performance reference (it was evaluated before driftwatch learned one, or on too few rows); the next retrain learns it' };
  }
  if (labelledRows < minRows) {
    return { ...base, status: 'insufficient_labels',
      reason: `performance not checked: ${labelledRows} labelled rows in the window, fewer than monitoring.minRows ${minRows}` };
  }
  const measured = await measure();
  const widening = Math.max(1, Math.sqrt(reference.chunkRows / labelledRows));
  const edge = (learned: LearnedBand, sign: 1 | -1) => learned.mean + sign * reference.k * learned.std * widening;
  const lossUpper = edge(reference.loss, 1);
  const calibrationBand: [number, number] | null = reference.calibration ? [edge(reference.calibration, -1), edge(reference.calibration, 1)] : null;
  const degraded: PerformanceCheck['degraded'] = [];
  if (measured.loss > lossUpper) degraded.push('loss');
  const parts = [`${metric} ${format(measured.loss)} on ${labelledRows} labelled rows (reference at most ${format(lossUpper)}: ${describeBand(reference.loss, reference)})`];
  if (measured.calibration !== null && calibrationBand && reference.calibration) {
    if (measured.calibration < calibrationBand[0] || measured.calibration > calibrationBand[1]) degraded.push('calibration');
    parts.push(`label rate − predicted rate ${signed(measured.calibration)} `
      + `(reference ${signed(calibrationBand[0])} … ${signed(calibrationBand[1])}: ${describeBand(reference.calibration, reference)})`);
  }
  if (widening > 1) parts.push(`bands widened ×${widening.toFixed(2)}: ${labelledRows} labelled rows against chunks of ${reference.chunkRows}`);
  return {
    ...base, status: degraded.length > 0 ? 'degraded' : 'ok', loss: measured.loss, calibration: measured.calibration,
    lossUpper, calibrationBand, degraded,
    reason: `${degraded.length > 0 ? `performance degraded (${degraded.join(' and ')})` : 'performance ok'}: ${parts.join('; ')}`,
  };
}

/** Rows `from` to `to` (exclusive) of a sample; a multiclass row holds K predictions. */
function sliceSample({ task, labels, predictions }: PerformanceSample, from: number, to: number): PerformanceSample {
  const perRow = predictions.length / labels.length;
  return { task, labels: Array.prototype.slice.call(labels, from, to) as number[], predictions: predictions.subarray(from * perRow, to * perRow) };
}

function band(values: number[], k: number): LearnedBand {
  const center = mean(values);
  const spread = values.length > 1 ? sampleStandardDeviation(values) : 0;
  return { mean: center, std: spread, lower: center - k * spread, upper: center + k * spread };
}

function describeBand(learned: LearnedBand, reference: PerformanceReference): string {
  return `mean ${format(learned.mean)} ± ${reference.k}·${format(learned.std)} over ${reference.chunks} chunks of ${reference.chunking}`;
}

const format = (value: number): string => value.toFixed(3);
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;
