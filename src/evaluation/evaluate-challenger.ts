/**
 * Scores a challenger against the champion and against simple baselines fitted on the challenger's
 * own training rows, all on the same holdout, with a paired bootstrap interval of the improvement
 * and, when the rule has one, a guardrail on the champion's reference-period rows. Reads and writes
 * go through EvaluationStore, so the logic is tested without PostgreSQL.
 */
import type { ModelConfig } from '../config';
import { InvalidLabelsError } from '../errors';
import { scorePredictions, widenClassProbabilities } from '../metrics';
import { pairedBootstrap } from '../policy/bootstrap';
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CONFIDENCE, type Evaluation, type ModelMetrics, type PromotionRule } from '../policy/promotion';
import { learnPerformanceReference, type PerformanceReference } from '../monitoring/performance';
import { summariseLabels, summarisePredictions } from '../policy/quality-gate';
import type { DataSplit, StoredRow } from '../store/feature-store';
import { fitBaseline, predict, predictBaseline, type ModelArtifact } from '../training';
import { validateLabels } from '../training/labels';

export interface EvaluationStore {
  rows(split: DataSplit, part: 'training' | 'holdout'): Promise<StoredRow[]>;
  /** Throws a CorruptArtifactError when the stored artifact does not match its checksum. */
  artifact(version: number): Promise<ModelArtifact>;
  trainingWindow(version: number): Promise<DataSplit | null>;
  /** The champion's own holdout rows from before `before`, which neither model trained on (the guardrail). */
  earlierHoldout(championWindow: DataSplit, before: string, limit: number): Promise<StoredRow[]>;
  recordMetrics(version: number, metrics: object): Promise<void>;
}

export interface EvaluationRequest {
  split: DataSplit;
  challengerVersion: number;
  championVersion: number | null;
  rule: PromotionRule;
  seed: number;
}

export async function evaluateChallenger(store: EvaluationStore, config: ModelConfig, request: EvaluationRequest): Promise<Evaluation> {
  const { rule } = request;
  const holdout = await store.rows(request.split, 'holdout');
  const labels = holdout.map((r) => r.label as number);
  checkHoldoutLabels(config.task, holdout, labels);
  const challengerModel = await store.artifact(request.challengerVersion);
  const championModel = request.championVersion === null ? null : await store.artifact(request.championVersion);
  // Multi-class models may know different classes (a class new in the data, or absent from one
  // training window): every model is scored over every class any of them knows or the holdout holds.
  const classCount = config.task === 'multiclass_classification'
    ? Math.max(challengerModel.classCount ?? 2, championModel?.classCount ?? 2, ...labels.map((label) => label + 1))
    : null;
  const widen = (predictions: Float32Array, rows: number) =>
    classCount === null ? predictions : widenClassProbabilities(predictions, rows, classCount);
  const predictRows = async (model: ModelArtifact, rows: StoredRow[]) => widen(await predict(model, rows.map((r) => r.features)), rows.length);

  const challengerPredictions = await predictRows(challengerModel, holdout);
  const challenger = scorePredictions(config.task, labels, challengerPredictions);
  const training = await store.rows(request.split, 'training');
  const baselines = await scoreBaselines(config, training, holdout, labels, widen);
  const performanceReference = await learnVersionPerformance(config, challengerModel, [...training, ...holdout]);
  const qualityInputs = {
    baselines,
    predictionSummary: summarisePredictions(config.task, challengerPredictions, holdout.length),
    holdoutLabels: summariseLabels(config.task, labels, classCount ?? undefined),
  };
  await store.recordMetrics(request.challengerVersion, { holdout: challenger, holdoutRows: holdout.length, baselines, performanceReference });
  const holdoutNote = request.split.holdoutNote ?? null;
  if (championModel === null) {
    return { holdoutRows: holdout.length, holdoutNote, challenger, champion: null, bootstrap: null, guardrail: null, ...qualityInputs };
  }

  const championPredictions = await predictRows(championModel, holdout);
  const bootstrap = pairedBootstrap({
    task: config.task, metric: rule.metric, labels, challenger: challengerPredictions, champion: championPredictions,
    resamples: rule.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES, confidence: rule.confidence ?? DEFAULT_CONFIDENCE, seed: request.seed,
  });
  let guardrail: Evaluation['guardrail'] = null;
  const championWindow = rule.guardrail ? await store.trainingWindow(request.championVersion!) : null;
  if (rule.guardrail && championWindow) {
    const rows = await store.earlierHoldout(championWindow, request.split.from, rule.guardrail.referenceRows);
    const guardrailLabels = rows.map((r) => r.label as number);
    // A class seen only in these older rows is beyond what either model or the holdout knows: skip the guardrail then.
    if (rows.length > 0 && (classCount === null || guardrailLabels.every((label) => label < classCount))) {
      guardrail = {
        rows: rows.length,
        challenger: scorePredictions(config.task, guardrailLabels, await predictRows(challengerModel, rows)),
        champion: scorePredictions(config.task, guardrailLabels, await predictRows(championModel, rows)),
      };
    }
  }
  return {
    holdoutRows: holdout.length, holdoutNote, challenger, champion: scorePredictions(config.task, labels, championPredictions),
    bootstrap, guardrail, ...qualityInputs,
  };
}

/**
 * The holdout's labels pass the checks training labels pass. A row stored before ingest checked labels
 * (a class of 999999) would otherwise size every model's probabilities by it, a million classes, and
 * exhaust the worker on every retry of the evaluation.
 */
function checkHoldoutLabels(task: ModelConfig['task'], holdout: StoredRow[], labels: number[]): void {
  try {
    validateLabels(task, Float64Array.from(labels));
  } catch (err) {
    if (!(err instanceof InvalidLabelsError) || err.row === null) throw err;
    throw new InvalidLabelsError(`holdout: ${err.message} (event time ${holdout[err.row]!.eventTime.toISOString()})`, err.row);
  }
}

/** The linear model and the prior, fitted on the challenger's training rows and scored on its holdout. */
async function scoreBaselines(
  config: ModelConfig,
  training: StoredRow[],
  holdout: StoredRow[],
  labels: number[],
  widen: (predictions: Float32Array, rows: number) => Float32Array,
): Promise<{ linear: ModelMetrics; prior: ModelMetrics }> {
  const baseline = await fitBaseline({
    task: config.task, features: config.features, rows: training.map((r) => r.features), labels: training.map((r) => r.label as number),
  });
  const features = holdout.map((r) => r.features);
  const score = (kind: 'linear' | 'prior') => scorePredictions(config.task, labels, widen(predictBaseline(baseline, features, kind), holdout.length));
  return { linear: score('linear'), prior: score('prior') };
}

/**
 * The version's loss (and calibration) over window-sized chunks of its own training and holdout rows,
 * in event-time order: what the drift check compares the champion's realized performance with.
 * Null when performance monitoring is off or too few chunks fit.
 */
async function learnVersionPerformance(config: ModelConfig, model: ModelArtifact, rows: StoredRow[]): Promise<PerformanceReference | null> {
  if (!config.performance) return null;
  const window = config.monitoring.window;
  const chunking = window.kind === 'rows'
    ? { chunkRows: window.rows }
    : { chunkMs: window.ms, eventTimesMs: rows.map((r) => r.eventTime.getTime()) };
  return learnPerformanceReference(config.task, rows.length, chunking, { k: config.performance.k, minRows: config.monitoring.minRows },
    async (start, end) => {
      const chunk = rows.slice(start, end);
      return { task: config.task, labels: chunk.map((r) => r.label as number), predictions: await predict(model, chunk.map((r) => r.features)) };
    });
}
