/**
 * The quality gate: whether a freshly trained challenger learnt anything before the promotion rule
 * compares it with the champion. Pure and deterministic, so the retrain workflow decides it itself and
 * the decision is part of its history. The activity that scores the challenger summarises its
 * predictions and the holdout labels with the two summarise functions (small JSON, not the rows).
 */
import { higherIsBetter, METRICS_BY_TASK, type MetricName, type Task } from '../metrics';
import type { ModelMetrics } from './promotion';

/**
 * How much worse than the linear baseline the challenger may score on the primary metric, relative to
 * the baseline's score (0.25: at most 25% higher log loss or RMSE). Relative so that one default fits
 * log loss in nats and RMSE in any label unit. The gate is for broken challengers, not weaker ones:
 * the broken challengers (ROC AUC under 0.6 where a logistic regression reached 0.88) were
 * 40-60% worse in log loss, while a sound MLP tuned with a few trials on a few hundred rows of
 * near-linear data measured 16% worse than the logistic regression in our integration tests; whether
 * a weaker challenger replaces the champion is the promotion rule's call.
 */
export const DEFAULT_BASELINE_TOLERANCE = 0.25;

/** Probabilities (or values, relative to the label spread) that vary less than this across rows are constant. */
export const CONSTANT_PREDICTION_SPREAD = 1e-6;

/**
 * A model whose most probable class is the same for every row fails only when another class makes up
 * at least this share of the holdout: on heavily imbalanced data a good ranker may never put a minority
 * row above 0.5, and its AUC and log loss judge it instead.
 */
export const CONSTANT_CLASS_MIN_OTHER_SHARE = 0.2;

// scorePredictions' threshold: a binary prediction is class 1 when P(class 1) ≥ 0.5.
const BINARY_THRESHOLD = 0.5;

export type PredictionSummary =
  | {
      kind: 'classes';
      rows: number;
      /** How many rows each class is the most probable for (index = class; ties to the lower class). */
      predictedClassCounts: number[];
      /** The largest, over classes, of max − min of that class's probability across rows; 0 for constant predictions. */
      probabilitySpread: number;
    }
  | { kind: 'values'; rows: number; min: number; max: number; std: number };

export type LabelSummary =
  | { kind: 'classes'; rows: number; classCounts: number[] }
  | { kind: 'values'; rows: number; std: number };

export interface QualityGateRule {
  /** See DEFAULT_BASELINE_TOLERANCE. */
  baselineTolerance: number;
}

export interface QualityGateInput {
  task: Task;
  /** log_loss for classification, rmse for regression. */
  primaryMetric: MetricName;
  /** All scored on the same holdout rows. Undefined metrics may arrive as null or NaN (JSON turns NaN into null). */
  challenger: MetricScores;
  baselines: { linear: MetricScores; prior: MetricScores };
  predictions: PredictionSummary;
  holdoutLabels: LabelSummary;
  rule: QualityGateRule;
}

/** ModelMetrics as they may arrive through JSON. */
export type MetricScores = ModelMetrics | Partial<Record<MetricName, number | null>>;

export type QualityCheckName = 'beats_prior' | 'near_linear_baseline' | 'not_constant' | 'better_than_chance';

export interface QualityCheck {
  name: QualityCheckName;
  /** False only for 'failed'. */
  passed: boolean;
  /** 'not_applicable': the holdout cannot show the failure (one class only, constant labels); detail says why. */
  outcome: 'passed' | 'failed' | 'not_applicable';
  /** The numbers the check compared. */
  detail: string;
}

export interface QualityGateResult {
  passed: boolean;
  checks: QualityCheck[];
  /** The details of the failed checks. */
  reasons: string[];
}

/** Binary: P(class 1) per row; multiclass: K probabilities per row, row-major; regression: values. */
export function summarisePredictions(task: Task, predictions: ArrayLike<number>, rowCount: number): PredictionSummary {
  if (!(Number.isInteger(rowCount) && rowCount >= 0)) throw new RangeError(`rowCount must be an integer >= 0, got ${rowCount}`);
  if (task === 'regression') {
    if (predictions.length !== rowCount) throw new RangeError(`${predictions.length} predictions for ${rowCount} rows`);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let i = 0; i < rowCount; i++) {
      min = Math.min(min, predictions[i]!);
      max = Math.max(max, predictions[i]!);
      sum += predictions[i]!;
    }
    const mean = sum / rowCount;
    let squares = 0;
    for (let i = 0; i < rowCount; i++) squares += (predictions[i]! - mean) ** 2;
    return rowCount === 0 ? { kind: 'values', rows: 0, min: 0, max: 0, std: 0 } : { kind: 'values', rows: rowCount, min, max, std: Math.sqrt(squares / rowCount) };
  }
  const columns = task === 'binary_classification' ? 1 : rowCount === 0 ? 0 : predictions.length / rowCount;
  if (task === 'binary_classification' ? predictions.length !== rowCount : !(Number.isInteger(columns) && (columns >= 2 || rowCount === 0))) {
    throw new RangeError(`${predictions.length} predictions do not fit ${rowCount} rows of ${task}`);
  }
  const classCount = task === 'binary_classification' ? 2 : columns;
  const predictedClassCounts = new Array<number>(classCount).fill(0);
  const minimum = new Array<number>(columns).fill(Number.POSITIVE_INFINITY);
  const maximum = new Array<number>(columns).fill(Number.NEGATIVE_INFINITY);
  for (let row = 0; row < rowCount; row++) {
    let predicted = 0;
    for (let k = 0; k < columns; k++) {
      const p = predictions[row * columns + k]!;
      minimum[k] = Math.min(minimum[k]!, p);
      maximum[k] = Math.max(maximum[k]!, p);
      if (columns > 1 && p > predictions[row * columns + predicted]!) predicted = k;
    }
    if (columns === 1) predicted = predictions[row]! >= BINARY_THRESHOLD ? 1 : 0;
    predictedClassCounts[predicted]! += 1;
  }
  const probabilitySpread = rowCount === 0 ? 0 : Math.max(...maximum.map((max, k) => max - minimum[k]!));
  return { kind: 'classes', rows: rowCount, predictedClassCounts, probabilitySpread };
}

/** Class counts (K = classCount, default the largest label + 1; at least 2 for binary) or the label spread. */
export function summariseLabels(task: Task, labels: ArrayLike<number>, classCount?: number): LabelSummary {
  if (task === 'regression') {
    let sum = 0;
    for (let i = 0; i < labels.length; i++) sum += labels[i]!;
    const mean = sum / labels.length;
    let squares = 0;
    for (let i = 0; i < labels.length; i++) squares += (labels[i]! - mean) ** 2;
    return { kind: 'values', rows: labels.length, std: labels.length === 0 ? 0 : Math.sqrt(squares / labels.length) };
  }
  let largest = task === 'binary_classification' ? 1 : 0;
  for (let i = 0; i < labels.length; i++) {
    if (!(Number.isInteger(labels[i]) && labels[i]! >= 0)) throw new RangeError(`class labels must be 0, 1, 2, ..., got ${labels[i]} at index ${i}`);
    largest = Math.max(largest, labels[i]!);
  }
  const classCounts = new Array<number>(Math.max(classCount ?? 0, largest + 1)).fill(0);
  for (let i = 0; i < labels.length; i++) classCounts[labels[i]!]! += 1;
  return { kind: 'classes', rows: labels.length, classCounts };
}

/**
 * Fails a challenger that does not beat the prior on the primary metric, is worse than the linear
 * baseline by more than the tolerance, predicts a constant (see CONSTANT_PREDICTION_SPREAD and
 * CONSTANT_CLASS_MIN_OTHER_SHARE), or ranks no better than chance (ROC AUC ≤ 0.5). An undefined metric
 * fails its check, unless the holdout itself makes the check meaningless (then 'not_applicable').
 */
export function checkQualityGate(input: QualityGateInput): QualityGateResult {
  const { task, primaryMetric, rule } = input;
  if (!METRICS_BY_TASK[task].includes(primaryMetric)) {
    throw new RangeError(`primary metric ${primaryMetric} is not a metric of ${task} (${METRICS_BY_TASK[task].join(', ')})`);
  }
  if (!(rule.baselineTolerance >= 0 && Number.isFinite(rule.baselineTolerance))) {
    throw new RangeError(`baselineTolerance must be a finite number >= 0, got ${rule.baselineTolerance}`);
  }
  const expectedKind = task === 'regression' ? 'values' : 'classes';
  if (input.predictions.kind !== expectedKind || input.holdoutLabels.kind !== expectedKind) {
    throw new RangeError(`${task} needs '${expectedKind}' summaries of predictions and labels`);
  }
  const checks: QualityCheck[] = [
    comparedWithBaseline('beats_prior', input, input.baselines.prior, 0),
    comparedWithBaseline('near_linear_baseline', input, input.baselines.linear, rule.baselineTolerance),
    notConstant(input.predictions, input.holdoutLabels),
  ];
  if (task !== 'regression') checks.push(betterThanChance(input.challenger, input.holdoutLabels));
  const reasons = checks.filter((check) => !check.passed).map((check) => check.detail);
  return { passed: reasons.length === 0, checks, reasons };
}

export interface LinearFallbackInput {
  challengerVersion: number;
  /** log_loss for classification, rmse for regression, as for the gate. */
  primaryMetric: MetricName;
  challenger: MetricScores;
  linearBaseline: MetricScores;
  /** The challenger's gate. */
  qualityGate: QualityGateResult;
}

/**
 * Why the linear baseline should be evaluated in place of the challenger, or null when the challenger
 * stands: it scores worse than the baseline on the primary metric by any amount (the tolerance only
 * tells broken from weaker; a weaker challenger still leaves the baseline the better candidate), or it
 * fails the gate.
 */
export function linearFallbackReason(input: LinearFallbackInput): string | null {
  const { primaryMetric: metric, qualityGate } = input;
  const ours = definedScore(input.challenger, metric);
  const theirs = definedScore(input.linearBaseline, metric);
  const below = ours !== undefined && theirs !== undefined && (higherIsBetter(metric) ? ours < theirs : ours > theirs);
  if (!below && qualityGate.passed) return null;
  const findings = [
    below && `scored below the linear baseline on ${metric} (${formatNumber(ours!)} vs ${formatNumber(theirs!)})`,
    !qualityGate.passed && `failed the quality gate (${qualityGate.reasons.join('; ')})`,
  ].filter(Boolean);
  return `challenger v${input.challengerVersion} ${findings.join(' and ')}: the linear baseline was evaluated in its place`;
}

/**
 * tolerance 0: the challenger must be strictly better than the baseline. tolerance > 0: it may be worse
 * by up to tolerance × |baseline score|.
 */
function comparedWithBaseline(
  name: 'beats_prior' | 'near_linear_baseline',
  { primaryMetric: metric, challenger }: QualityGateInput,
  baseline: MetricScores,
  tolerance: number,
): QualityCheck {
  const baselineName = name === 'beats_prior' ? 'prior baseline' : 'linear baseline';
  const ours = definedScore(challenger, metric);
  const theirs = definedScore(baseline, metric);
  if (ours === undefined || theirs === undefined) {
    const missing = [ours === undefined && 'the challenger', theirs === undefined && `the ${baselineName}`].filter(Boolean).join(' and ');
    return failed(name, `${metric} is undefined for ${missing}; cannot compare with the ${baselineName}`);
  }
  // Positive: the challenger is better, in the metric's units.
  const advantage = higherIsBetter(metric) ? ours - theirs : theirs - ours;
  const relative = theirs === 0 ? (advantage === 0 ? 0 : Math.sign(advantage) * Number.POSITIVE_INFINITY) : advantage / Math.abs(theirs);
  const comparison = `${metric} ${formatNumber(ours)} vs ${baselineName} ${formatNumber(theirs)} (${describeRelative(relative)})`;
  if (tolerance === 0) {
    return advantage > 0 ? passed(name, comparison) : failed(name, `does not beat the ${baselineName}: ${comparison}`);
  }
  const allowed = tolerance * Math.abs(theirs);
  const withTolerance = `${comparison}; tolerance ${formatPercent(tolerance)} worse`;
  return advantage >= -allowed ? passed(name, withTolerance) : failed(name, `worse than the ${baselineName} beyond tolerance: ${withTolerance}`);
}

function notConstant(predictions: PredictionSummary, labels: LabelSummary): QualityCheck {
  const name = 'not_constant';
  if (predictions.kind === 'values' || labels.kind === 'values') {
    const labelStd = labels.kind === 'values' ? labels.std : 0;
    const predictionStd = predictions.kind === 'values' ? predictions.std : 0;
    const spread = `prediction std ${formatNumber(predictionStd)}, holdout label std ${formatNumber(labelStd)}`;
    if (!(labelStd > 0)) return notApplicable(name, `holdout labels are constant (${spread})`);
    return predictionStd > CONSTANT_PREDICTION_SPREAD * labelStd ? passed(name, spread) : failed(name, `predicts a constant value: ${spread}`);
  }
  const composition = describeClasses(labels.classCounts, labels.rows);
  const holdoutClasses = labels.classCounts.filter((count) => count > 0).length;
  if (holdoutClasses < 2) return notApplicable(name, `holdout holds one class only (${composition})`);
  const spread = `probability spread ${formatNumber(predictions.probabilitySpread)}`;
  const predictedClasses = predictions.predictedClassCounts.flatMap((count, k) => (count > 0 ? [k] : []));
  const predicted = `predicted classes ${describeClasses(predictions.predictedClassCounts, predictions.rows)}`;
  if (!(predictions.probabilitySpread > CONSTANT_PREDICTION_SPREAD)) {
    return failed(name, `predicts the same probabilities for every row (${spread}) while the holdout holds ${composition}`);
  }
  if (predictedClasses.length === 1) {
    const only = predictedClasses[0]!;
    const others = labels.classCounts.flatMap((count, k) =>
      k !== only && count / labels.rows >= CONSTANT_CLASS_MIN_OTHER_SHARE ? [`class ${k} (${formatPercent(count / labels.rows)})`] : [],
    );
    if (others.length > 0) {
      return failed(
        name,
        `predicts class ${only} for all ${predictions.rows} rows while ${others.join(', ')} ` +
          `${others.length === 1 ? 'makes' : 'make'} up at least ${formatPercent(CONSTANT_CLASS_MIN_OTHER_SHARE)} of the holdout (${composition}; ${spread})`,
      );
    }
  }
  return passed(name, `${predicted}; ${spread}; holdout ${composition}`);
}

function betterThanChance(challenger: MetricScores, labels: LabelSummary): QualityCheck {
  const name = 'better_than_chance';
  const auc = definedScore(challenger, 'roc_auc');
  if (auc === undefined) {
    const absent = labels.kind === 'classes' ? labels.classCounts.flatMap((count, k) => (count === 0 ? [k] : [])) : [];
    return absent.length > 0
      ? notApplicable(name, `roc_auc is undefined: the holdout has no rows of class ${absent.join(', ')}`)
      : failed(name, 'roc_auc is undefined although the holdout holds every class');
  }
  const detail = `roc_auc ${formatNumber(auc)} (chance 0.5)`;
  return auc > 0.5 ? passed(name, detail) : failed(name, `ranks no better than chance: ${detail}`);
}

function definedScore(scores: MetricScores, metric: MetricName): number | undefined {
  const score = scores[metric];
  return typeof score === 'number' && Number.isFinite(score) ? score : undefined;
}

function passed(name: QualityCheckName, detail: string): QualityCheck {
  return { name, passed: true, outcome: 'passed', detail };
}

function failed(name: QualityCheckName, detail: string): QualityCheck {
  return { name, passed: false, outcome: 'failed', detail };
}

function notApplicable(name: QualityCheckName, detail: string): QualityCheck {
  return { name, passed: true, outcome: 'not_applicable', detail };
}

function describeClasses(counts: number[], rows: number): string {
  return counts.flatMap((count, k) => (count > 0 ? [`${k}: ${count} (${formatPercent(count / rows)})`] : [])).join(', ') || 'no rows';
}

function describeRelative(relative: number): string {
  if (relative === 0) return 'equal';
  return `${formatPercent(Math.abs(relative))} ${relative > 0 ? 'better' : 'worse'}`;
}

function formatNumber(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

function formatPercent(share: number): string {
  return Number.isFinite(share) ? `${Number((share * 100).toPrecision(3))}%` : '∞%';
}
