export type Task = 'binary_classification' | 'regression';
export type MetricName = 'roc_auc' | 'log_loss' | 'accuracy' | 'f1' | 'rmse' | 'mae' | 'r2';

export const METRICS_BY_TASK: Readonly<Record<Task, readonly MetricName[]>> = Object.freeze({
  binary_classification: Object.freeze(['roc_auc', 'log_loss', 'accuracy', 'f1'] as const),
  regression: Object.freeze(['rmse', 'mae', 'r2'] as const),
});

const HIGHER_IS_BETTER: Readonly<Record<MetricName, boolean>> = {
  roc_auc: true,
  log_loss: false,
  accuracy: true,
  f1: true,
  rmse: false,
  mae: false,
  r2: true,
};

const CLASSIFICATION_THRESHOLD = 0.5;
const LOG_LOSS_EPSILON = 1e-15;

export function higherIsBetter(metric: MetricName): boolean {
  return HIGHER_IS_BETTER[metric];
}

/**
 * Scores predictions against labels. For classification, predictions are probabilities of class 1.
 * A metric that is undefined for the data (ROC AUC with one class present, R² with constant labels)
 * is left out rather than reported as NaN, so callers never compare against NaN.
 */
export function scorePredictions(
  task: Task,
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
): Partial<Record<MetricName, number>> {
  if (labels.length !== predictions.length) {
    throw new RangeError(`labels (${labels.length}) and predictions (${predictions.length}) differ in length`);
  }
  if (labels.length === 0) {
    throw new RangeError('cannot score an empty set of predictions');
  }
  assertFinite('labels', labels);
  assertFinite('predictions', predictions);
  return task === 'binary_classification'
    ? scoreClassification(labels, predictions)
    : scoreRegression(labels, predictions);
}

function scoreClassification(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
): Partial<Record<MetricName, number>> {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let correct = 0;
  let logLossSum = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label !== 0 && label !== 1) {
      throw new RangeError(`classification labels must be 0 or 1, got ${label} at index ${i}`);
    }
    const probability = probabilities[i]!;
    const predicted = probability >= CLASSIFICATION_THRESHOLD ? 1 : 0;
    if (predicted === label) correct++;
    if (predicted === 1 && label === 1) truePositives++;
    if (predicted === 1 && label === 0) falsePositives++;
    if (predicted === 0 && label === 1) falseNegatives++;
    const clipped = Math.min(Math.max(probability, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    logLossSum -= label === 1 ? Math.log(clipped) : Math.log(1 - clipped);
  }
  const f1Denominator = 2 * truePositives + falsePositives + falseNegatives;
  const scores: Partial<Record<MetricName, number>> = {
    log_loss: logLossSum / labels.length,
    accuracy: correct / labels.length,
    // No positives predicted or present: scikit-learn's zero_division default also reports 0.
    f1: f1Denominator === 0 ? 0 : (2 * truePositives) / f1Denominator,
  };
  const auc = rocAuc(labels, probabilities);
  if (auc !== undefined) scores.roc_auc = auc;
  return scores;
}

/** Mann–Whitney U statistic over average ranks, which gives tied scores half credit. */
function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | undefined {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positiveRankSum = 0;
  let positives = 0;
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end++;
    // Ranks are 1-based; the tied block [start, end) shares the mean of ranks start+1 .. end.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (labels[order[k]!] === 1) {
        positiveRankSum += averageRank;
        positives++;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function scoreRegression(labels: ArrayLike<number>, predictions: ArrayLike<number>): Partial<Record<MetricName, number>> {
  const n = labels.length;
  let labelSum = 0;
  for (let i = 0; i < n; i++) labelSum += labels[i]!;
  const labelMean = labelSum / n;

  let squaredErrorSum = 0;
  let absoluteErrorSum = 0;
  let totalSumOfSquares = 0;
  for (let i = 0; i < n; i++) {
    const error = labels[i]! - predictions[i]!;
    squaredErrorSum += error * error;
    absoluteErrorSum += Math.abs(error);
    totalSumOfSquares += (labels[i]! - labelMean) ** 2;
  }
  const scores: Partial<Record<MetricName, number>> = {
    rmse: Math.sqrt(squaredErrorSum / n),
    mae: absoluteErrorSum / n,
  };
  if (totalSumOfSquares > 0) scores.r2 = 1 - squaredErrorSum / totalSumOfSquares;
  return scores;
}

function assertFinite(what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what} must be finite numbers, got ${values[i]} at index ${i}`);
  }
}
