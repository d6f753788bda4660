/**
 * The promotion decision: pure and deterministic, so the retrain workflow computes it itself and
 * the decision is part of the workflow's history.
 */
import { higherIsBetter, type MetricName } from '../metrics';
import type { ImprovementInterval } from './bootstrap';
import type { LabelSummary, PredictionSummary } from './quality-gate';

export const DEFAULT_CONFIDENCE = 0.95;
export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
export const DEFAULT_GUARDRAIL_REFERENCE_ROWS = 500;
/** Fewer holdout rows make the bootstrap interval too wide to ever be confident (about ±0.1 in log loss at 70 rows). */
export const DEFAULT_MIN_HOLDOUT_ROWS = 200;

export interface GuardrailRule {
  /** Defaults to the promotion metric. */
  metric?: MetricName;
  /** How much worse than the champion the challenger may score on the reference-period rows, in the metric's units. */
  tolerance: number;
  /** How many of the most recent labelled reference-period rows both models are scored on. */
  referenceRows: number;
}

/**
 * minImprovement is measured in the metric's better direction (see higherIsBetter in ../metrics).
 * The other options are optional so that a retrain plan recorded before they existed still means
 * what it meant: the point-estimate rule without a guardrail.
 */
export interface PromotionRule {
  metric: MetricName;
  minImprovement: number;
  /** Promote only when the bootstrap interval's lower bound, not just the point estimate, reaches minImprovement. */
  requireConfidentImprovement?: boolean;
  /** For the evaluation to compute the bootstrap interval with; the decision reads them back from the interval. */
  confidence?: number;
  bootstrapResamples?: number;
  guardrail?: GuardrailRule | null;
  /** The holdout is at least this many of the most recent labelled rows, when that many exist (see DataSplit). */
  minHoldoutRows?: number;
  /** Metrics the challenger may not lose on the holdout by more than their tolerance (in the metric's units). */
  secondary?: ReadonlyArray<SecondaryMetricRule>;
}

export interface SecondaryMetricRule { metric: MetricName; tolerance: number }

export type SecondaryCheck =
  | { metric: MetricName; tolerance: number; status: 'not_checked' }
  | { metric: MetricName; tolerance: number; status: 'passed' | 'breached'; challengerScore: number; championScore: number; difference: number };

export type ModelMetrics = Partial<Record<MetricName, number>>;

/** Both models on labelled rows from the reference period: catches a challenger that fits the recent holdout by forgetting older patterns. */
export interface GuardrailEvaluation {
  rows: number;
  challenger: ModelMetrics;
  champion: ModelMetrics;
}

export interface Evaluation {
  holdoutRows: number;
  /** Set when fewer labelled rows than the rule's minHoldoutRows were left for the holdout: what the decision must say. */
  holdoutNote?: string | null;
  challenger: ModelMetrics;
  champion: ModelMetrics | null;
  /** The paired bootstrap interval of the improvement on the holdout; null when it could not be computed. */
  bootstrap?: ImprovementInterval | null;
  /** Null when there is no champion or the reference period has no labelled rows. */
  guardrail?: GuardrailEvaluation | null;
  /** The linear model and the class prior (or mean) fitted on the challenger's training rows, on the same holdout: the quality gate's yardsticks. */
  baselines?: { linear: ModelMetrics; prior: ModelMetrics } | null;
  predictionSummary?: PredictionSummary | null;
  holdoutLabels?: LabelSummary | null;
}

/** A guardrail that could not be checked (no labelled reference-period rows, or the metric undefined on them) does not block promotion. */
export type GuardrailCheck =
  | { status: 'not_checked'; metric: MetricName; tolerance: number; rows: number }
  | {
      status: 'passed' | 'breached';
      metric: MetricName;
      tolerance: number;
      rows: number;
      challengerScore: number;
      championScore: number;
      /** Challenger minus champion in the metric's better direction; below −tolerance is a breach. */
      difference: number;
    };

/** A person's verdict on a challenger the rule would promote (when the model requires approval). */
export interface ApprovalRecord {
  status: 'approved' | 'rejected' | 'timed_out';
  /** The approver; for a timeout, 'timeout'. */
  by: string;
  reason: string | null;
  at: string;
}

export interface PromotionDecision {
  promote: boolean;
  /** Set when the model requires approval and the rule would promote. */
  approval?: ApprovalRecord;
  metric: MetricName;
  challengerScore: number | null;
  championScore: number | null;
  /** Positive when the challenger is better, in the metric's own units and better direction. */
  improvement: number | null;
  minImprovement: number;
  requireConfidentImprovement: boolean;
  /** The paired bootstrap interval the evaluation carried, reported even when the rule decides on the point estimate. */
  bootstrap: ImprovementInterval | null;
  guardrail: GuardrailCheck | null;
  secondary: SecondaryCheck[];
  reasons: string[];
}

export function decidePromotion(rule: PromotionRule, evaluation: Evaluation): PromotionDecision {
  const challengerScore = evaluation.challenger[rule.metric] ?? null;
  const championScore = evaluation.champion?.[rule.metric] ?? null;
  const requireConfidentImprovement = rule.requireConfidentImprovement ?? false;
  const interval = evaluation.bootstrap ?? null;
  const base = {
    metric: rule.metric, challengerScore, championScore, minImprovement: rule.minImprovement, requireConfidentImprovement,
    bootstrap: null, guardrail: null, improvement: null, secondary: [],
  };
  if (challengerScore === null) {
    return { ...base, promote: false, reasons: [`${rule.metric} could not be computed for the challenger on ${evaluation.holdoutRows} holdout rows`] };
  }
  if (evaluation.champion === null) {
    return { ...base, promote: true, reasons: ['no champion yet: the first trained model becomes champion'] };
  }
  if (championScore === null) {
    return { ...base, promote: false, reasons: [`${rule.metric} could not be computed for the champion on the holdout; refusing to compare`] };
  }

  const improvement = inBetterDirection(rule.metric, challengerScore, championScore);
  const comparison = `${rule.metric}: challenger ${challengerScore.toFixed(4)} vs champion ${championScore.toFixed(4)} on the same ${evaluation.holdoutRows} holdout rows`;
  const reasons: string[] = evaluation.holdoutNote ? [evaluation.holdoutNote] : [];
  let improved: boolean;
  if (requireConfidentImprovement) {
    reasons.push(`${comparison}; improvement ${improvement.toFixed(4)}`);
    if (interval === null) {
      improved = false;
      reasons.push(`a confident improvement is required, but no bootstrap interval of the improvement could be computed`);
    } else {
      improved = reachesMinimum(interval.lower, rule.minImprovement);
      reasons.push(
        improved
          ? `${describeInterval(interval)}: lower bound ${interval.lower.toFixed(4)} ≥ required ${rule.minImprovement}`
          : `${describeInterval(interval)}: lower bound ${interval.lower.toFixed(4)} does not reach the required ${rule.minImprovement}`,
      );
    }
  } else {
    improved = reachesMinimum(improvement, rule.minImprovement);
    reasons.push(
      improved
        ? `${comparison}; improvement ${improvement.toFixed(4)} ≥ required ${rule.minImprovement}`
        : `${comparison}; improvement ${improvement.toFixed(4)} does not reach the required ${rule.minImprovement}${improvement <= 0 ? ' (not better)' : ''}`,
    );
    if (interval !== null) reasons.push(`${describeInterval(interval)} (for information: the rule uses the point estimate)`);
  }

  const secondary = (rule.secondary ?? []).map((entry) => checkSecondary(entry, evaluation.challenger, evaluation.champion!));
  reasons.push(...secondary.map(describeSecondary));
  const guardrail = rule.guardrail ? checkGuardrail(rule.guardrail, rule.metric, evaluation.guardrail ?? null) : null;
  if (guardrail !== null) reasons.push(describeGuardrail(guardrail));
  const promote = improved && guardrail?.status !== 'breached' && secondary.every((check) => check.status !== 'breached');
  return { ...base, promote, improvement, bootstrap: interval, guardrail, secondary, reasons };
}

/** A tie is never an improvement, even with a minimum of 0: retraining to an equal model only adds churn. */
function reachesMinimum(improvement: number, minImprovement: number): boolean {
  return improvement > 0 && improvement >= minImprovement;
}

function inBetterDirection(metric: MetricName, challengerScore: number, championScore: number): number {
  return higherIsBetter(metric) ? challengerScore - championScore : championScore - challengerScore;
}

function describeInterval(interval: ImprovementInterval): string {
  const percent = Number((interval.confidence * 100).toFixed(1));
  const skipped = interval.skippedResamples > 0 ? `, ${interval.skippedResamples} skipped where ${interval.metric} was undefined` : '';
  return `${percent}% paired bootstrap interval of the improvement [${interval.lower.toFixed(4)}, ${interval.upper.toFixed(4)}] (${interval.resamples} resamples${skipped})`;
}

function checkGuardrail(rule: GuardrailRule, promotionMetric: MetricName, evaluation: GuardrailEvaluation | null): GuardrailCheck {
  const metric = rule.metric ?? promotionMetric;
  const rows = evaluation?.rows ?? 0;
  const challengerScore = evaluation?.challenger[metric];
  const championScore = evaluation?.champion[metric];
  if (challengerScore === undefined || championScore === undefined) return { status: 'not_checked', metric, tolerance: rule.tolerance, rows };
  const difference = inBetterDirection(metric, challengerScore, championScore);
  const status = difference < -rule.tolerance ? 'breached' : 'passed';
  return { status, metric, tolerance: rule.tolerance, rows, challengerScore, championScore, difference };
}

/** An undefined secondary metric (F1 with no positive prediction from either model) cannot block promotion. */
function checkSecondary(rule: SecondaryMetricRule, challenger: ModelMetrics, champion: ModelMetrics): SecondaryCheck {
  const challengerScore = challenger[rule.metric];
  const championScore = champion[rule.metric];
  if (challengerScore === undefined || championScore === undefined || !Number.isFinite(challengerScore) || !Number.isFinite(championScore)) {
    return { metric: rule.metric, tolerance: rule.tolerance, status: 'not_checked' };
  }
  const difference = inBetterDirection(rule.metric, challengerScore, championScore);
  const status = difference < -rule.tolerance ? 'breached' : 'passed';
  return { metric: rule.metric, tolerance: rule.tolerance, status, challengerScore, championScore, difference };
}

function describeSecondary(check: SecondaryCheck): string {
  if (check.status === 'not_checked') return `${check.metric} not compared: undefined for one of the models on the holdout`;
  return describeToleratedLoss(`${check.metric}: challenger ${check.challengerScore.toFixed(4)} vs champion ${check.championScore.toFixed(4)}`, check);
}

function describeToleratedLoss(scores: string, check: { difference: number; tolerance: number; status: 'passed' | 'breached' }): string {
  if (check.difference >= 0) return `${scores}; not worse`;
  const worseBy = (-check.difference).toFixed(4);
  return check.status === 'breached'
    ? `${scores}; worse by ${worseBy}, more than the tolerance ${check.tolerance}`
    : `${scores}; worse by ${worseBy}, within the tolerance ${check.tolerance}`;
}

function describeGuardrail(check: GuardrailCheck): string {
  if (check.status === 'not_checked') {
    return check.rows === 0
      ? `guardrail on ${check.metric} not checked: no labelled rows from the reference period`
      : `guardrail on ${check.metric} not checked: ${check.metric} is undefined on the ${check.rows} reference-period rows`;
  }
  const scores = `guardrail on ${check.metric}: challenger ${check.challengerScore.toFixed(4)} vs champion ${check.championScore.toFixed(4)} on ${check.rows} reference-period rows`;
  return describeToleratedLoss(scores, check);
}
