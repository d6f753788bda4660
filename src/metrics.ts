export type Task = 'binary_classification' | 'multiclass_classification' | 'regression';
/** For multiclass_classification, 'f1' is the macro F1 and 'roc_auc' the one-vs-rest macro AUC. */
export type MetricName = 'roc_auc' | 'log_loss' | 'accuracy' | 'f1' | 'rmse' | 'mae' | 'r2';

export const METRICS_BY_TASK: Readonly<Record<Task, readonly MetricName[]>> = Object.freeze({
  binary_classification: Object.freeze(['roc_auc', 'log_loss', 'accuracy', 'f1'] as const),
  multiclass_classification: Object.freeze(['roc_auc', 'log_loss', 'accuracy', 'f1'] as const),
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
// scikit-learn (since 1.3) clips probabilities to [eps, 1 - eps] with eps the machine epsilon of their
// dtype; scores are computed in float64 here, so that is float64's epsilon.
const LOG_LOSS_EPSILON = Number.EPSILON;

type Scores = Partial<Record<MetricName, number>>;

export function higherIsBetter(metric: MetricName): boolean {
  return HIGHER_IS_BETTER[metric];
}

/**
 * Scores predictions against labels, as scikit-learn would. A metric that is undefined for the data
 * (ROC AUC with a class absent from the labels, R² with constant labels) is left out rather than
 * reported as NaN, so callers never compare against NaN.
 *
 * - binary_classification: predictions are probabilities of class 1, one per label.
 * - multiclass_classification: labels are class indices 0..K-1 and predictions are K class
 *   probabilities per label, row-major (labels.length × K values), as `predict` returns them.
 * - regression: predictions are values in label units.
 */
export function scorePredictions(task: Task, labels: ArrayLike<number>, predictions: ArrayLike<number>): Scores {
  if (labels.length === 0) {
    throw new RangeError('cannot score an empty set of predictions');
  }
  const classCount = predictions.length / labels.length;
  if (task === 'multiclass_classification') {
    if (!(Number.isInteger(classCount) && classCount >= 2)) {
      throw new RangeError(
        `predictions (${predictions.length}) must hold K ≥ 2 class probabilities for each of ${labels.length} labels`,
      );
    }
  } else if (labels.length !== predictions.length) {
    throw new RangeError(`labels (${labels.length}) and predictions (${predictions.length}) differ in length`);
  }
  assertFinite('labels', labels);
  assertFinite('predictions', predictions);
  switch (task) {
    case 'binary_classification':
      return scoreBinaryClassification(labels, predictions);
    case 'multiclass_classification':
      return scoreMulticlassClassification(labels, predictions, classCount);
    case 'regression':
      return scoreRegression(labels, predictions);
  }
}

function scoreBinaryClassification(labels: ArrayLike<number>, probabilities: ArrayLike<number>): Scores {
  let correct = 0;
  let logLossSum = 0;
  const predictedClasses = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label !== 0 && label !== 1) {
      throw new RangeError(`classification labels must be 0 or 1, got ${label} at index ${i}`);
    }
    const probability = probabilities[i]!;
    predictedClasses[i] = probability >= CLASSIFICATION_THRESHOLD ? 1 : 0;
    if (predictedClasses[i] === label) correct++;
    logLossSum -= Math.log(clipProbability(label === 1 ? probability : 1 - probability));
  }
  const scores: Scores = {
    log_loss: logLossSum / labels.length,
    accuracy: correct / labels.length,
    f1: f1ForClass(labels, predictedClasses, 1),
  };
  const auc = rocAuc(labels, probabilities, 1, 0, 1);
  if (auc !== undefined) scores.roc_auc = auc;
  return scores;
}

/**
 * Accuracy of the most probable class (ties go to the lowest class index, like numpy's argmax);
 * log loss over all K classes; F1 averaged over the classes present in the labels or the predictions
 * (scikit-learn's f1_score(average='macro') without `labels`); ROC AUC one-vs-rest, averaged over all K
 * classes (roc_auc_score(multi_class='ovr', average='macro', labels=range(K))), left out when a class is
 * absent from the labels, where scikit-learn returns NaN.
 */
function scoreMulticlassClassification(labels: ArrayLike<number>, probabilities: ArrayLike<number>, classCount: number): Scores {
  const predictedClasses = new Uint32Array(labels.length);
  const classesPresent = new Set<number>();
  let correct = 0;
  let logLossSum = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classCount)) {
      throw new RangeError(`multiclass labels must be class indices 0..${classCount - 1}, got ${label} at index ${i}`);
    }
    const rowStart = i * classCount;
    let predicted = 0;
    for (let k = 1; k < classCount; k++) {
      if (probabilities[rowStart + k]! > probabilities[rowStart + predicted]!) predicted = k;
    }
    predictedClasses[i] = predicted;
    classesPresent.add(label).add(predicted);
    if (predicted === label) correct++;
    logLossSum -= Math.log(clipProbability(probabilities[rowStart + label]!));
  }
  const f1Sum = [...classesPresent].reduce((sum, k) => sum + f1ForClass(labels, predictedClasses, k), 0);
  const scores: Scores = {
    log_loss: logLossSum / labels.length,
    accuracy: correct / labels.length,
    f1: f1Sum / classesPresent.size,
  };
  let aucSum = 0;
  for (let k = 0; k < classCount; k++) {
    const auc = rocAuc(labels, probabilities, k, k, classCount);
    if (auc === undefined) return scores;
    aucSum += auc;
  }
  scores.roc_auc = aucSum / classCount;
  return scores;
}

function clipProbability(probability: number): number {
  return Math.min(Math.max(probability, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
}

/** F1 of one class against the rest; 0 when the class is neither present nor predicted, as scikit-learn's zero_division default. */
function f1ForClass(labels: ArrayLike<number>, predictedClasses: Uint32Array, positiveClass: number): number {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let i = 0; i < labels.length; i++) {
    const isPositive = labels[i] === positiveClass;
    const predictedPositive = predictedClasses[i] === positiveClass;
    if (predictedPositive && isPositive) truePositives++;
    else if (predictedPositive) falsePositives++;
    else if (isPositive) falseNegatives++;
  }
  const denominator = 2 * truePositives + falsePositives + falseNegatives;
  return denominator === 0 ? 0 : (2 * truePositives) / denominator;
}

/**
 * ROC AUC of `positiveClass` against the rest, scored by column `column` of a row-major matrix with
 * `stride` columns: the Mann–Whitney U statistic over average ranks, which gives tied scores half credit.
 */
function rocAuc(
  labels: ArrayLike<number>,
  scoreMatrix: ArrayLike<number>,
  positiveClass: number,
  column: number,
  stride: number,
): number | undefined {
  const scores = Float64Array.from({ length: labels.length }, (_, i) => scoreMatrix[i * stride + column]!);
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
      if (labels[order[k]!] === positiveClass) {
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

function scoreRegression(labels: ArrayLike<number>, predictions: ArrayLike<number>): Scores {
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
  const scores: Scores = {
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

/**
 * Pads a model's class probabilities (rows × classCount, row-major) with zero columns up to
 * `toClassCount`: a model that never saw a class gives it probability 0, so it can be scored against
 * labels of that class, and compared with a model that knows more classes, instead of failing.
 */
export function widenClassProbabilities(probabilities: Float32Array, rows: number, toClassCount: number): Float32Array {
  const fromClassCount = rows === 0 ? toClassCount : probabilities.length / rows;
  if (!Number.isInteger(fromClassCount) || fromClassCount > toClassCount) {
    throw new RangeError(`cannot widen ${probabilities.length} probabilities of ${rows} rows to ${toClassCount} classes`);
  }
  if (fromClassCount === toClassCount) return probabilities;
  const widened = new Float32Array(rows * toClassCount);
  for (let row = 0; row < rows; row++) {
    widened.set(probabilities.subarray(row * fromClassCount, (row + 1) * fromClassCount), row * toClassCount);
  }
  return widened;
}
